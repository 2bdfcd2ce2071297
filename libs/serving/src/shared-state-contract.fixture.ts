/**
 * One contract for every list store and every attribution store: the memory ones run it in
 * recommendation-lists.spec.ts, the Redis ones in shared-state.int.spec.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import type { AttributionDelta, AttributionStore } from './attribution.ts';
import { encodeCursor, newRecommendationId, resolveCursor, type RankedList, type RecommendationListStore } from './recommendation-lists.ts';

export interface ContractSubject<S> {
  store: S;
  /** Frees what the subject holds (connections, keys). */
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function errorOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isEvrecError(e) ? `${e.code} ${e.field ?? ''}`.trim() : `other: ${(e as Error).message}`;
  }
  return undefined;
}

export function sampleList(userId = 'u1', items = 3): RankedList {
  return {
    recommendationId: newRecommendationId('20260101T000000Z-abc123'),
    userId,
    modelVersion: '20260101T000000Z-abc123',
    degraded: false,
    at: 1_767_225_600_000,
    items: Array.from({ length: items }, (_, i) => ({
      eventId: `e${i}`,
      score: 0.5 - i * 0.125,
      sources: i === 0 ? ['ann', 'friends'] : ['popular'],
      friendsRegistered: i === 0 ? 2 : 0,
      registrations7d: 10 * i,
    })),
    reasonContext: { at: 1_767_225_600_000, location: { lat: 40.71, lng: -74 }, pastHosts: new Set(['h1', 'h2']), hasHistory: true },
  };
}

/** The list-store contract; `make(ttlMs)` returns a fresh, empty store. */
export function describeListStoreContract(name: string, make: (ttlMs: number) => Promise<ContractSubject<RecommendationListStore>>): void {
  describe(`${name}: recommendation list store contract`, () => {
    const open: Array<ContractSubject<RecommendationListStore>> = [];
    const subject = async (ttlMs = 60_000): Promise<RecommendationListStore> => {
      const s = await make(ttlMs);
      open.push(s);
      return s.store;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('gives back what was put, the pastHosts Set included', async () => {
      const store = await subject();
      const list = sampleList();
      await store.put(list);
      const back = await store.get(list.recommendationId);
      expect(back).toEqual(list);
      expect(back?.reasonContext.pastHosts).toBeInstanceOf(Set);
      expect(back?.reasonContext.pastHosts.has('h2')).toBe(true);
      expect(await store.get('0000000000000000.unknown')).toBeUndefined();
    });

    it('keeps a list without a location or history, and lists apart', async () => {
      const store = await subject();
      const a = { ...sampleList('u1', 0), reasonContext: { at: 1, location: null, pastHosts: new Set<string>(), hasHistory: false }, degraded: true };
      const b = sampleList('u2', 5);
      await store.put(a);
      await store.put(b);
      expect(await store.get(a.recommendationId)).toEqual(a);
      expect((await store.get(b.recommendationId))?.items.map((i) => i.eventId)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    });

    it('resolves a cursor for its own user only; unknown lists are NOT_FOUND', async () => {
      const store = await subject();
      const list = sampleList();
      await store.put(list);
      expect(await resolveCursor(store, encodeCursor(list.recommendationId, 2), 'u1')).toEqual({ list, offset: 2 });
      expect(await errorOf(resolveCursor(store, encodeCursor(list.recommendationId, 2), 'u2'))).toBe('INVALID_INPUT query.cursor');
      expect(await errorOf(resolveCursor(store, encodeCursor('gone.v', 0), 'u1'))).toBe('NOT_FOUND query.cursor');
      expect(await errorOf(resolveCursor(store, 'not-a-cursor', 'u1'))).toBe('INVALID_INPUT query.cursor');
    });

    it('forgets a list after its TTL', async () => {
      const store = await subject(80);
      const list = sampleList();
      await store.put(list);
      expect(await store.get(list.recommendationId)).toBeDefined();
      await sleep(200);
      expect(await store.get(list.recommendationId)).toBeUndefined();
    });
  });
}

const delta = (d: Partial<AttributionDelta>): AttributionDelta => ({ impressions: 0, clicks: 0, registrations: 0, revenueUsd: 0, ...d });

/** The attribution-store contract; `make(ttlMs)` returns a fresh, empty store. */
export function describeAttributionStoreContract(name: string, make: (ttlMs: number) => Promise<ContractSubject<AttributionStore>>): void {
  describe(`${name}: attribution store contract`, () => {
    const open: Array<ContractSubject<AttributionStore>> = [];
    const subject = async (ttlMs = 60_000): Promise<AttributionStore> => {
      const s = await make(ttlMs);
      open.push(s);
      return s.store;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('adds deltas up per recommendation, with the model version from the id', async () => {
      const store = await subject();
      const r1 = newRecommendationId('v1');
      const r2 = newRecommendationId('v2');
      await store.add(new Map([[r1, delta({ impressions: 2, clicks: 1 })], [r2, delta({ impressions: 1 })]]));
      await store.add(new Map([[r1, delta({ impressions: 1, registrations: 1, revenueUsd: 12.5 })]]));
      await store.add(new Map([[r1, delta({ registrations: 1, revenueUsd: 0.25 })]]));
      expect(await store.get(r1)).toEqual({ recommendationId: r1, modelVersion: 'v1', impressions: 3, clicks: 1, registrations: 2, revenueUsd: 12.75 });
      expect(await store.get(r2)).toEqual({ recommendationId: r2, modelVersion: 'v2', impressions: 1, clicks: 0, registrations: 0, revenueUsd: 0 });
      expect(await store.get(newRecommendationId('v1'))).toBeUndefined();
      // A client-made id has no model version.
      await store.add(new Map([['client-id', delta({ clicks: 1 })]]));
      expect(await store.get('client-id')).toMatchObject({ modelVersion: 'unknown', clicks: 1 });
    });

    it('forgets counters a TTL after their last write, and each write restarts the TTL', async () => {
      const store = await subject(300);
      const r = newRecommendationId('v1');
      await store.add(new Map([[r, delta({ clicks: 1 })]]));
      await sleep(200);
      await store.add(new Map([[r, delta({ clicks: 1 })]]));
      await sleep(200);
      expect(await store.get(r)).toMatchObject({ clicks: 2 });
      await sleep(400);
      expect(await store.get(r)).toBeUndefined();
    });
  });
}
