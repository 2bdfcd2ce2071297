/**
 * Worker-thread entry for `verifyBundleOffThread`: runs core's checksum verification of a bundle
 * directory, so hashing hundreds of megabytes neither blocks nor waits behind the serving loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isEvrecError, verifyBundleDir } from '@evrec/core';

export type VerifyWorkerMessage = { type: 'done' } | { type: 'error'; code: string; message: string };

const dir = (workerData as { dir: string }).dir;
verifyBundleDir(dir).then(
  () => parentPort?.postMessage({ type: 'done' } satisfies VerifyWorkerMessage),
  (e: unknown) => parentPort?.postMessage({ type: 'error', code: isEvrecError(e) ? e.code : 'CORRUPT_ARTIFACT', message: (e as Error).message } satisfies VerifyWorkerMessage),
);
