/**
 * Worker lifecycle and visibility: a worker closing with no grace left hands its running training
 * job straight back to the queue (not failed, no attempt spent); the bull-board dashboard mounts on
 * Fastify and lists the queues with their jobs; schedules install as job schedulers whose trigger
 * jobs start flows; the Redis publish lock admits one holder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '@evrec/data';
import { bullConnection } from './connection.ts';
import { openJobQueues, registerJobsDashboard } from './dashboard.ts';
import { acquireRedisLock } from './locks.ts';
import { applySchedules, schedulesFromEnv, DEFAULT_SCHEDULES } from './schedules.ts';
import { enqueueFlow, flowJobId, type EnqueuedFlow } from './flows.ts';
import type { JobProgress } from './progress.ts';
import { FAST_LOCKS, FAST_OPTIONS, TEST_REDIS_URL, obliterateQueues, uniquePrefix } from './test-harness.fixture.ts';
import { startWorkers } from './workers.ts';

const prefix = uniquePrefix('lifecycle');
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-jobs-lifecycle-'));
  await generateWorld({ preset: 'tiny', seed: 9, outDir: join(root, 'world') });
});

afterAll(async () => {
  await obliterateQueues(prefix);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('worker lifecycle', () => {
  it('on shutdown past the grace period, stops the training step and returns its job to the queue', async () => {
    const workers = await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, queues: ['export-interactions', 'train-embeddings'], ...FAST_LOCKS });
    const run = await enqueueFlow({ flow: 'retrain', source: { kind: 'dataset', dir: join(root, 'world') }, artifactsDir: join(root, 'artifacts'), options: FAST_OPTIONS, redisUrl: TEST_REDIS_URL, prefix });
    const q = new Queue('train-embeddings', { connection: bullConnection(TEST_REDIS_URL), prefix });
    try {
      const id = flowJobId(run.runId, 'train-embeddings');
      const deadline = Date.now() + 60_000;
      for (;;) {
        const job = await q.getJob(id);
        const p = job?.progress as JobProgress | undefined;
        if (job && (await job.getState()) === 'active' && typeof p === 'object' && p.percent > 0) break;
        if (Date.now() > deadline) throw new Error('the training job never started');
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = Date.now();
      await workers.close({ graceMs: 0 });
      // Back in the queue at once (well before the lock would have expired), nothing spent.
      expect(Date.now() - started).toBeLessThan(FAST_LOCKS.lockDurationMs);
      const job = await q.getJob(id);
      expect(await job?.getState()).toBe('waiting');
      expect(job?.attemptsMade).toBe(0);
      expect(job?.failedReason ?? '').toBe('');
    } finally {
      await q.close();
    }
  });
});

describe('jobs dashboard', () => {
  it('mounts bull-board under the base path and lists every queue', async () => {
    const app = Fastify();
    const queues = openJobQueues({ redisUrl: TEST_REDIS_URL, prefix });
    try {
      await registerJobsDashboard(app, { queues, basePath: '/admin/queues' });
      const page = await app.inject({ method: 'GET', url: '/admin/queues' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues?activeQueue=train-embeddings&status=waiting&page=1' });
      expect(api.statusCode).toBe(200);
      const body = api.json() as { queues: Array<{ name: string; counts: Record<string, number> }> };
      expect(body.queues.map((x) => x.name).sort()).toEqual(['evaluate', 'export-interactions', 'flow-trigger', 'publish', 'train-embeddings', 'train-ranker', 'build-index'].sort());
      // The job handed back above waits in train-embeddings.
      expect(body.queues.find((x) => x.name === 'train-embeddings')?.counts.waiting).toBe(1);
    } finally {
      await app.close();
      await Promise.all(queues.map((q) => q.close()));
    }
  });
});

describe('schedules', () => {
  it('installs one job scheduler per flow, idempotently, and removes a disabled one', async () => {
    const base = { redisUrl: TEST_REDIS_URL, prefix, source: { kind: 'dataset' as const, dir: join(root, 'world') }, artifactsDir: join(root, 'artifacts') };
    await applySchedules({ ...base, schedules: { ...DEFAULT_SCHEDULES } });
    const applied = await applySchedules({ ...base, schedules: { ...DEFAULT_SCHEDULES } });
    expect(applied.map((a) => [a.flow, a.cron, a.enabled])).toEqual([
      ['retrain', '0 3 * * *', true],
      ['index-refresh', '15 * * * *', true],
    ]);
    const q = new Queue('flow-trigger', { connection: bullConnection(TEST_REDIS_URL), prefix });
    try {
      const schedulers = await q.getJobSchedulers();
      expect(schedulers.map((x) => [x.key, x.pattern]).sort()).toEqual([
        ['index-refresh', '15 * * * *'],
        ['retrain', '0 3 * * *'],
      ]);
      // The next nightly retrain is at 03:00 UTC within a day.
      const next = schedulers.find((x) => x.key === 'retrain')?.next ?? 0;
      expect(new Date(next).getUTCHours()).toBe(3);
      expect(next - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);

      await applySchedules({ ...base, schedules: schedulesFromEnv({ EVREC_SCHEDULE_INDEX_REFRESH: 'off' }) });
      expect((await q.getJobSchedulers()).map((x) => x.key)).toEqual(['retrain']);
      expect(() => schedulesFromEnv({ EVREC_SCHEDULE_RETRAIN: 'nightly' })).toThrow(/EVREC_SCHEDULE_RETRAIN: expected a cron pattern/);
      await q.removeJobScheduler('retrain');
    } finally {
      await q.close();
    }
  });

  it('a trigger job starts a new run of its flow', async () => {
    const workers = await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, queues: ['flow-trigger'], ...FAST_LOCKS });
    const q = new Queue('flow-trigger', { connection: bullConnection(TEST_REDIS_URL), prefix });
    const events = new QueueEvents('flow-trigger', { connection: bullConnection(TEST_REDIS_URL), prefix });
    try {
      await events.waitUntilReady();
      const job = await q.add('index-refresh', { source: { kind: 'dataset', dir: join(root, 'world') }, artifactsDir: join(root, 'artifacts') });
      const enqueued = (await job.waitUntilFinished(events, 20_000)) as EnqueuedFlow;
      expect(enqueued.flow).toBe('index-refresh');
      expect(enqueued.runId).toMatch(/^index-refresh-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      const exportQueue = new Queue('export-interactions', { connection: bullConnection(TEST_REDIS_URL), prefix });
      try {
        const first = await exportQueue.getJob(flowJobId(enqueued.runId, 'export-interactions'));
        expect(first?.data).toMatchObject({ run: { flow: 'index-refresh', runId: enqueued.runId }, source: { kind: 'dataset' } });
      } finally {
        await exportQueue.close();
      }
    } finally {
      await events.close();
      await q.close();
      await workers.close();
    }
  });
});

describe('publish lock (Redis)', () => {
  it('admits one holder at a time and frees on release', async () => {
    const redis = new Redis(TEST_REDIS_URL);
    const key = `${prefix}:lock`;
    try {
      const a = await acquireRedisLock(redis, key, { ttlMs: 5000 });
      await expect(acquireRedisLock(redis, key, { waitMs: 300, retryMs: 50 })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await a.stillHeld()).toBe(true);
      await a.release();
      const b = await acquireRedisLock(redis, key, { waitMs: 300 });
      expect(await a.stillHeld()).toBe(false);
      await a.release(); // not the owner any more: must not free b's lock
      expect(await b.stillHeld()).toBe(true);
      await b.release();
      expect(await redis.exists(key)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
