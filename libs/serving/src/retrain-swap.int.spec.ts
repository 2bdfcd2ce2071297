/**
 * The whole loop on real parts: a running API serves bundle v0; the BullMQ retrain flow (real
 * Redis, real workers, real training on the world's data) publishes a new bundle and announces it
 * on Redis; the API swaps to it from the announcement alone (no file watch, no polling), and the
 * next request is answered by the new model version.
 */
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_HOUR, loadConfig, readCurrentPointer } from '@evrec/core';
import { createFeatureStore, type FeatureStore } from '@evrec/store';
import { ALL_QUEUES, enqueueFlow, startWorkers, waitForFlow, type RunningWorkers } from '@evrec/jobs';
import { startServing, type ServingHandle } from './boot.ts';
import { TEST_API_KEY, buildTestWorld, removeTestWorld, type TestWorld } from './test-world.fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `evrec-test-swap-${randomBytes(4).toString('hex')}`;
let world: TestWorld;
let store: FeatureStore;
let h: ServingHandle;
let workers: RunningWorkers;

beforeAll(async () => {
  world = await buildTestWorld(11);
  store = await createFeatureStore({});
  h = await startServing({
    config: loadConfig({ env: {}, overrides: { artifactsDir: world.artifactsDir, redisUrl: REDIS_URL, api: { apiKey: TEST_API_KEY } } }),
    store,
    dataDir: world.dataDir,
    clock: world.at,
    bundles: { pollMs: 0, watch: false },
    engine: { statsRefreshMs: 0 },
  });
  workers = await startWorkers({ redisUrl: REDIS_URL, prefix, lockDurationMs: 5000, stalledIntervalMs: 2000 });
});

afterAll(async () => {
  await workers?.close();
  await h?.close();
  await store?.close();
  for (const name of ALL_QUEUES) {
    const q = new Queue(name, { connection: { url: REDIS_URL }, prefix });
    await q.obliterate({ force: true }).finally(() => q.close());
  }
  await removeTestWorld(world);
});

describe('retrain flow → running API', () => {
  it('publishes a new bundle through the workers and the API swaps to it on the announcement', async () => {
    const before = h.bundles.current.version;
    expect(before).toBe(world.version);

    const run = await enqueueFlow({
      flow: 'retrain',
      source: { kind: 'dataset', dir: world.dataDir },
      artifactsDir: world.artifactsDir,
      // The gate is tested in libs/jobs; here the fixture's v0 has no evaluation to compare against.
      options: { seed: 7, embeddings: { epochs: 1, batchSize: 128 }, ranker: { epochs: 1 }, gate: { enabled: false } },
      redisUrl: REDIS_URL,
      prefix,
      retry: { attempts: 2, backoffMs: 200 },
    });
    const result = await waitForFlow({ redisUrl: REDIS_URL, prefix, run, pollMs: 200, timeoutMs: 170_000 });
    expect(result.outcome, result.reason).toBe('published');
    expect(result.version).not.toBe(before);
    expect((await readCurrentPointer(world.artifactsDir))?.version).toBe(result.version);
    expect(result.announced).toBe(true);

    await expect.poll(() => h.bundles.current.version, { timeout: 60_000, interval: 100 }).toBe(result.version);
    const userId = [...world.dataset.users.keys()][0];
    const r = await h.app.inject({ method: 'GET', url: `/v1/users/${userId}/recommendations?at=${world.at + MS_PER_HOUR}&limit=5` });
    expect(r.statusCode, r.body).toBe(200);
    const body = JSON.parse(r.body) as { modelVersion: string; items: unknown[] };
    expect(body.modelVersion).toBe(result.version);
  });
});
