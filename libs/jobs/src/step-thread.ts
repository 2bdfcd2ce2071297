/**
 * Worker-thread entry of the step thread pool: runs CPU-bound steps one at a time as the parent
 * sends them, posting progress and then the result or error of each, so the BullMQ worker's event
 * loop stays free to renew job locks. Modules (TF.js, the libraries) load once per thread.
 */
import { parentPort } from 'node:worker_threads';
import type { ProgressEvent } from '@evrec/core';
import type { RunSpec, RunState } from './schemas.ts';
import { runHeavyStep, type HeavyStep } from './steps.ts';

export interface StepThreadRequest {
  type: HeavyStep;
  run: RunSpec;
  state: RunState;
}

export type StepThreadMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; state: RunState }
  | { type: 'error'; code?: string; message: string; details?: Record<string, unknown> };

const port = parentPort;
if (port !== null) {
  const post = (m: StepThreadMessage): void => port.postMessage(m);
  port.on('message', (input: StepThreadRequest) => {
    runHeavyStep(input.type, input.run, input.state, (event) => post({ type: 'progress', event }))
      .then((state) => post({ type: 'done', state }))
      .catch((e: unknown) => {
        const err = e as { code?: unknown; message?: unknown; details?: unknown };
        post({
          type: 'error',
          code: typeof err.code === 'string' ? err.code : undefined,
          message: typeof err.message === 'string' ? err.message : String(e),
          details: typeof err.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : undefined,
        });
      });
  });
}
