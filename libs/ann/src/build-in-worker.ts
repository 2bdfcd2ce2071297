import { EvrecError, isErrorCode, isEvrecError, silentProgress, startTsWorker, type ErrorCode, type ProgressReporter } from '@evrec/core';
import { AnnIndex, type AnnIndexOptions } from './ann-index.ts';
import type { BuildWorkerInput, BuildWorkerMessage } from './build-worker.ts';

export interface BuildInWorkerInput extends AnnIndexOptions {
  /** Item ids, row i of `vectors` belongs to ids[i]. */
  ids: string[];
  /** Row-major ids.length × dims. Transferred to the worker (detached here afterwards) unless `copy`. */
  vectors: Float32Array;
  /** Where the worker saves the index; the result is loaded (and verified) from there. */
  dir: string;
  /** Copy the vectors instead of transferring their buffer. Default false. */
  copy?: boolean;
  /** Receives `ann.build` events relayed from the worker. Default silent. */
  progress?: ProgressReporter;
}

/**
 * Builds and saves an index on a worker thread (the build is CPU-bound and would block this event
 * loop for minutes at 1M items), then loads it here. The worker runs the TypeScript sources through
 * tsx's loader, as everything in this repo runs without a build step.
 */
export async function buildIndexInWorker(input: BuildInWorkerInput): Promise<AnnIndex> {
  const { ids, vectors, dir, copy, progress = silentProgress, ...options } = input;
  if (vectors.length !== ids.length * options.dims) {
    throw new EvrecError('INVALID_INPUT', `vectors hold ${vectors.length} floats, expected ids.length × dims = ${ids.length * options.dims}`, { field: 'vectors' });
  }
  const data: BuildWorkerInput = { ids, vectors: copy ? vectors.slice() : vectors, dir, options };
  const worker = startTsWorker(new URL('./build-worker.ts', import.meta.url), {
    workerData: data,
    transferList: copy ? [] : [data.vectors.buffer as ArrayBuffer],
  });
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    worker.on('message', (m: BuildWorkerMessage) => {
      if (m.type === 'progress') progress({ stage: 'ann.build', done: m.done, total: m.total, metrics: m.metrics });
      else if (m.type === 'done') {
        finished = true;
        resolve();
      } else {
        finished = true;
        const code: ErrorCode = isErrorCode(m.code) ? m.code : 'INTERNAL';
        reject(new EvrecError(code, `index build worker failed: ${m.message}`));
      }
    });
    worker.on('error', (e) => {
      finished = true;
      reject(isEvrecError(e) ? e : new EvrecError('INTERNAL', `index build worker crashed: ${e.message}`, { cause: e }));
    });
    worker.on('exit', (code) => {
      if (!finished) reject(new EvrecError('INTERNAL', `index build worker exited with code ${code} before finishing`));
    });
  });
  await worker.terminate();
  return AnnIndex.load(dir);
}
