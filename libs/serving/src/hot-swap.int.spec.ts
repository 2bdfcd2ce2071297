/**
 * Hot swap on a real bundle: a newly published version is loaded beside the serving one and
 * swapped in while requests keep coming (zero failures), in-flight requests finish on the old
 * bundle, corrupt bundles are refused while the old one serves, announcements over Redis pub/sub
 * trigger a swap, and catalogue changes made during a load survive it.
 */
import { readFile, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, WorkBundle, setCurrentVersion, type Event, type ProgressEvent } from '@evrec/core';
import type { ServingHandle } from './boot.ts';
import { BundleManager, announceBundle } from './bundle-manager.ts';
import { EventRecords } from './event-records.ts';
import { TEST_API_KEY, buildTestWorld, publishCopy, removeTestWorld, startTestServing, type TestWorld } from './test-world.fixture.ts';

let world: TestWorld;
let h: ServingHandle;
let T: number;
/** Called synchronously from the bundle loader's progress (lets a test act in the middle of a load). */
let onCatalogProgress: ((e: ProgressEvent) => void) | undefined;

beforeAll(async () => {
  world = await buildTestWorld(7);
  T = world.at + MS_PER_HOUR;
  h = await startTestServing(world, {
    bundles: { pollMs: 200, watch: true },
    progress: (e) => {
      if (e.stage === 'bundle.catalog') onCatalogProgress?.(e);
    },
  });
});

afterAll(async () => {
  await h?.close();
  await removeTestWorld(world);
});

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('hot swap', () => {
  it('swaps a newly published bundle under concurrent requests with zero failed requests', async () => {
    const users = [...world.dataset.users.keys()];
    const old = h.bundles.current;
    let stop = false;
    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    // Real HTTP on 127.0.0.1 (inject would resolve in microtasks and starve the loader's I/O).
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const userId = users[(w * 31 + i) % users.length];
        let status = 0;
        try {
          const r = await fetch(`${base}/v1/users/${userId}/recommendations?at=${T}&limit=5`);
          status = r.status;
          const body = (await r.json()) as { modelVersion: string };
          if (status === 200) versions.add(body.modelVersion);
        } catch {
          status = -1; // connection-level failure
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    // Published by "another process" beforehand; moving the pointer under load is the trigger.
    const next = await publishCopy(world, false);
    const workers = Array.from({ length: 4 }, (_, w) => worker(w));
    let swapMs = 0;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      await setCurrentVersion(world.artifactsDir, next); // fs.watch / poll pick it up
      await until(() => h.bundles.current.version === next, 60_000);
      swapMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      stop = true;
      await Promise.all(workers);
    }

    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(versions).toEqual(new Set([old.version, next]));
    expect(swapMs).toBeGreaterThan(0);
    await until(() => old.isDisposed, 5000);
    const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/evrec_bundle_reloads_total\{result="loaded",trigger="(watch|poll)"\} 1/);
    expect(metrics).toContain(`evrec_bundle_info{version="${next}"} 1`);
    expect(metrics).not.toContain(`evrec_bundle_info{version="${old.version}"}`);
  });

  it('lets an in-flight request finish on the old bundle, which is freed after it', async () => {
    const old = h.bundles.current;
    let release: () => void = () => undefined;
    const inflight = h.bundles.withBundle(async (b) => {
      await new Promise<void>((r) => (release = r));
      // Still usable after the swap: the models are not disposed under it.
      b.smokeTest(T);
      return b.version;
    });
    const next = await publishCopy(world, true);
    // The follower (fs.watch, 200 ms poll) may get there first; then the manual reload finds it done.
    const outcome = await h.bundles.reload('manual');
    expect(outcome.version).toBe(next);
    if (outcome.result === 'loaded') expect(outcome.previous).toBe(old.version);
    else expect(outcome).toMatchObject({ result: 'unchanged', previous: next });
    expect(h.bundles.current.version).toBe(next);
    expect(old.isDisposed).toBe(false);
    release();
    expect(await inflight).toBe(old.version);
    expect(old.isDisposed).toBe(true);
  });

  it('refuses a corrupt bundle (checksum) and keeps serving the old one', async () => {
    const serving = h.bundles.current.version;
    const bad = await publishCopy(world, false);
    await appendFile(join(world.artifactsDir, 'versions', bad, 'ranker', 'ranker.json'), ' ');
    await setCurrentVersion(world.artifactsDir, bad);
    const outcome = await h.bundles.reload('manual');
    expect(outcome.result).toBe('refused');
    expect(outcome.error?.code).toBe('CORRUPT_ARTIFACT');
    expect(outcome.error?.message).toMatch(/ranker\.json: \d+ bytes, manifest says \d+/);
    expect(h.bundles.current.version).toBe(serving);
    const r = await h.app.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}` });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body).modelVersion).toBe(serving);
    const ready = JSON.parse((await h.app.inject({ method: 'GET', url: '/readyz' })).body);
    expect(ready.bundle.lastReloadError).toMatch(/manifest says/);
    // The poller does not retry the same refused version.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.bundles.current.version).toBe(serving);
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/evrec_bundle_reloads_total\{result="refused",trigger="manual"\} 1/);
  });

  it('refuses a bundle with valid checksums whose model does not load, then recovers when the pointer moves on', async () => {
    const serving = h.bundles.current.version;
    const work = await WorkBundle.open(world.artifactsDir);
    const metaPath = work.path('ranker', 'ranker.json');
    const original = await readFile(metaPath, 'utf8');
    await writeFile(metaPath, '{"format": "something-else"}');
    await work.commitComponent('ranker', { meta: work.components.ranker.meta, metrics: work.components.ranker.metrics });
    const { version: bad } = await work.publish({ setCurrent: true });
    await writeFile(metaPath, original);
    await work.commitComponent('ranker', { meta: work.components.ranker.meta, metrics: work.components.ranker.metrics });

    const refused = await h.app.inject({ method: 'POST', url: '/v1/bundle/reload', headers: { 'x-api-key': TEST_API_KEY } });
    expect(JSON.parse(refused.body)).toMatchObject({ result: 'refused', version: bad, previous: serving });
    expect(h.bundles.current.version).toBe(serving);

    const good = await publishCopy(world, true);
    // The poller may get there first ('unchanged' then); either way the good version serves.
    expect(JSON.parse((await h.app.inject({ method: 'POST', url: '/v1/bundle/reload', headers: { 'x-api-key': TEST_API_KEY } })).body).result).toMatch(/^(loaded|unchanged)$/);
    expect(h.bundles.current.version).toBe(good);
    expect(JSON.parse((await h.app.inject({ method: 'GET', url: '/readyz' })).body).bundle.lastReloadError).toBeNull();
  });

  it('replays catalogue changes made while the new bundle was loading', async () => {
    const template = [...world.dataset.events.values()].find((e) => e.lat !== undefined) as Event;
    const late: Event = { ...template, id: 'added-during-load', startsAt: T + 3 * MS_PER_DAY, status: 'scheduled' };
    let fired = false;
    onCatalogProgress = () => {
      if (fired) return;
      fired = true;
      // Mid-load: the new bundle has already read the catalogue, so only the journal can carry this.
      h.records.upsert(late);
    };
    const next = await publishCopy(world, true);
    const outcome = await h.bundles.reload('manual');
    onCatalogProgress = undefined;
    expect(fired).toBe(true);
    expect(outcome).toMatchObject({ result: 'loaded', version: next });
    expect(h.bundles.current.index.has(late.id)).toBe(true);
    expect(h.bundles.current.catalog.get(late.id)?.startsAt).toBe(late.startsAt);
  });

  it('follows announcements on Redis pub/sub', async () => {
    const channel = `evrec:test:bundle:${process.pid}:${Date.now()}`;
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const manager = await BundleManager.open({ artifactsDir: world.artifactsDir, records: new EventRecords(), clock: () => T, pollMs: 0, watch: false, redisUrl, channel });
    try {
      await manager.start();
      const next = await publishCopy(world, false);
      await setCurrentVersion(world.artifactsDir, next);
      await new Promise((r) => setTimeout(r, 200));
      expect(manager.current.version).not.toBe(next); // nothing polls or watches: only the announcement can move it
      expect(await announceBundle(redisUrl, next, channel)).toBe(1);
      await until(() => manager.current.version === next, 20_000);
    } finally {
      await manager.close();
    }
  });
});
