import { EvrecError, isErrorCode, startTsWorker } from '@evrec/core';
import type { VerifyWorkerMessage } from './verify-worker.ts';

/**
 * Verifies every checksum of a bundle directory (core's `verifyBundleDir`) on a worker thread.
 * On the serving thread, streaming hundreds of megabytes through sha256 waits one event-loop turn
 * per chunk behind the requests, which under load delays a hot swap by minutes; here it runs at
 * disk and hash speed without touching request latency. Throws what verification throws
 * (CORRUPT_ARTIFACT naming the first bad file).
 */
export async function verifyBundleOffThread(dir: string): Promise<void> {
  const worker = startTsWorker(new URL('./verify-worker.ts', import.meta.url), { workerData: { dir } });
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      worker.on('message', (m: VerifyWorkerMessage) => {
        settled = true;
        if (m.type === 'done') resolve();
        else reject(new EvrecError(isErrorCode(m.code) ? m.code : 'CORRUPT_ARTIFACT', m.message));
      });
      worker.on('error', (e) => {
        settled = true;
        reject(new EvrecError('INTERNAL', `bundle verification worker crashed: ${e.message}`, { cause: e }));
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new EvrecError('INTERNAL', `bundle verification worker exited with code ${code}`));
      });
    });
  } finally {
    await worker.terminate();
  }
}
