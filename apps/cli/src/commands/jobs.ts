import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EvrecError, loadConfig, throttledStderrProgress } from '@evrec/core';
import {
  DEFAULT_QUEUE_PREFIX,
  FLOW_NAMES,
  enqueueFlow,
  formatJobsStatus,
  getJobsStatus,
  runFlowInline,
  waitForFlow,
  type FlowName,
  type FlowResult,
  type PipelineOptionsInput,
} from '@evrec/jobs';
import { positiveIntFlag } from './build-index.ts';
import { sourceFor } from './worker.ts';

interface RunFlags {
  data?: string;
  artifacts?: string;
  source: string;
  storePrefix?: string;
  storeLog?: string;
  inline?: boolean;
  wait?: boolean;
  prefix: string;
  options?: string;
  seed?: string;
  embeddingsEpochs?: string;
  rankerEpochs?: string;
  gate: boolean;
  json?: boolean;
}

interface StatusFlags {
  prefix: string;
  limit: string;
  artifacts?: string;
  json?: boolean;
}

/** `--options`: inline JSON, or `@path` to a JSON file. */
async function readOptionsFlag(value: string | undefined): Promise<Record<string, unknown>> {
  if (value === undefined) return {};
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = await readFile(value.slice(1), 'utf8');
    } catch (e) {
      throw new EvrecError('NOT_FOUND', `--options: cannot read ${value.slice(1)}: ${(e as Error).message}`, { field: 'options' });
    }
  }
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new EvrecError('INVALID_INPUT', `--options: ${(e as Error).message}`, { field: 'options' });
  }
}

async function pipelineOptions(flags: RunFlags): Promise<PipelineOptionsInput> {
  const o = await readOptionsFlag(flags.options);
  const section = (name: string): Record<string, unknown> => ({ ...((o[name] as Record<string, unknown> | undefined) ?? {}) });
  const embeddings = section('embeddings');
  const ranker = section('ranker');
  const gate = section('gate');
  const embeddingsEpochs = positiveIntFlag(flags.embeddingsEpochs, 'embeddings-epochs');
  const rankerEpochs = positiveIntFlag(flags.rankerEpochs, 'ranker-epochs');
  if (embeddingsEpochs !== undefined) embeddings.epochs = embeddingsEpochs;
  if (rankerEpochs !== undefined) ranker.epochs = rankerEpochs;
  if (!flags.gate) gate.enabled = false;
  const seed = flags.seed === undefined ? undefined : Number(flags.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new EvrecError('INVALID_INPUT', `--seed: expected an integer, got "${flags.seed}"`, { field: 'seed' });
  return { ...o, ...(seed === undefined ? {} : { seed }), embeddings, ranker, gate } as PipelineOptionsInput;
}

function formatResult(r: FlowResult): string {
  const lines = [`${r.outcome}: ${r.version}${r.reason ? ` — ${r.reason}` : ''}`];
  for (const [step, s] of Object.entries(r.steps)) lines.push(`  ${step.padEnd(20)} ${s.seconds.toFixed(1).padStart(7)} s${s.note ? `  ${s.note}` : ''}`);
  for (const c of r.gate) lines.push(`  gate ${c.pass ? 'pass' : 'FAIL'}: ${c.note}`);
  return lines.join('\n');
}

function report(result: FlowResult, json: boolean | undefined): void {
  process.stdout.write((json ? JSON.stringify(result, null, 2) : formatResult(result)) + '\n');
  if (result.outcome === 'refused') throw new EvrecError('QUALITY_GATE', result.reason ?? 'refused by the quality gate');
}

export function register(program: Command): void {
  const jobs = program.command('jobs').description('Training flows as jobs: run a retrain or index refresh, show queues and recent jobs');

  jobs
    .command('run')
    .description('Run a flow: retrain (export → embeddings → index → ranker → evaluate → publish) or index-refresh (export → index → publish). Enqueued for the workers, or inline with --inline / without REDIS_URL')
    .argument('<flow>', `${FLOW_NAMES.join(' or ')}`)
    .option('--data <dir>', 'native dataset to train from (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root to publish to (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--source <kind>', 'dataset (--data) or store (export the feature store\'s interaction log)', 'dataset')
    .option('--store-prefix <prefix>', 'Redis key prefix of the feature store (with --source store)')
    .option('--store-log <path>', 'the embedded store\'s log file (with --source store, instead of Redis)')
    .option('--inline', 'run every step in this process (no Redis needed); the default without REDIS_URL')
    .option('--wait', 'queue mode: wait for the run to finish, showing progress')
    .option('--prefix <prefix>', 'BullMQ key prefix', DEFAULT_QUEUE_PREFIX)
    .option('--options <json>', 'pipeline options as JSON, or @file.json (see libs/jobs README: seed, embeddings, ranker, index, evaluation, gate)')
    .option('--seed <n>', 'seed of every random choice (default 42)')
    .option('--embeddings-epochs <n>', 'maximum two-tower epochs')
    .option('--ranker-epochs <n>', 'maximum ranker epochs')
    .option('--no-gate', 'publish without the quality gate (verification still applies)')
    .option('--json', 'print the result as JSON')
    .action(async (flowArg: string, flags: RunFlags) => {
      if (!(FLOW_NAMES as readonly string[]).includes(flowArg)) throw new EvrecError('INVALID_INPUT', `unknown flow "${flowArg}"; expected ${FLOW_NAMES.join(' or ')}`, { field: 'flow' });
      const flow = flowArg as FlowName;
      const config = loadConfig();
      const source = sourceFor(flags.source, { dataDir: flags.data ?? config.dataDir, redisUrl: config.redisUrl, storePrefix: flags.storePrefix, storeLog: flags.storeLog });
      const artifactsDir = flags.artifacts ?? config.artifactsDir;
      const options = await pipelineOptions(flags);
      if (flags.inline || config.redisUrl === undefined) {
        if (!flags.inline) process.stderr.write('REDIS_URL is not set: running the flow inline\n');
        const result = await runFlowInline({ flow, source, artifactsDir, options, redisUrl: config.redisUrl, progress: throttledStderrProgress(2000) });
        report(result, flags.json);
        return;
      }
      const enqueued = await enqueueFlow({ flow, source, artifactsDir, options, redisUrl: config.redisUrl, prefix: flags.prefix });
      if (!flags.wait) {
        process.stdout.write(flags.json ? JSON.stringify(enqueued) + '\n' : `enqueued ${flow} run ${enqueued.runId} (root job publish/${enqueued.rootJobId}); follow it with \`evrec jobs status\`\n`);
        return;
      }
      process.stderr.write(`enqueued ${flow} run ${enqueued.runId}; waiting\n`);
      let last = '';
      const result = await waitForFlow({
        redisUrl: config.redisUrl,
        prefix: flags.prefix,
        run: enqueued,
        onProgress: (type, p) => {
          const line = `[${type}] ${p.percent.toFixed(0)}% ${p.stage}`;
          if (line !== last) process.stderr.write(line + '\n');
          last = line;
        },
      });
      report(result, flags.json);
    });

  jobs
    .command('status')
    .description('Queue counts, recent jobs with progress and failure reasons, schedules, and the last publishes')
    .option('--prefix <prefix>', 'BullMQ key prefix', DEFAULT_QUEUE_PREFIX)
    .option('--limit <n>', 'recent jobs to list', '15')
    .option('--artifacts <dir>', 'artefact root whose current bundle and publish log to show (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--json', 'print the status as JSON')
    .action(async (flags: StatusFlags) => {
      const config = loadConfig();
      if (config.redisUrl === undefined) throw new EvrecError('CONFIG', 'REDIS_URL is not set: there are no queues (inline runs leave their record in <artifacts>/publish-log.jsonl)', { field: 'REDIS_URL' });
      const status = await getJobsStatus({ redisUrl: config.redisUrl, prefix: flags.prefix, limit: positiveIntFlag(flags.limit, 'limit'), artifactsDir: flags.artifacts ?? config.artifactsDir });
      process.stdout.write((flags.json ? JSON.stringify(status, null, 2) : formatJobsStatus(status)) + '\n');
    });
}
