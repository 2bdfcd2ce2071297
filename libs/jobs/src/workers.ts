import { FlowProducer, Queue, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { EvrecError, isEvrecError, parseWith, type ErrorCode, type Logger } from '@evrec/core';
import { bullConnection, connectRedis, queuePrefix, type JobsConnectionOptions } from './connection.ts';
import { enqueueFlow, type RetryPolicy } from './flows.ts';
import { ALL_QUEUES, FLOW_NAMES, FLOW_TRIGGER_QUEUE, isJobType, type FlowName, type JobType, type QueueName } from './job-types.ts';
import { jobProgressReporter } from './progress.ts';
import { FlowTriggerPayloadSchema, parsePayload, parseRunState, type RunState } from './schemas.ts';
import { exportStep, isHeavyStep, publishStep, runHeavyStep } from './steps.ts';
import { StepThreadPool } from './thread-runner.ts';

/**
 * BullMQ workers for the job queues. Each processor validates its payload (a bad one fails at once,
 * no retry), reads its child step's result, runs the step (CPU-bound ones on a worker thread), and
 * reports progress. Failures with a code retrying cannot fix are unrecoverable; the rest are retried
 * with exponential backoff and parked in the failed set when the attempts run out.
 */
export interface StartWorkersOptions extends JobsConnectionOptions {
  /** Queues to serve. Default all (every job type and `flow-trigger`). */
  queues?: readonly QueueName[];
  /** Jobs at once per queue (publish is always 1). Default 1: training uses every core it gets. */
  concurrency?: number;
  /**
   * A job's lock lasts this long and is renewed every half of it; a worker that dies stops renewing
   * and the job is handed to another after the lock expires. Default 30,000 ms.
   */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock expired (stalled). Default 15,000 ms. */
  stalledIntervalMs?: number;
  /** Times a job may stall before it fails for good. Default 1. */
  maxStalledCount?: number;
  /** `thread` (default): CPU-bound steps on a worker thread; `none`: on this thread (debugging). */
  isolation?: 'thread' | 'none';
  /** Retry policy of the flows the trigger queue starts. Default {@link DEFAULT_RETRY}. */
  retry?: Partial<RetryPolicy>;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface RunningWorkers {
  readonly workers: readonly Worker[];
  /**
   * Stops taking jobs and waits for the running ones. After `graceMs` (default: wait for ever),
   * CPU-bound steps still running are stopped and their jobs handed back to the queue (`wait`), so
   * another worker takes them at once instead of after a lock timeout.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Error codes that a retry cannot fix: the job fails at once. */
const UNRECOVERABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'INVALID_DATA',
  'NOT_FOUND',
  'CONFIG',
  'UNSUPPORTED',
  'UNAUTHORIZED',
  'TOO_LARGE',
  'QUALITY_GATE',
  'CORRUPT_ARTIFACT',
]);

/** The error BullMQ records: `CODE: message`, unrecoverable when retrying cannot help. */
export function toJobError(e: unknown): Error {
  if (e instanceof UnrecoverableError || e instanceof WaitingError) return e;
  if (isEvrecError(e)) {
    const message = `${e.code}: ${e.message}`;
    return UNRECOVERABLE.has(e.code) ? new UnrecoverableError(message) : new Error(message);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The state the (single) child step returned. */
export async function childState(job: Job): Promise<RunState> {
  const values = Object.values(await job.getChildrenValues());
  if (values.length !== 1) {
    throw new EvrecError('INVALID_INPUT', `${job.name} job ${job.id} has ${values.length} child results, expected 1: enqueue it as part of a flow (enqueueFlow)`);
  }
  return parseRunState(values[0], `${job.name} job ${job.id}: child result`);
}

interface ActiveJob {
  controller: AbortController;
}

export async function startWorkers(options: StartWorkersOptions): Promise<RunningWorkers> {
  const prefix = queuePrefix(options);
  const connection = bullConnection(options.redisUrl);
  const queues = options.queues ?? ALL_QUEUES;
  const logger = options.logger;
  const isolation = options.isolation ?? 'thread';
  const redis: Redis | undefined = queues.includes('publish') ? await connectRedis(options.redisUrl) : undefined;
  const producer = queues.includes(FLOW_TRIGGER_QUEUE) ? new FlowProducer({ connection, prefix }) : undefined;
  const active = new Map<string, ActiveJob>();
  const threads = new StepThreadPool();

  if (queues.includes('publish')) {
    // One publish at a time across every worker (the publish lock backs this up).
    const q = new Queue('publish', { connection, prefix });
    await q.setGlobalConcurrency(1);
    await q.close();
  }

  const stepProcessor = (type: JobType) => async (job: Job, token?: string): Promise<unknown> => {
    const key = `${type}:${job.id}`;
    const controller = new AbortController();
    active.set(key, { controller });
    try {
      const progress = jobProgressReporter(type, (p) => {
        job.updateProgress(p).catch(() => undefined);
      });
      if (type === 'export-interactions') return await exportStep(parsePayload(type, job.data), progress);
      const { run } = parsePayload(type, job.data);
      const state = await childState(job);
      if (type === 'publish') return await publishStep(run, state, { redis, progress });
      if (!isHeavyStep(type)) throw new EvrecError('INTERNAL', `no processor for ${type}`);
      // Nothing to do once the run found its version published: no thread to start.
      if (state.skip) return state;
      const next = isolation === 'thread' ? await threads.run(type, run, state, progress, controller.signal) : await runHeavyStep(type, run, state, progress);
      job.updateProgress({ percent: 100, stage: 'done' }).catch(() => undefined);
      return next;
    } catch (e) {
      if (controller.signal.aborted && token !== undefined) {
        // Shutting down: hand the job back now rather than after its lock expires.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      throw toJobError(e);
    } finally {
      active.delete(key);
    }
  };

  const triggerProcessor = async (job: Job): Promise<unknown> => {
    try {
      if (!(FLOW_NAMES as readonly string[]).includes(job.name)) throw new EvrecError('INVALID_INPUT', `unknown flow "${job.name}" (expected ${FLOW_NAMES.join(' or ')})`);
      const payload = parseWith(FlowTriggerPayloadSchema, job.data, 'payload');
      return await enqueueFlow({ ...payload, flow: job.name as FlowName, redisUrl: options.redisUrl, prefix, producer, retry: options.retry });
    } catch (e) {
      throw toJobError(e);
    }
  };

  const workers: Worker[] = [];
  for (const name of queues) {
    const processor = name === FLOW_TRIGGER_QUEUE ? triggerProcessor : isJobType(name) ? stepProcessor(name) : undefined;
    if (processor === undefined) continue;
    const worker = new Worker(name, processor, {
      connection,
      prefix,
      concurrency: name === 'publish' ? 1 : (options.concurrency ?? 1),
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 15_000,
      maxStalledCount: options.maxStalledCount ?? 1,
    });
    worker.on('failed', (job, err) => logger?.warn({ queue: name, jobId: job?.id, attempts: job?.attemptsMade, error: err.message }, 'job failed'));
    worker.on('completed', (job) => logger?.info({ queue: name, jobId: job.id }, 'job completed'));
    worker.on('stalled', (jobId) => logger?.warn({ queue: name, jobId }, 'job stalled (its worker stopped renewing the lock); handed to another worker'));
    worker.on('error', (err) => logger?.error({ queue: name, error: err.message }, 'worker error'));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  logger?.info({ queues: workers.map((w) => w.name), prefix, concurrency: options.concurrency ?? 1 }, 'workers started');

  return {
    workers,
    close: async ({ graceMs } = {}) => {
      const closing = Promise.all(workers.map((w) => w.close()));
      if (graceMs !== undefined) {
        const timer = setTimeout(() => {
          for (const a of active.values()) a.controller.abort();
        }, graceMs);
        try {
          await closing;
        } finally {
          clearTimeout(timer);
        }
      } else await closing;
      await threads.close();
      await producer?.close();
      redis?.disconnect();
    },
  };
}
