import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { ListCache, decodeCursor, encodeCursor, modelVersionOf, newRecommendationId } from './recommendation-lists.ts';
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

describe('ListCache', () => {
  const list = { recommendationId: 'r1.v', userId: 'u1', modelVersion: 'v', degraded: false, at: 0, items: [], reasonContext: { at: 0, location: null, pastHosts: new Set<string>(), hasHistory: false } };

  it('resolves a cursor for its user only', () => {
    const c = new ListCache();
    c.put(list);
    expect(c.resolve(encodeCursor('r1.v', 20), 'u1')).toEqual({ list, offset: 20 });
    expect(code(() => c.resolve(encodeCursor('r1.v', 20), 'u2'))).toBe('INVALID_INPUT query.cursor');
    expect(code(() => c.resolve(encodeCursor('gone.v', 0), 'u1'))).toBe('NOT_FOUND query.cursor');
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
