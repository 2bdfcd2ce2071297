import { describe, expect, it } from 'vitest';
import type { Event } from '@evrec/core';
import { PopularityAt, liveCatalogue, recallAtK, recallCases } from './evaluate.ts';
import type { TrainingPair } from './pairs.ts';

const ev = (id: string, createdAt: number, startsAt: number): Event => ({ id, createdAt, startsAt });
const pair = (eventId: string, at: number, registered: string[] = []): TrainingPair => ({ userId: 'u', eventId, at, history: [], registered });

describe('recall against the live catalogue', () => {
  // At t = 10: a, b, c, d are live; e starts before 10; f is created after 10.
  const events = [ev('a', 0, 20), ev('b', 0, 30), ev('c', 5, 40), ev('d', 9, 11), ev('e', 0, 9), ev('f', 11, 50)];
  const catalogue = liveCatalogue(events, 10, 100);

  it('keeps events that may be live in the window, by start time', () => {
    expect(catalogue.events.map((e) => e.id)).toEqual(['d', 'a', 'b', 'c', 'f']);
  });

  it('skips held-out positives whose event is not live, and excludes held registrations', () => {
    const { cases, notLive } = recallCases(catalogue, [pair('a', 10, ['b']), pair('e', 10), pair('f', 10)]);
    expect(notLive).toBe(2);
    expect(cases).toHaveLength(1);
    expect([...cases[0].excluded].map((i) => catalogue.events[i].id)).toEqual(['b']);
  });

  it('ranks the target among live, non-excluded candidates (hand-computed)', () => {
    const { cases } = recallCases(catalogue, [pair('a', 10, ['b'])]);
    // Candidates at 10 without b: d, a, c (f not yet created). Scores: d 3, a 2, c 1 → a is 2nd.
    const scores: Record<string, number> = { d: 3, a: 2, b: 9, c: 1, f: 9 };
    const r = recallAtK(catalogue, cases, [1, 2], (_, i) => scores[catalogue.events[i].id]);
    expect(r.recall[1]).toBe(0);
    expect(r.recall[2]).toBe(1);
    expect(r.meanCandidates).toBe(3);
    expect(r.randomRecall[1]).toBeCloseTo(1 / 3, 12);
    expect(r.randomRecall[2]).toBeCloseTo(2 / 3, 12);
  });

  it('gives a constant scorer exactly the random baseline', () => {
    const { cases } = recallCases(catalogue, [pair('a', 10), pair('c', 10)]);
    const r = recallAtK(catalogue, cases, [1, 2, 3], () => 0);
    for (const k of [1, 2, 3]) expect(r.recall[k]).toBeCloseTo(r.randomRecall[k], 12);
  });
});

describe('PopularityAt', () => {
  it('counts positives strictly before t', () => {
    const p = new PopularityAt([{ eventId: 'a', at: 1 }, { eventId: 'a', at: 5 }, { eventId: 'b', at: 5 }]);
    expect([p.countBefore('a', 1), p.countBefore('a', 5), p.countBefore('a', 6), p.countBefore('b', 5), p.countBefore('z', 9)]).toEqual([0, 1, 2, 0, 0]);
  });
});
