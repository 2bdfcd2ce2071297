/**
 * The replica state shared through Redis (127.0.0.1:6379, keys under a unique prefix per test,
 * deleted afterwards): the list and attribution stores run the same contract as the memory ones
 * and are seen across instances; the catalogue change feed between two replicas' EventRecords
 * (own entries skipped, malformed entries skipped, reconnects lose nothing, concurrent changes to
 * one event converge).
 */
import { startProxy } from './tcp-proxy.fixture.ts';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Event } from '@evrec/core';
import { newRecommendationId } from './recommendation-lists.ts';
import { CatalogChangeFeed, compareStreamIds } from './catalog-feed.ts';
import { EventRecords } from './event-records.ts';
import { ServingMetrics } from './metrics.ts';
import { RedisAttributionStore, RedisListStore, ServingRedisKeys, connectServingRedis } from './shared-state.ts';
import { describeAttributionStoreContract, describeListStoreContract, sampleList } from './shared-state-contract.fixture.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let seq = 0;
const prefixes: string[] = [];
const clients: Redis[] = [];

function uniqueKeys(): ServingRedisKeys {
  const p = `evrec-test-shared-${process.pid}-${Date.now()}-${++seq}:`;
  prefixes.push(p);
  return new ServingRedisKeys(p);
}

async function client(url = REDIS_URL): Promise<Redis> {
  const c = await connectServingRedis({ url });
  clients.push(c);
  return c;
}

afterAll(async () => {
  const c = await connectServingRedis({ url: REDIS_URL });
  // One SCAN for every prefix of this run: each SCAN walks the whole keyspace, which another
  // user's data may make large.
  const run = `evrec-test-shared-${process.pid}-`;
  if (prefixes.some((p) => !p.startsWith(run))) throw new Error('a test prefix outside this run');
  for await (const keys of c.scanStream({ match: `${run}*`, count: 10_000 }) as AsyncIterable<string[]>) if (keys.length > 0) await c.del(...keys);
  c.disconnect();
  for (const x of clients) x.disconnect();
});

describeListStoreContract('RedisListStore', async (ttlMs) => {
  const redis = await client();
  return { store: new RedisListStore({ redis, keys: uniqueKeys(), ttlMs }), close: async () => undefined };
});

describeAttributionStoreContract('RedisAttributionStore', async (ttlMs) => {
  const redis = await client();
  return { store: new RedisAttributionStore({ redis, keys: uniqueKeys(), ttlMs }), close: async () => undefined };
});

describe('shared between instances', () => {
  it('a list put by one instance is read by another; so are attribution counters', async () => {
    const keys = uniqueKeys();
    const [a, b] = [await client(), await client()];
    const list = sampleList();
    await new RedisListStore({ redis: a, keys }).put(list);
    expect(await new RedisListStore({ redis: b, keys }).get(list.recommendationId)).toEqual(list);
    expect(await a.pttl(keys.list(list.recommendationId))).toBeGreaterThan(14 * 60_000);

    const rid = newRecommendationId('v9');
    await new RedisAttributionStore({ redis: a, keys }).add(new Map([[rid, { impressions: 1, clicks: 0, registrations: 1, revenueUsd: 5 }]]));
    await new RedisAttributionStore({ redis: b, keys }).add(new Map([[rid, { impressions: 1, clicks: 1, registrations: 0, revenueUsd: 0 }]]));
    expect(await new RedisAttributionStore({ redis: a, keys }).get(rid)).toEqual({ recommendationId: rid, modelVersion: 'v9', impressions: 2, clicks: 1, registrations: 1, revenueUsd: 5 });
    expect(await a.pttl(keys.attribution(rid))).toBeGreaterThan(23 * 3_600_000);
  });
});

const event = (id: string, title: string): Event => ({ id, title, startsAt: 1_800_000_000_000, lat: 40.7, lng: -74, category: 'music' });

/** Polls until `check` passes (the feed delivers within milliseconds; 1 s is the contract). */
async function within(ms: number, check: () => void): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

describe('catalogue change feed', () => {
  const feeds: CatalogChangeFeed[] = [];
  afterEach(async () => {
    for (const f of feeds.splice(0)) await f.close();
  });

  async function replica(keys: ServingRedisKeys, replicaId: string, url = REDIS_URL, records = new EventRecords()): Promise<{ feed: CatalogChangeFeed; records: EventRecords; metrics: ServingMetrics; stats: string[][] }> {
    const metrics = new ServingMetrics({ defaultMetrics: false });
    const stats: string[][] = [];
    const feed = await CatalogChangeFeed.open({ redis: await client(url), keys, replicaId, records, metrics, blockMs: 500, retryMs: 20, maxRetryMs: 100 });
    feed.start({ refreshStats: async (ids) => void stats.push(ids) });
    feeds.push(feed);
    return { feed, records, metrics, stats };
  }

  const feedCount = async (m: ServingMetrics, op: string, result: string): Promise<number> => (await m.catalogFeed.get()).values.find((v) => v.labels.op === op && v.labels.result === result)?.value ?? 0;

  it("applies other replicas' upserts, cancellations and stats; skips its own; starts at the end of the stream", async () => {
    const keys = uniqueKeys();
    const redis = await client();
    // An entry from before the replicas started is not replayed: the store is the truth at boot.
    await redis.xadd(keys.catalogFeed(), '*', 'replica', 'old', 'change', JSON.stringify({ op: 'upsert', event: event('e-old', 'old') }));
    const a = await replica(keys, 'A');
    const b = await replica(keys, 'B');

    a.records.upsert(event('e1', 'Jazz'));
    expect((await a.feed.publish({ op: 'upsert', event: event('e1', 'Jazz') })).superseded).toBe(false);
    await within(1000, () => expect(b.records.get('e1')?.title).toBe('Jazz'));
    expect(b.records.changed('e1')).toBe(true);

    const cancelled: Event = { ...event('e1', 'Jazz'), status: 'cancelled' };
    await a.feed.publish({ op: 'cancel', event: cancelled });
    await within(1000, () => expect(b.records.get('e1')?.status).toBe('cancelled'));
    // A cancellation of an event this replica never saw keeps the cancelled record.
    await a.feed.publish({ op: 'cancel', event: { ...event('e2', 'Never seen'), status: 'cancelled' } });
    await within(1000, () => expect(b.records.get('e2')?.status).toBe('cancelled'));

    await a.feed.publish({ op: 'stats', eventIds: ['e7', 'e8'] });
    await within(1000, () => expect(b.stats).toEqual([['e7', 'e8']]));

    expect(b.records.has('e-old')).toBe(false);
    expect(a.records.has('e2')).toBe(false); // its own entries are skipped
    expect(a.stats).toEqual([]);
    await within(1000, () => expect(compareStreamIds(a.feed.position, b.feed.position)).toBe(0));
    expect(await feedCount(a.metrics, 'upsert', 'own')).toBe(1);
    expect(await feedCount(a.metrics, 'cancel', 'published')).toBe(2);
    expect(await feedCount(b.metrics, 'cancel', 'applied')).toBe(2);
  });

  it('logs and skips a malformed entry and keeps reading', async () => {
    const keys = uniqueKeys();
    const redis = await client();
    const b = await replica(keys, 'B');
    await redis.xadd(keys.catalogFeed(), '*', 'replica', 'X', 'change', '{not json');
    await redis.xadd(keys.catalogFeed(), '*', 'replica', 'X', 'change', JSON.stringify({ op: 'upsert', event: { id: 'e1', lat: 500 } }));
    await redis.xadd(keys.catalogFeed(), '*', 'replica', 'X', 'change', JSON.stringify({ op: 'explode' }));
    await redis.xadd(keys.catalogFeed(), '*', 'no-replica-field', 'x');
    await redis.xadd(keys.catalogFeed(), '*', 'replica', 'X', 'change', JSON.stringify({ op: 'upsert', event: event('e9', 'After the junk') }));
    await within(1000, () => expect(b.records.get('e9')?.title).toBe('After the junk'));
    expect(b.records.has('e1')).toBe(false);
    expect(await feedCount(b.metrics, 'unknown', 'malformed')).toBe(4);
  });

  it('resumes from its last entry after the connection drops: nothing published meanwhile is lost', async () => {
    const keys = uniqueKeys();
    const proxy = await startProxy(6379);
    try {
      const a = await replica(keys, 'A');
      const b = await replica(keys, 'B', `redis://127.0.0.1:${proxy.port}`);
      await a.feed.publish({ op: 'upsert', event: event('e1', 'before') });
      await within(1000, () => expect(b.records.has('e1')).toBe(true));
      proxy.refuse(true);
      proxy.drop();
      await a.feed.publish({ op: 'upsert', event: event('e2', 'during') });
      await a.feed.publish({ op: 'upsert', event: event('e3', 'during') });
      await new Promise((r) => setTimeout(r, 300));
      expect(b.records.has('e2')).toBe(false);
      proxy.refuse(false);
      await within(5000, () => expect([b.records.has('e2'), b.records.has('e3')]).toEqual([true, true]));
    } finally {
      proxy.close();
    }
  });

  it('converges on the later entry when two replicas change one event at once', async () => {
    const keys = uniqueKeys();
    const a = await replica(keys, 'A');
    const b = await replica(keys, 'B');
    // Both accept a change to e1 "at once": each applies its own unless a later one already won.
    const [ra, rb] = await Promise.all([a.feed.publish({ op: 'upsert', event: event('e1', 'from A') }), b.feed.publish({ op: 'upsert', event: event('e1', 'from B') })]);
    if (!ra.superseded) a.records.upsert(event('e1', 'from A'));
    if (!rb.superseded) b.records.upsert(event('e1', 'from B'));
    const last = compareStreamIds(ra.id, rb.id) > 0 ? 'from A' : 'from B';
    await within(1000, () => {
      expect(a.records.get('e1')?.title).toBe(last);
      expect(b.records.get('e1')?.title).toBe(last);
    });
  });
});
