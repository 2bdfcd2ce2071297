/**
 * Failure handling on real queues: a bad payload fails at once with a reason naming the fields
 * (no retry); a job that keeps failing (its feature store is unreachable) is retried with
 * exponential backoff, then parked in the failed set with its reason, failing its flow.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection } from './connection.ts';
import { enqueueFlow, flowJobId, jobOptions } from './flows.ts';
import { getJobsStatus, waitForFlow } from './status.ts';
import { FAST_LOCKS, TEST_REDIS_URL, obliterateQueues, uniquePrefix } from './test-harness.fixture.ts';
import { startWorkers, type RunningWorkers } from './workers.ts';

const prefix = uniquePrefix('retry');
const connection = bullConnection(TEST_REDIS_URL);
let root: string;
let workers: RunningWorkers;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-jobs-retry-'));
  // Every queue is served: a failed step's parent fails when a worker of its own queue picks it up.
  workers = await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, ...FAST_LOCKS });
});

afterAll(async () => {
  await workers?.close();
  await obliterateQueues(prefix);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('job failures', () => {
  it('fails a job with a bad payload at once, naming the fields, without retrying', async () => {
    const q = new Queue('train-embeddings', { connection, prefix });
    const events = new QueueEvents('train-embeddings', { connection, prefix });
    try {
      await events.waitUntilReady();
      const job = await q.add('train-embeddings', { run: { runId: 'has spaces', flow: 'weekly' } }, jobOptions({ attempts: 3, backoffMs: 100 }));
      await expect(job.waitUntilFinished(events, 20_000)).rejects.toThrow(/INVALID_INPUT: payload\.run\.runId: .*payload\.run\.flow: .*payload\.run\.artifactsDir/);
      const failed = await q.getJob(String(job.id));
      expect(await failed?.getState()).toBe('failed');
      expect(failed?.attemptsMade).toBe(1);
    } finally {
      await events.close();
      await q.close();
    }
  });

  it('retries a failing job with backoff, then parks it with its reason and fails the flow', async () => {
    // Port 1 refuses connections: every attempt fails with UNAVAILABLE, which is worth retrying.
    const run = await enqueueFlow({
      flow: 'retrain',
      source: { kind: 'store', redisUrl: 'redis://127.0.0.1:1', connectTimeoutMs: 500 },
      artifactsDir: join(root, 'artifacts'),
      redisUrl: TEST_REDIS_URL,
      prefix,
      retry: { attempts: 3, backoffMs: 200 },
    });
    await expect(waitForFlow({ redisUrl: TEST_REDIS_URL, prefix, run, pollMs: 100, timeoutMs: 30_000 })).rejects.toThrow(
      /export-interactions: UNAVAILABLE: cannot connect to Redis at .* \(after 3 attempt\(s\)\)/,
    );
    const q = new Queue('export-interactions', { connection, prefix });
    try {
      const job = await q.getJob(flowJobId(run.runId, 'export-interactions'));
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBe(3);
      expect(job?.failedReason).toMatch(/^UNAVAILABLE: /);
      // Exponential backoff: at least 200 + 400 ms between the three attempts.
      expect((job?.finishedOn ?? 0) - (job?.timestamp ?? 0)).toBeGreaterThanOrEqual(600);
    } finally {
      await q.close();
    }
    // Parked, not removed: the status shows it with its reason; the flow's root failed with it.
    const status = await getJobsStatus({ redisUrl: TEST_REDIS_URL, prefix });
    expect(status.queues.find((s) => s.name === 'export-interactions')?.counts.failed).toBe(1);
    const parked = status.recent.find((j) => j.id === flowJobId(run.runId, 'export-interactions'));
    expect(parked).toMatchObject({ state: 'failed', attemptsMade: 3, attempts: 3 });
    expect(parked?.failedReason).toMatch(/^UNAVAILABLE: /);
    expect(status.recent.find((j) => j.id === run.rootJobId)).toMatchObject({ state: 'failed' });
    // No other step ran.
    expect(status.queues.find((s) => s.name === 'train-embeddings')?.counts.completed).toBe(0);
  });

  it('fails an index refresh with nothing to refresh at once (NOT_FOUND is not retried)', async () => {
    const run = await enqueueFlow({
      flow: 'index-refresh',
      source: { kind: 'dataset', dir: join(root, 'no-such-dataset') },
      artifactsDir: join(root, 'empty-artifacts'),
      redisUrl: TEST_REDIS_URL,
      prefix,
      retry: { attempts: 3, backoffMs: 200 },
    });
    await expect(waitForFlow({ redisUrl: TEST_REDIS_URL, prefix, run, pollMs: 100, timeoutMs: 20_000 })).rejects.toThrow(
      /export-interactions: NOT_FOUND: no published bundle under .* to refresh; run the retrain flow first \(after 1 attempt\(s\)\)/,
    );
  });
});
