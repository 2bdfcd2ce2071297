/**
 * Two replicas of the API in one test process, on the tiny trained world: one Redis store shared
 * (127.0.0.1:6379, a unique key prefix, deleted afterwards), each replica with its own bundle,
 * records, Redis list store, attribution store and catalogue feed. What one accepts, the other
 * serves: events (within a second), cursors, attribution, popularity; and each says who it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, loadConfig, type Event } from '@evrec/core';
import { RedisFeatureStore } from '@evrec/store';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { ServingHandle } from './boot.ts';
import type { RecommendationsResponse } from './engine.ts';
import { connectServingRedis } from './shared-state.ts';
import { TEST_API_KEY, buildTestWorld, removeTestWorld, startTestServing, type TestWorld } from './test-world.fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `evrec-test-replicas-${process.pid}-${Date.now()}:`;
const key = { 'x-api-key': TEST_API_KEY };

let world: TestWorld;
let T: number;
let store: RedisFeatureStore;
let A: ServingHandle;
let B: ServingHandle;

beforeAll(async () => {
  world = await buildTestWorld(13);
  T = world.at + MS_PER_HOUR;
  store = await RedisFeatureStore.connect({ url: REDIS_URL, keyPrefix });
  const config = loadConfig({ env: {}, overrides: { artifactsDir: world.artifactsDir, redisUrl: REDIS_URL, api: { apiKey: TEST_API_KEY } } });
  const replica = (id: string, materialize: boolean): Promise<ServingHandle> =>
    startTestServing(world, { config, store, materializeIntoRedis: materialize, scoringThread: false, replica: { id, feed: { blockMs: 1000 } } });
  A = await replica('replica-a', true);
  B = await replica('replica-b', false);
});

afterAll(async () => {
  await A?.close();
  await B?.close();
  await store?.clear(); // every key under the prefix, the replicas' shared state (`<prefix>serving:`) included
  await store?.close();
  await removeTestWorld(world);
});

async function call(app: FastifyInstance, o: InjectOptions): Promise<{ status: number; body: Record<string, unknown>; replica: unknown }> {
  const r = await app.inject(o);
  return { status: r.statusCode, body: r.body === '' ? {} : (JSON.parse(r.body) as Record<string, unknown>), replica: r.headers['x-evrec-replica'] };
}

async function recs(h: ServingHandle, userId: string, query = ''): Promise<RecommendationsResponse> {
  const r = await call(h.app, { method: 'GET', url: `/v1/users/${encodeURIComponent(userId)}/recommendations?at=${T}${query}` });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as unknown as RecommendationsResponse;
}

async function userWithItems(min: number): Promise<{ userId: string; list: RecommendationsResponse }> {
  for (const userId of world.dataset.users.keys()) {
    const list = await recs(A, userId, '&limit=50');
    if (list.items.length >= min) return { userId, list };
  }
  throw new Error(`no user with ${min} recommendations`);
}

/** Polls `check` until it passes or `ms` elapse; returns the milliseconds it took. */
async function within(ms: number, check: () => Promise<void>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - t0;
    } catch (e) {
      if (Date.now() - t0 > ms) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('two replicas sharing Redis', () => {
  it('share their state through Redis and say which replica served', async () => {
    expect([A.store.kind, A.engine.lists.kind, A.engine.attribution.store.kind, B.engine.lists.kind]).toEqual(['redis', 'redis', 'redis', 'redis']);
    expect((await call(A.app, { method: 'GET', url: '/healthz' })).replica).toBe('replica-a');
    expect((await call(B.app, { method: 'GET', url: '/v1/users/u1/recommendations?limit=abc' })).replica).toBe('replica-b');
  });

  it('an event PUT on A is recommended and ranked by B within a second; its DELETE removes it from B', async () => {
    const { userId, list } = await userWithItems(1);
    const near = world.dataset.events.get(list.items[0].eventId) as Event;
    const fresh: Event = { ...near, id: 'replicated-event', title: `${near.title ?? ''} (new edition)`, startsAt: T + 2 * MS_PER_DAY, createdAt: T - MS_PER_HOUR, status: 'scheduled' };
    const { id: _id, ...body } = fresh;
    expect((await call(B.app, { method: 'POST', url: '/v1/rank', payload: { userId, eventIds: [fresh.id], context: { at: T } } })).status).toBe(404);

    const put = await call(A.app, { method: 'PUT', url: `/v1/events/${fresh.id}`, headers: key, payload: body });
    expect(put.status).toBe(201);
    const ms = await within(1000, async () => {
      const r = await call(B.app, { method: 'POST', url: '/v1/rank', payload: { userId, eventIds: [fresh.id, list.items[0].eventId], context: { at: T } } });
      expect(r.status).toBe(200);
    });
    expect(ms).toBeLessThan(1000);
    expect(B.bundles.current.index.has(fresh.id)).toBe(true);
    expect((await recs(B, userId, '&limit=100')).items.find((i) => i.eventId === fresh.id)?.sources).toContain('ann');

    expect((await call(A.app, { method: 'DELETE', url: `/v1/events/${fresh.id}`, headers: key })).body).toEqual({ eventId: fresh.id, status: 'cancelled' });
    await within(1000, async () => expect(B.bundles.current.index.has(fresh.id)).toBe(false));
    expect(B.records.get(fresh.id)?.status).toBe('cancelled');
    expect((await recs(B, userId, '&limit=100')).items.map((i) => i.eventId)).not.toContain(fresh.id);
    const fed = (await B.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(fed).toMatch(/evrec_catalog_feed_entries_total\{op="upsert",result="applied"\} 1\b/);
    expect(fed).toMatch(/evrec_catalog_feed_entries_total\{op="cancel",result="applied"\} 1\b/);
  });

  it('a cursor made by A pages on B through the same list', async () => {
    const { userId } = await userWithItems(5);
    const first = await recs(A, userId, '&limit=2');
    const ids = first.items.map((i) => i.eventId);
    let cursor = first.nextCursor;
    let hop = 0;
    while (cursor !== null) {
      const h = hop++ % 2 === 0 ? B : A;
      const r = await call(h.app, { method: 'GET', url: `/v1/users/${userId}/recommendations?limit=2&cursor=${cursor}` });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      const page = r.body as unknown as RecommendationsResponse;
      expect(page.recommendationId).toBe(first.recommendationId);
      ids.push(...page.items.map((i) => i.eventId));
      cursor = page.nextCursor;
    }
    expect(ids.length).toBe(first.total);
    expect(new Set(ids).size).toBe(ids.length);
    // Reasons come back from the stored list on the other replica: same page, same reasons.
    const again = await call(B.app, { method: 'GET', url: `/v1/users/${userId}/recommendations?limit=2&cursor=${first.nextCursor}` });
    const onA = await call(A.app, { method: 'GET', url: `/v1/users/${userId}/recommendations?limit=2&cursor=${first.nextCursor}` });
    expect(again.body).toEqual(onA.body);
    expect((await call(B.app, { method: 'GET', url: `/v1/users/someone-else/recommendations?cursor=${first.nextCursor}` })).status).toBe(400);
  });

  it("feedback sent to A shows in B's attribution read-out, and B refreshes the event's popularity", async () => {
    const { userId, list } = await userWithItems(2);
    const target = list.items[1].eventId;
    // Feedback before the serving clock (world.at + a few seconds), so the popularity counters include it.
    const before = B.bundles.current.catalog.stats(target).registrations;
    const r = await call(A.app, {
      method: 'POST',
      url: '/v1/feedback',
      headers: key,
      payload: {
        interactions: [
          { id: 'rep-imp', userId, eventId: target, type: 'impression', at: world.at - 60_000, recommendationId: list.recommendationId, position: 1 },
          { id: 'rep-reg', userId, eventId: target, type: 'register', at: world.at - 30_000, recommendationId: list.recommendationId, position: 1, revenue: 20, currency: 'USD' },
        ],
      },
    });
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const a = await call(B.app, { method: 'GET', url: `/v1/recommendations/${list.recommendationId}/attribution` });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ recommendationId: list.recommendationId, modelVersion: world.version, impressions: 1, clicks: 0, registrations: 1, revenueUsd: 20 });
    await within(1000, async () => expect(B.bundles.current.catalog.stats(target).registrations).toBe(before + 1));
    // Prometheus counters stay per process: only A counted it.
    expect((await A.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(new RegExp(`evrec_attributed_interactions_total\\{model_version="${world.version}",type="register"\\} 1\\b`));
    expect((await B.app.inject({ method: 'GET', url: '/metrics' })).body).not.toMatch(/evrec_attributed_interactions_total\{/);
  });

  it('skips a malformed feed entry and keeps applying the next ones', async () => {
    const redis = await connectServingRedis({ url: REDIS_URL });
    try {
      await redis.xadd(`${keyPrefix}serving:catalog-changes`, '*', 'replica', 'intruder', 'change', '{"op":"upsert","event":{"id":""}}');
    } finally {
      redis.disconnect();
    }
    const e = world.dataset.events.get(world.dataset.events.keys().next().value as string) as Event;
    const { id: _id, ...body } = { ...e, title: 'renamed after junk' };
    expect((await call(A.app, { method: 'PUT', url: `/v1/events/${e.id}`, headers: key, payload: body })).status).toBe(200);
    await within(1000, async () => expect(B.records.get(e.id)?.title).toBe('renamed after junk'));
    expect((await B.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/evrec_catalog_feed_entries_total\{op="unknown",result="malformed"\} 1\b/);
    expect((await call(B.app, { method: 'GET', url: '/healthz' })).status).toBe(200);
  });
});
