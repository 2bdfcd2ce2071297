/**
 * Worker-thread entry for `buildIndexInWorker`: builds an AnnIndex from transferred vectors, saves it
 * to the requested directory and reports progress, so the parent's event loop stays free.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AnnIndex, type AnnIndexOptions } from './ann-index.ts';

export interface BuildWorkerInput {
  ids: string[];
  /** Row-major n × dims. */
  vectors: Float32Array;
  dir: string;
  options: AnnIndexOptions;
}

export type BuildWorkerMessage =
  | { type: 'progress'; done: number; total?: number; metrics?: Record<string, number | string> }
  | { type: 'done' }
  | { type: 'error'; message: string; code?: string };

async function main(input: BuildWorkerInput, post: (m: BuildWorkerMessage) => void): Promise<void> {
  const d = input.options.dims;
  function* items(): Iterable<{ id: string; vector: Float32Array }> {
    for (let i = 0; i < input.ids.length; i++) yield { id: input.ids[i], vector: input.vectors.subarray(i * d, (i + 1) * d) };
  }
  const index = AnnIndex.build(items(), {
    ...input.options,
    maxElements: input.options.maxElements ?? Math.max(1, input.ids.length),
    progress: (e) => post({ type: 'progress', done: e.done, total: e.total ?? input.ids.length, metrics: e.metrics }),
  });
  await index.save(input.dir);
  post({ type: 'done' });
}

const port = parentPort;
if (port !== null) {
  const post = (m: BuildWorkerMessage): void => port.postMessage(m);
  main(workerData as BuildWorkerInput, post).catch((e: unknown) => {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code });
  });
}
