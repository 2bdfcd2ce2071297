import type { Command } from 'commander';
import { EvrecError, createLogger, loadConfig } from '@evrec/core';
import { ALL_QUEUES, DEFAULT_QUEUE_PREFIX, isQueueName, startWorkerService, type QueueName, type Source } from '@evrec/jobs';
import { positiveIntFlag } from './build-index.ts';

interface WorkerFlags {
  queues?: string;
  concurrency: string;
  prefix: string;
  schedules: boolean;
  scheduleSource: string;
  data?: string;
  artifacts?: string;
  storePrefix?: string;
  lockDuration: string;
  stalledInterval: string;
  grace: string;
}

/** `a,b,c` → queue names, refusing unknown ones. */
export function parseQueues(value: string | undefined): QueueName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((q) => q.trim()).filter((q) => q !== '');
  const bad = names.filter((q) => !isQueueName(q));
  if (bad.length > 0 || names.length === 0) {
    throw new EvrecError('INVALID_INPUT', `--queues: unknown queue ${bad.join(', ') || '(none given)'}; expected some of ${ALL_QUEUES.join(', ')}`, { field: 'queues' });
  }
  return names as QueueName[];
}

/** The data scheduled runs (and `jobs run`) train from. */
export function sourceFor(kind: string, options: { dataDir: string; redisUrl?: string; storePrefix?: string; storeLog?: string }): Source {
  if (kind === 'dataset') return { kind: 'dataset', dir: options.dataDir };
  if (kind === 'store') {
    if (options.redisUrl === undefined && options.storeLog === undefined) {
      throw new EvrecError('INVALID_INPUT', 'a store source needs REDIS_URL (the Redis feature store) or --store-log PATH (the embedded store)', { field: 'source' });
    }
    return { kind: 'store', redisUrl: options.storeLog === undefined ? options.redisUrl : undefined, keyPrefix: options.storePrefix, logPath: options.storeLog };
  }
  throw new EvrecError('INVALID_INPUT', `--source: expected dataset or store, got "${kind}"`, { field: 'source' });
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run BullMQ workers for the training jobs (export, embeddings, index, ranker, evaluate, publish) and the schedules; needs REDIS_URL')
    .option('--queues <list>', `comma-separated queues to serve (default: all: ${ALL_QUEUES.join(',')})`)
    .option('--concurrency <n>', 'jobs at once per queue (publish is always 1)', '1')
    .option('--prefix <prefix>', 'BullMQ key prefix', DEFAULT_QUEUE_PREFIX)
    .option('--no-schedules', 'do not install the nightly retrain / hourly index refresh schedules')
    .option('--schedule-source <kind>', 'what scheduled runs train from: dataset (--data) or store (the feature store on REDIS_URL)', 'dataset')
    .option('--data <dir>', 'dataset of scheduled runs (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root scheduled runs publish to (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--store-prefix <prefix>', 'Redis key prefix of the feature store (with --schedule-source store)')
    .option('--lock-duration <ms>', "a job's lock; a crashed worker's job moves to another worker after it expires", '30000')
    .option('--stalled-interval <ms>', 'how often to look for stalled jobs', '15000')
    .option('--grace <ms>', 'on SIGTERM/SIGINT, wait this long for running jobs before handing them back', '25000')
    .action(async (flags: WorkerFlags) => {
      const config = loadConfig();
      if (config.redisUrl === undefined) {
        throw new EvrecError('CONFIG', 'REDIS_URL is not set: workers need Redis. Without it, run a flow in this process with `evrec jobs run retrain --inline`', { field: 'REDIS_URL' });
      }
      const logger = createLogger({ name: 'evrec.worker', level: config.logLevel });
      await startWorkerService({
        redisUrl: config.redisUrl,
        prefix: flags.prefix,
        queues: parseQueues(flags.queues),
        concurrency: positiveIntFlag(flags.concurrency, 'concurrency'),
        lockDurationMs: positiveIntFlag(flags.lockDuration, 'lock-duration'),
        stalledIntervalMs: positiveIntFlag(flags.stalledInterval, 'stalled-interval'),
        shutdownGraceMs: positiveIntFlag(flags.grace, 'grace'),
        schedules: flags.schedules,
        scheduleSource: sourceFor(flags.scheduleSource, { dataDir: flags.data ?? config.dataDir, redisUrl: config.redisUrl, storePrefix: flags.storePrefix }),
        artifactsDir: flags.artifacts ?? config.artifactsDir,
        logger,
      });
      // Runs until SIGTERM/SIGINT (runWorkerProcess exits the process when the workers have closed).
      await new Promise<never>(() => undefined);
    });
}
