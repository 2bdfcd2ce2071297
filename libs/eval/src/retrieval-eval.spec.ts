import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, createRng, type Event, type Interaction } from '@evrec/core';
import { popularNearbyRanking, popularityRanking, randomRanking } from './baselines.ts';
import { annOverlap, scoreRetrievalMethod, testRegistrations } from './retrieval-eval.ts';

const S = Date.UTC(2026, 1, 1);
let n = 0;
const x = (userId: string, eventId: string, type: Interaction['type'], days: number): Interaction => ({ id: `i${n++}`, userId, eventId, type, at: S + days * MS_PER_DAY });

describe('testRegistrations', () => {
  it('keeps new registrations on live events in [S, S + horizon), once per pair', () => {
    const interactions = [
      x('a', 'held', 'register', -3), // booked before S and still held…
      x('b', 'rebooked', 'register', -5), // booked, cancelled before S, booked again after: a new choice
      x('b', 'rebooked', 'cancel', -4),
      x('a', 'e1', 'register', 1),
      x('a', 'e1', 'attend', 2), // same pair again
      x('a', 'held', 'attend', 2), // …so attending it is not new
      x('a', 'unlisted', 'register', 3), // not live at S
      x('b', 'e2', 'click', 1), // not a registration
      x('b', 'rebooked', 'register', 4),
      x('b', 'e1', 'register', 31), // after the 30-day window
      x('c', 'e1', 'register', -1), // before S, nothing after
    ].sort((p, q) => p.at - q.at);
    const heldAtS = new Set(['a\u0000held']);
    const r = testRegistrations({
      interactions,
      splitAt: S,
      horizonDays: 30,
      live: new Set(['e1', 'e2', 'held', 'rebooked']),
      heldAt: (u, e) => heldAtS.has(`${u}\u0000${e}`),
    });
    expect([...r.relevant].map(([u, s]) => [u, [...s].sort()])).toEqual([
      ['a', ['e1']],
      ['b', ['rebooked']],
    ]);
    expect(r.notLivePairs).toBe(1);
    expect(r.alreadyRegisteredPairs).toBe(1);
  });
});

describe('scoreRetrievalMethod', () => {
  it('averages recall@k and MRR over users by hand-computed values, scoring a missing list 0', () => {
    const relevant = new Map([
      ['u1', new Set(['a', 'b'])],
      ['u2', new Set(['c'])],
      ['u3', new Set(['d'])],
    ]);
    const rankings = new Map([
      ['u1', ['x', 'a', 'y', 'b']], // hits at ranks 2 and 4
      ['u2', ['c']], // hit at rank 1
      // u3: no list
    ]);
    const s = scoreRetrievalMethod(rankings, relevant, [1, 2, 4]);
    // recall@1: u1 0, u2 1, u3 0 → 1/3; @2: u1 ½, u2 1 → 1.5/3; @4: u1 1, u2 1 → 2/3.
    expect(s.recall['1']).toBeCloseTo(1 / 3, 12);
    expect(s.recall['2']).toBeCloseTo(0.5, 12);
    expect(s.recall['4']).toBeCloseTo(2 / 3, 12);
    // MRR within 4: u1 ½, u2 1, u3 0.
    expect(s.mrr).toBeCloseTo(0.5, 12);
    expect(s.recallAll).toBeCloseTo(2 / 3, 12);
    expect(s.meanListLength).toBe(2.5);
    expect([...s.perUserRecall['2']]).toEqual([0.5, 1, 0]);
  });
});

describe('annOverlap', () => {
  it('measures the share of the exact top k the ANN found', () => {
    expect(annOverlap(['a', 'b', 'x', 'c'], ['a', 'b', 'c', 'd'], [2, 4, 10])).toEqual([1, 0.75, 0.75]);
    expect(annOverlap([], [], [5])[0]).toBeNaN();
  });
});

describe('baselines', () => {
  const events = new Map<string, Event>([
    ['far-hit', { id: 'far-hit', lat: 10, lng: 10 }],
    ['near-mid', { id: 'near-mid', lat: 0, lng: 0.5 }],
    ['web', { id: 'web', online: true }],
    ['near-low', { id: 'near-low', lat: 0.2, lng: 0 }],
    ['placeless', { id: 'placeless' }],
  ]);
  const regs: Record<string, number> = { 'far-hit': 9, 'near-mid': 5, web: 3, 'near-low': 1, placeless: 7 };
  const byPop = popularityRanking([...events.keys()], (id) => regs[id] ?? 0);

  it('ranks by registrations, ties by id', () => {
    expect(byPop).toEqual(['far-hit', 'placeless', 'near-mid', 'web', 'near-low']);
    expect(popularityRanking(['b', 'a'], () => 0)).toEqual(['a', 'b']);
  });

  it('puts the popular events within the radius (online included) first, then the rest', () => {
    const r = popularNearbyRanking({ byPopularity: byPop, events, location: { lat: 0, lng: 0 }, radiusKm: 100, k: 4 });
    expect(r).toEqual(['near-mid', 'web', 'near-low', 'far-hit']);
    expect(popularNearbyRanking({ byPopularity: byPop, events, location: null, radiusKm: 100, k: 2 })).toEqual(['far-hit', 'placeless']);
  });

  it('draws k distinct random ids, reproducibly', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const a = randomRanking(ids, 4, createRng(7));
    expect(new Set(a).size).toBe(4);
    expect(a.every((id) => ids.includes(id))).toBe(true);
    expect(randomRanking(ids, 4, createRng(7))).toEqual(a);
    expect(randomRanking(ids, 10, createRng(1)).sort()).toEqual(ids);
  });
});
