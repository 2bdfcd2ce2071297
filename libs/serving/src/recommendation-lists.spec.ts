import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { MemoryAttributionStore } from './attribution.ts';
import { MemoryListStore, decodeCursor, encodeCursor, modelVersionOf, newRecommendationId, parseRankedList, serializeRankedList } from './recommendation-lists.ts';
import { describeAttributionStoreContract, describeListStoreContract, sampleList } from './shared-state-contract.fixture.ts';
import { TtlCache } from './ttl-cache.ts';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isEvrecError(e) ? `${e.code} ${e.field ?? ''}`.trim() : 'other';
  }
  return undefined;
}

describe('cursors and recommendation ids', () => {
  it('round-trips id and offset', () => {
    expect(decodeCursor(encodeCursor('abc.v1', 40))).toEqual({ recommendationId: 'abc.v1', offset: 40 });
  });

  it('refuses cursors it did not issue, naming query.cursor', () => {
    expect(code(() => decodeCursor('not-base64-json'))).toBe('INVALID_INPUT query.cursor');
    expect(code(() => decodeCursor(Buffer.from('{"r":"x","o":-1}').toString('base64url')))).toBe('INVALID_INPUT query.cursor');
    expect(code(() => decodeCursor(Buffer.from('[1]').toString('base64url')))).toBe('INVALID_INPUT query.cursor');
  });

  it('carries the model version inside the recommendation id', () => {
    const id = newRecommendationId('20260101T000000Z-abc123');
    expect(id).toMatch(/^[0-9a-f]{16}\.20260101T000000Z-abc123$/);
    expect(modelVersionOf(id)).toBe('20260101T000000Z-abc123');
    expect(modelVersionOf('client-made-id')).toBe('unknown');
  });
});

describeListStoreContract('MemoryListStore', async (ttlMs) => ({ store: new MemoryListStore({ ttlMs }), close: async () => undefined }));
describeAttributionStoreContract('MemoryAttributionStore', async (ttlMs) => ({ store: new MemoryAttributionStore({ ttlMs }), close: async () => undefined }));

describe('ranked lists as JSON (for the Redis list store)', () => {
  it('round-trips a list with its pastHosts Set', () => {
    const list = sampleList();
    const json = serializeRankedList(list);
    expect(JSON.parse(json).reasonContext.pastHosts).toEqual(['h1', 'h2']);
    const back = parseRankedList(json);
    expect(back).toEqual(list);
    expect(back.reasonContext.pastHosts).toBeInstanceOf(Set);
  });

  it('refuses text that is not a stored list (INTERNAL: it is our own state, corrupted)', () => {
    const json = JSON.parse(serializeRankedList(sampleList())) as Record<string, unknown>;
    expect(code(() => parseRankedList('{oops'))).toBe('INTERNAL');
    expect(code(() => parseRankedList(JSON.stringify({ ...json, v: 2 })))).toBe('INTERNAL');
    expect(code(() => parseRankedList(JSON.stringify({ ...json, items: [{ eventId: 'e1', score: 0.5, sources: ['psychic'], friendsRegistered: 0, registrations7d: 0 }] })))).toBe('INTERNAL');
  });
});

describe('TtlCache', () => {
  it('expires entries and evicts the least recently used', () => {
    let now = 0;
    const c = new TtlCache<string, number>({ maxEntries: 2, ttlMs: 100, now: () => now });
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3); // evicts b
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    now = 150;
    expect(c.get('a')).toBeUndefined();
    expect(c.size).toBe(1);
  });
});
