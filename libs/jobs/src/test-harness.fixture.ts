/** Shared setup of the integration tests (real Redis at REDIS_URL or 127.0.0.1:6379). */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullConnection } from './connection.ts';
import { ALL_QUEUES } from './job-types.ts';
import type { PipelineOptionsInput } from './schemas.ts';

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A BullMQ prefix no other test (or run) uses. */
export function uniquePrefix(label: string): string {
  return `evrec-test-${label}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key of the test's queues. */
export async function obliterateQueues(prefix: string): Promise<void> {
  for (const name of ALL_QUEUES) {
    const q = new Queue(name, { connection: bullConnection(TEST_REDIS_URL), prefix });
    try {
      await q.obliterate({ force: true });
    } finally {
      await q.close();
    }
  }
}

/** Small, fast training on the tiny world (a couple of epochs). */
export const FAST_OPTIONS: PipelineOptionsInput = {
  seed: 7,
  embeddings: { epochs: 2, batchSize: 128 },
  ranker: { epochs: 1 },
  evaluation: { ks: [10, 50, 100] },
};

/** Short locks so a dead worker's job is recovered within seconds. */
export const FAST_LOCKS = { lockDurationMs: 3000, stalledIntervalMs: 1000 };
