import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { FlowProducer, type FlowJob, type FlowJobNode, type JobsOptions } from 'bullmq';
import { parseWith } from '@evrec/core';
import { bullConnection, queuePrefix, type JobsConnectionOptions } from './connection.ts';
import { FLOW_STEPS, type FlowName, type JobType } from './job-types.ts';
import { RunSpecSchema, SourceSchema, type PipelineOptionsInput, type RunSpec, type Source } from './schemas.ts';

/** How often a failing job is tried and how long it waits in between (doubling each time). */
export interface RetryPolicy {
  /** Tries in all, the first included. Default 3. */
  attempts: number;
  /** Wait before the first retry, in ms; doubles per retry. Default 10,000. */
  backoffMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ attempts: 3, backoffMs: 10_000 });

/** Completed jobs are kept a week (at most 1,000 per queue); failed ones are kept (parked) until removed. */
export function jobOptions(retry: Partial<RetryPolicy> = {}): JobsOptions {
  const r = { ...DEFAULT_RETRY, ...retry };
  return {
    attempts: r.attempts,
    backoff: { type: 'exponential', delay: r.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
    removeOnFail: false,
  };
}

export function newRunId(flow: FlowName, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${flow}-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Id of a run's job of one type (custom ids make enqueueing the same run twice a no-op). */
export function flowJobId(runId: string, type: JobType): string {
  return `${runId}.${type}`;
}

export interface FlowSpecInput {
  flow: FlowName;
  source: Source;
  artifactsDir: string;
  options?: PipelineOptionsInput;
  /** Default a new id (`<flow>-<UTC stamp>-<random>`). */
  runId?: string;
}

/** Validates a flow request into the run spec every job carries, and its source. */
export function resolveFlowSpec(input: FlowSpecInput): { run: RunSpec; source: Source } {
  const run = parseWith(RunSpecSchema, { runId: input.runId ?? newRunId(input.flow), flow: input.flow, artifactsDir: resolve(input.artifactsDir), options: input.options ?? {} }, 'run');
  const source = parseWith(SourceSchema, input.source.kind === 'dataset' ? { ...input.source, dir: resolve(input.source.dir) } : input.source, 'source');
  return { run, source };
}

/**
 * The BullMQ flow of a run: a chain whose root is the last step (publish) and whose deepest leaf is
 * the first (export); BullMQ runs children before parents and each step reads its child's result
 * with `getChildrenValues()`. A child that fails for good fails its parent, up to the root.
 */
export function buildFlow(run: RunSpec, source: Source, prefix: string, retry: Partial<RetryPolicy> = {}): FlowJob {
  const steps = FLOW_STEPS[run.flow];
  const node = (i: number, isRoot: boolean): FlowJob => {
    const type = steps[i];
    const opts: JobsOptions = { ...jobOptions(retry), jobId: flowJobId(run.runId, type), ...(isRoot ? {} : { failParentOnFailure: true }) };
    const job = { name: type, queueName: type, prefix, data: type === 'export-interactions' ? { run, source } : { run }, opts };
    return i === 0 ? job : { ...job, children: [node(i - 1, false) as FlowJobNode] };
  };
  return node(steps.length - 1, true);
}

export interface EnqueueFlowOptions extends FlowSpecInput, JobsConnectionOptions {
  retry?: Partial<RetryPolicy>;
  /** Reuse a producer (the flow-trigger worker does); otherwise one is opened and closed. */
  producer?: FlowProducer;
}

export interface EnqueuedFlow {
  runId: string;
  flow: FlowName;
  /** The root (publish) job's id; its return value is the run's result. */
  rootJobId: string;
  jobIds: Partial<Record<JobType, string>>;
}

/** Enqueues a retrain or index-refresh flow for the workers. */
export async function enqueueFlow(options: EnqueueFlowOptions): Promise<EnqueuedFlow> {
  const { run, source } = resolveFlowSpec(options);
  const prefix = queuePrefix(options);
  const producer = options.producer ?? new FlowProducer({ connection: bullConnection(options.redisUrl), prefix });
  try {
    await producer.add(buildFlow(run, source, prefix, options.retry));
  } finally {
    if (options.producer === undefined) await producer.close();
  }
  const steps = FLOW_STEPS[run.flow];
  return {
    runId: run.runId,
    flow: run.flow,
    rootJobId: flowJobId(run.runId, steps[steps.length - 1]),
    jobIds: Object.fromEntries(steps.map((t) => [t, flowJobId(run.runId, t)])),
  };
}
