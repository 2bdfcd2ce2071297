import type { Worker } from 'node:worker_threads';
import { EvrecError, isErrorCode, startTsWorker, type ProgressReporter } from '@evrec/core';
import type { RunSpec, RunState } from './schemas.ts';
import type { StepThreadMessage, StepThreadRequest } from './step-thread.ts';
import type { HeavyStep } from './steps.ts';

/**
 * Runs CPU-bound steps on worker threads. Training and index builds block their event loop for
 * seconds at a time; on the BullMQ worker's own thread that would stop lock renewal and get a live
 * job declared stalled. A thread dies with its process, so a killed worker leaves no orphan writing
 * into the run's directory. Idle threads are kept (modules stay loaded: TF.js alone takes seconds
 * to start) and do not keep the process alive; a thread whose step was aborted or crashed is
 * discarded. Errors come back as EvrecError with the step's code.
 */
export class StepThreadPool {
  private idle: Worker[] = [];
  private busy = new Set<Worker>();
  private runs = new WeakMap<Worker, number>();
  private closed = false;

  /**
   * @param maxRunsPerThread steps a thread runs before it is replaced: the WASM heap of a TF.js
   *   backend never shrinks, so a long-lived worker should not keep the peak of every past job. Default 8.
   */
  constructor(private readonly maxRunsPerThread = 8) {}

  private spawn(): Worker {
    return startTsWorker(new URL('./step-thread.ts', import.meta.url));
  }

  /** Runs one step; `signal` aborts it (the thread is terminated and not reused). */
  async run(type: HeavyStep, run: RunSpec, state: RunState, progress: ProgressReporter, signal?: AbortSignal): Promise<RunState> {
    if (this.closed) throw new EvrecError('UNAVAILABLE', 'the step thread pool is closed');
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref();
    this.busy.add(worker);
    let reusable = false;
    try {
      const result = await new Promise<RunState>((resolve, reject) => {
        let finished = false;
        const cleanup = (): void => {
          finished = true;
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          signal?.removeEventListener('abort', onAbort);
        };
        const onMessage = (m: StepThreadMessage): void => {
          if (finished) return;
          if (m.type === 'progress') progress(m.event);
          else if (m.type === 'done') {
            cleanup();
            reusable = true;
            resolve(m.state);
          } else {
            cleanup();
            // The step failed cleanly; the thread itself is fine.
            reusable = true;
            reject(new EvrecError(isErrorCode(m.code) ? m.code : 'INTERNAL', m.message, { details: m.details }));
          }
        };
        const onError = (e: Error): void => {
          cleanup();
          reject(new EvrecError('INTERNAL', `${type} thread crashed: ${e.message}`, { cause: e }));
        };
        const onExit = (code: number): void => {
          cleanup();
          reject(new EvrecError('INTERNAL', `${type} thread exited with code ${code} before finishing`));
        };
        // Aborting (worker shutdown) stops the step mid-way; the caller hands the job back.
        const onAbort = (): void => {
          cleanup();
          reject(new EvrecError('UNAVAILABLE', `${type} was stopped: the worker is shutting down`));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        const request: StepThreadRequest = { type, run, state };
        worker.postMessage(request);
      });
      return result;
    } finally {
      this.busy.delete(worker);
      const runs = (this.runs.get(worker) ?? 0) + 1;
      this.runs.set(worker, runs);
      if (reusable && !this.closed && runs < this.maxRunsPerThread) {
        worker.unref();
        this.idle.push(worker);
      } else {
        await worker.terminate();
      }
    }
  }

  /** Terminates every thread (running steps fail). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.busy];
    this.idle = [];
    await Promise.all(all.map((w) => w.terminate()));
  }
}
