/**
 * Degraded mode: when the store cannot be reached, recommendations and re-ranking keep answering
 * from the bundle's batch features (popularity counters, exported user vectors), flagged
 * `degraded: true` and counted in /metrics; readiness reports the store; writes fail with 503.
 * Two real outages: the embedded store closed, and the connection to Redis cut mid-run.
 */
import { startProxy } from './tcp-proxy.fixture.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_HOUR } from '@evrec/core';
import { RedisFeatureStore } from '@evrec/store';
import type { ServingHandle } from './boot.ts';
import type { RecommendationsResponse } from './engine.ts';
import { TEST_API_KEY, buildTestWorld, removeTestWorld, startTestServing, type TestWorld } from './test-world.fixture.ts';

let world: TestWorld;
let T: number;

beforeAll(async () => {
  world = await buildTestWorld(9);
  T = world.at + MS_PER_HOUR;
});

afterAll(async () => {
  await removeTestWorld(world);
});

/** A user the bundle knows (exported vector) with a non-empty list while the store is up. */
async function knownUserList(h: ServingHandle): Promise<{ userId: string; list: RecommendationsResponse }> {
  for (const userId of world.dataset.users.keys()) {
    const r = await h.app.inject({ method: 'GET', url: `/v1/users/${userId}/recommendations?at=${T}&limit=50` });
    const list = JSON.parse(r.body) as RecommendationsResponse;
    if (list.items.length >= 2) return { userId, list };
  }
  throw new Error('no user with recommendations');
}

describe('degraded mode', () => {
  it('serves from batch features when the embedded store is down', async () => {
    const h = await startTestServing(world);
    try {
      const { userId, list } = await knownUserList(h);
      expect(list.degraded).toBe(false);
      await h.store.close(); // a real outage: every store call now fails with UNAVAILABLE

      const r = await h.app.inject({ method: 'GET', url: `/v1/users/${userId}/recommendations?at=${T}&limit=50` });
      expect(r.statusCode).toBe(200);
      const degraded = JSON.parse(r.body) as RecommendationsResponse;
      expect(degraded.degraded).toBe(true);
      expect(degraded.items.length).toBeGreaterThan(0);
      // Without the store there is no friends' activity: no friends reasons or sources.
      for (const it of degraded.items) expect(it.sources).not.toContain('friends');

      const rank = await h.app.inject({ method: 'POST', url: '/v1/rank', payload: { userId, eventIds: list.items.map((i) => i.eventId), context: { at: T } } });
      expect(rank.statusCode).toBe(200);
      expect(JSON.parse(rank.body).degraded).toBe(true);

      const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(JSON.parse(ready.body)).toMatchObject({ ready: false, store: { ok: false } });

      const write = await h.app.inject({ method: 'POST', url: '/v1/feedback', headers: { 'x-api-key': TEST_API_KEY }, payload: { interactions: [{ id: 'x', userId, eventId: 'e1', type: 'click', at: T - 1 }] } });
      expect(write.statusCode).toBe(503);
      expect(JSON.parse(write.body).error.code).toBe('UNAVAILABLE');

      const metrics = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/evrec_degraded_responses_total 2\b/);
      expect(metrics).toMatch(/evrec_degraded_total\{reason="store_unavailable"\} 2\b/);
      expect(metrics).toMatch(/evrec_errors_total\{code="UNAVAILABLE"\} 1\b/);
    } finally {
      await h.close();
    }
  });

  it('fails over within the store timeout when the connection to Redis dies mid-run', async () => {
    // The store talks to Redis through a TCP proxy we can cut: a real outage without stopping Redis.
    const proxy = await startProxy(6379);
    const keyPrefix = `evrec-test-degraded-${process.pid}-${Date.now()}:`;
    const store = await RedisFeatureStore.connect({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix });
    let h: ServingHandle | undefined;
    try {
      h = await startTestServing(world, { store, materializeIntoRedis: true });
      expect(h.store.kind).toBe('redis');
      const { userId } = await knownUserList(h);
      proxy.close();

      const t0 = performance.now();
      const r = await h.app.inject({ method: 'GET', url: `/v1/users/${userId}/recommendations?at=${T}&limit=10` });
      const ms = performance.now() - t0;
      expect(r.statusCode).toBe(200);
      const body = JSON.parse(r.body) as RecommendationsResponse;
      expect(body.degraded).toBe(true);
      expect(body.items.length).toBeGreaterThan(0);
      // One store timeout (250 ms) plus the pipeline, not a hang on reconnects.
      expect(ms).toBeLessThan(2000);
    } finally {
      await h?.close();
      await store.close();
      proxy.close();
      const cleanup = await RedisFeatureStore.connect({ url: 'redis://127.0.0.1:6379', keyPrefix });
      await cleanup.clear();
      await cleanup.close();
    }
  });
});
