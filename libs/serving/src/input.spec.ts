import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { FeedbackBodySchema, RankBodySchema, RecommendationsQuerySchema, parseInput } from './input.ts';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isEvrecError(e, 'INVALID_INPUT')) return e.field;
    throw e;
  }
  return undefined;
}

describe('recommendations query', () => {
  const q = (v: Record<string, unknown>): unknown => parseInput(RecommendationsQuerySchema, v, 'query');

  it('converts strings and lists', () => {
    expect(q({ limit: '5', lat: '40.5', lng: '-74', at: '2026-03-01T00:00:00Z', categories: 'music, tech', languages: ['en', 'fr'], free: 'true' })).toEqual({
      limit: 5,
      lat: 40.5,
      lng: -74,
      at: Date.UTC(2026, 2, 1),
      categories: ['music', 'tech'],
      languages: ['en', 'fr'],
      free: true,
    });
  });

  it.each([
    [{ limit: 'ten' }, 'query.limit'],
    [{ limit: '0' }, 'query.limit'],
    [{ limit: '2.5' }, 'query.limit'],
    [{ lat: '91', lng: '0' }, 'query.lat'],
    [{ lat: '40' }, 'query.lng'],
    [{ at: 'yesterday' }, 'query.at'],
    [{ free: 'yes' }, 'query.free'],
    [{ categories: '' }, 'query.categories[0]'],
    [{ languages: 'english' }, 'query.languages[0]'],
    [{ surprise: '1' }, 'query.surprise'],
    [{ cursor: 'abc', lat: '1', lng: '1' }, 'query.lat'],
    [{ from: '2000', to: '1000' }, 'query.from'],
  ])('%j → 400 naming %s', (value, field) => {
    expect(fieldOf(() => q(value))).toBe(field);
  });
});

describe('bodies', () => {
  it('names the offending interaction field and unknown fields', () => {
    const ok = { id: 'i1', userId: 'u', eventId: 'e', type: 'click', at: 1 };
    expect(fieldOf(() => parseInput(FeedbackBodySchema, { interactions: [ok, { ...ok, at: 'now' }] }, 'body'))).toBe('body.interactions[1].at');
    expect(fieldOf(() => parseInput(FeedbackBodySchema, { interactions: [{ ...ok, extra: 1 }] }, 'body'))).toBe('body.interactions[0].extra');
    expect(fieldOf(() => parseInput(FeedbackBodySchema, {}, 'body'))).toBe('body.interactions');
    expect(fieldOf(() => parseInput(RankBodySchema, { userId: 'u', eventIds: ['a', 'b', 'a'] }, 'body'))).toBe('body.eventIds[2]');
    expect(fieldOf(() => parseInput(RankBodySchema, { eventIds: ['a'] }, 'body'))).toBe('body.userId');
  });

  it('says "required" for a missing field', () => {
    expect(() => parseInput(RankBodySchema, { eventIds: ['a'] }, 'body')).toThrow(/^body\.userId: required$/);
  });
});
