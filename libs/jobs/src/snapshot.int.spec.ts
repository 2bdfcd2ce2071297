/**
 * export-interactions from the feature store: the Redis store's interaction log (and the embedded
 * store's log file) becomes a content-addressed dataset snapshot; exporting the same log twice
 * gives the same snapshot, a longer log another one.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentProgress } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { createFeatureStore } from '@evrec/store';
import { takeSnapshot } from './snapshot.ts';
import { TEST_REDIS_URL, uniquePrefix } from './test-harness.fixture.ts';

let root: string;
let world: InMemoryDataset;
const keyPrefix = `${uniquePrefix('store')}:`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-jobs-snapshot-'));
  await generateWorld({ preset: 'tiny', users: 120, events: 80, seed: 4, outDir: join(root, 'world') });
  world = await loadDataset(join(root, 'world'));
});

afterAll(async () => {
  const store = await createFeatureStore({ redisUrl: TEST_REDIS_URL, keyPrefix });
  await store.clear();
  await store.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('snapshots of the interaction log', () => {
  for (const kind of ['redis', 'embedded'] as const) {
    it(`exports the ${kind} store's log as a dataset, the same id for the same log`, async () => {
      const logPath = join(root, `${kind}.log.jsonl`);
      const options = kind === 'redis' ? { redisUrl: TEST_REDIS_URL, keyPrefix } : { logPath };
      const store = await createFeatureStore({ ...options, logFsync: 'never' });
      const cut = world.interactions[Math.floor(world.interactions.length / 2)].at;
      try {
        await store.materialize(world, { until: cut });
      } finally {
        await store.close();
      }
      const source = kind === 'redis' ? { kind: 'store' as const, redisUrl: TEST_REDIS_URL, keyPrefix } : { kind: 'store' as const, logPath };
      const artifacts = join(root, `artifacts-${kind}`);
      const a = await takeSnapshot(source, artifacts, silentProgress);
      const b = await takeSnapshot(source, artifacts, silentProgress);
      expect(b.id).toBe(a.id);
      expect(await readdir(join(artifacts, 'snapshots'))).toEqual([a.id]);
      const exported = await loadDataset(a.dir);
      expect(exported.report.total()).toBe(0);
      expect(exported.interactions.length).toBe(world.interactions.filter((x) => x.at < cut).length);
      expect(exported.events.size).toBe(world.events.size);
      expect(exported.users.size).toBe(world.users.size);

      // More interactions in the log: a new snapshot.
      const more = await createFeatureStore({ ...options, logFsync: 'never' });
      try {
        await more.ingest(world.interactions.filter((x) => x.at >= cut).slice(0, 5));
      } finally {
        await more.close();
      }
      const c = await takeSnapshot(source, artifacts, silentProgress);
      expect(c.id).not.toBe(a.id);
      expect(c.manifest.counts.interactions).toBe(exported.interactions.length + 5);
    });
  }
});
