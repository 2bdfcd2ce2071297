/**
 * The worker service: every job queue, the schedules, graceful shutdown on SIGTERM/SIGINT. All the
 * logic lives in @evrec/jobs; this reads the configuration (environment, see README) and starts it.
 */
import { EvrecError, createLogger, formatLocation, isEvrecError, loadConfig } from '@evrec/core';
import { ALL_QUEUES, DEFAULT_QUEUE_PREFIX, isQueueName, startWorkerService, type QueueName } from '@evrec/jobs';

function intFromEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new EvrecError('CONFIG', `${name}: expected a positive integer, got "${v}"`, { field: name });
  return n;
}

function queuesFromEnv(): QueueName[] | undefined {
  const v = process.env.EVREC_WORKER_QUEUES;
  if (v === undefined || v.trim() === '') return undefined;
  const names = v.split(',').map((q) => q.trim()).filter((q) => q !== '');
  const bad = names.filter((q) => !isQueueName(q));
  if (bad.length > 0) throw new EvrecError('CONFIG', `EVREC_WORKER_QUEUES: unknown queue ${bad.join(', ')}; expected some of ${ALL_QUEUES.join(', ')}`, { field: 'EVREC_WORKER_QUEUES' });
  return names as QueueName[];
}

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.redisUrl === undefined) throw new EvrecError('CONFIG', 'REDIS_URL is not set: the worker needs Redis (run flows inline with `evrec jobs run retrain --inline` instead)', { field: 'REDIS_URL' });
  const logger = createLogger({ name: 'evrec.worker', level: config.logLevel });
  const storeSource = process.env.EVREC_SCHEDULE_SOURCE === 'store';
  await startWorkerService({
    redisUrl: config.redisUrl,
    prefix: process.env.EVREC_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX,
    queues: queuesFromEnv(),
    concurrency: intFromEnv('EVREC_WORKER_CONCURRENCY'),
    lockDurationMs: intFromEnv('EVREC_WORKER_LOCK_MS'),
    stalledIntervalMs: intFromEnv('EVREC_WORKER_STALLED_MS'),
    shutdownGraceMs: intFromEnv('EVREC_WORKER_GRACE_MS'),
    schedules: process.env.EVREC_WORKER_SCHEDULES !== 'off',
    scheduleSource: storeSource ? { kind: 'store', redisUrl: config.redisUrl } : { kind: 'dataset', dir: config.dataDir },
    artifactsDir: config.artifactsDir,
    logger,
  });
}

main().catch((e: unknown) => {
  if (isEvrecError(e)) process.stderr.write(`evrec-worker: ${e.code}: ${e.location ? `${formatLocation(e.location)}: ` : ''}${e.message}\n`);
  else process.stderr.write(`evrec-worker: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
