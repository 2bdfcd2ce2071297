import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Worker source that registers tsx's ESM loader, then imports a TypeScript entry. Everything in
 * evrec runs from TypeScript sources, and on Node 20 `execArgv: ['--import', 'tsx']` does not apply
 * the loader to a worker's own entry file (ERR_UNKNOWN_FILE_EXTENSION), so the worker registers it.
 */
export function tsWorkerSource(entryUrl: string): string {
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  return `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); });`;
}

/** Starts a worker thread running the TypeScript module at `entry` (a file URL, e.g. `new URL('./x.ts', import.meta.url)`). */
export function startTsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  return new Worker(tsWorkerSource(entry.href), { ...options, eval: true });
}
