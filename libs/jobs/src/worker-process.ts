import { ALL_QUEUES, FLOW_TRIGGER_QUEUE } from './job-types.ts';
import { applySchedules } from './schedules.ts';
import type { PipelineOptionsInput, Source } from './schemas.ts';
import { startWorkers, type RunningWorkers, type StartWorkersOptions } from './workers.ts';

export interface WorkerProcessOptions extends StartWorkersOptions {
  /**
   * On SIGTERM/SIGINT, wait this long for running jobs before stopping CPU-bound steps and handing
   * their jobs back to the queue. Default 25,000 ms (inside Kubernetes' default 30 s grace).
   */
  shutdownGraceMs?: number;
  /** Called once the workers have closed; default exits the process with code 0. */
  onClosed?: () => void;
}

/**
 * Runs workers until SIGTERM or SIGINT: then stops taking jobs, lets running ones finish (up to the
 * grace period, after which they go back to the queue) and exits. A second signal exits at once;
 * the jobs it abandons are picked up by another worker when their locks expire (stalled jobs).
 */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<RunningWorkers> {
  const running = await startWorkers(options);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger?.warn({ signal }, 'second signal: exiting now; running jobs will be recovered as stalled');
      process.exit(1);
    }
    stopping = true;
    options.logger?.info({ signal, graceMs: options.shutdownGraceMs ?? 25_000 }, 'shutting down: finishing running jobs');
    running
      .close({ graceMs: options.shutdownGraceMs ?? 25_000 })
      .catch((e: unknown) => options.logger?.error({ error: (e as Error).message }, 'error while closing workers'))
      .finally(() => (options.onClosed ?? (() => process.exit(0)))());
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running;
}

export interface WorkerServiceOptions extends WorkerProcessOptions {
  /** Install the schedules (idempotent) before starting. Default true when serving `flow-trigger`. */
  schedules?: boolean;
  /** What scheduled runs train from. */
  scheduleSource: Source;
  /** Where scheduled runs publish. */
  artifactsDir: string;
  /** Options of scheduled runs. Default `{}` (every documented default). */
  pipelineOptions?: PipelineOptionsInput;
}

/** The worker service behind `evrec worker` and apps/worker: schedules, then workers until a signal. */
export async function startWorkerService(options: WorkerServiceOptions): Promise<RunningWorkers> {
  const queues = options.queues ?? ALL_QUEUES;
  if ((options.schedules ?? true) && queues.includes(FLOW_TRIGGER_QUEUE)) {
    const applied = await applySchedules({
      redisUrl: options.redisUrl,
      prefix: options.prefix,
      source: options.scheduleSource,
      artifactsDir: options.artifactsDir,
      options: options.pipelineOptions,
    });
    for (const s of applied) options.logger?.info({ flow: s.flow, cron: s.cron, tz: s.tz, enabled: s.enabled, next: s.next === undefined ? undefined : new Date(s.next).toISOString() }, 'schedule');
  }
  return runWorkerProcess({ ...options, queues });
}
