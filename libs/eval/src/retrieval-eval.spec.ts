import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, createRng, type Event, type Interaction } from '@evrec/core';
import { popularNearbyRanking, popularityRanking, randomRanking } from './baselines.ts';
import { lineChartSvg, retrievalReportHtml } from './report-html.ts';
import {
  annOverlap,
  eventsSeenBefore,
  formatRetrievalReport,
  scoreRetrievalMethod,
  splitColdWarm,
  topKByDot,
  testRegistrations,
  type RetrievalEvalReport,
  type RetrievalMethodRow,
} from './retrieval-eval.ts';

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

describe('cold and warm events', () => {
  it('calls an event warm when it had any interaction before S', () => {
    const interactions = [x('a', 'w1', 'click', -2), x('b', 'w2', 'register', -1), x('a', 'c1', 'register', 0), x('c', 'c2', 'click', 3)];
    expect([...eventsSeenBefore(interactions, S)].sort()).toEqual(['w1', 'w2']);
  });

  it('splits each user\'s relevant events, scoring each segment over its own users', () => {
    const relevant = new Map([
      ['u1', new Set(['c1', 'w1'])],
      ['u2', new Set(['w2'])],
      ['u3', new Set(['c2'])],
    ]);
    const { cold, warm } = splitColdWarm(relevant, new Set(['w1', 'w2']));
    expect([...cold].map(([u, e]) => [u, [...e]])).toEqual([
      ['u1', ['c1']],
      ['u3', ['c2']],
    ]);
    expect([...warm].map(([u, e]) => [u, [...e]])).toEqual([
      ['u1', ['w1']],
      ['u2', ['w2']],
    ]);
    const rankings = new Map([
      ['u1', ['w1', 'x', 'c1']], // warm hit at 1, cold hit at 3
      ['u2', ['x', 'y']],
      ['u3', ['c2']],
    ]);
    const c = scoreRetrievalMethod(rankings, cold, [1, 3]);
    // cold: u1 recall@1 0, @3 1, RR 1/3; u3 recall 1, RR 1.
    expect(c.recall['1']).toBeCloseTo(0.5, 12);
    expect(c.recall['3']).toBeCloseTo(1, 12);
    expect(c.mrr).toBeCloseTo((1 / 3 + 1) / 2, 12);
    const w = scoreRetrievalMethod(rankings, warm, [1, 3]);
    expect(w.recall['1']).toBeCloseTo(0.5, 12);
    expect(w.mrr).toBeCloseTo(0.5, 12);
  });
});

describe('topKByDot', () => {
  it('ranks by inner product, ties in input order', () => {
    const vectors = Float32Array.from([1, 0, 0, 1, 0.5, 0.5, 1, 0]);
    expect(topKByDot(Float32Array.from([1, 0.2]), vectors, ['a', 'b', 'c', 'd'], 3)).toEqual(['a', 'd', 'c']);
    expect(topKByDot(Float32Array.from([0, 1]), vectors, ['a', 'b', 'c', 'd'], 10)).toEqual(['b', 'c', 'a', 'd']);
  });
});

function row(name: string, r10: number, r100: number, cold10: number): RetrievalMethodRow {
  return {
    name,
    kind: 'baseline',
    description: `<${name}>`,
    recall: { '10': r10, '100': r100 },
    mrr: r10 / 2,
    recallAll: r100,
    meanListLength: 100,
    cold: { recall: { '10': cold10, '100': NaN }, mrr: 0.1 },
    warm: { recall: { '10': r10, '100': r100 }, mrr: 0.2 },
  };
}

const report: RetrievalEvalReport = {
  dataset: 'toy & co',
  splitAt: S,
  splitAtIso: new Date(S).toISOString(),
  horizonDays: 30,
  radiusKm: 100,
  ks: [10, 100],
  liveEvents: 50,
  users: 3,
  usersWithTestRegistrations: 3,
  relevantPairs: 4,
  notLivePairs: 0,
  alreadyRegisteredPairs: 0,
  segments: { cold: { users: 1, pairs: 1 }, warm: { users: 3, pairs: 3 } },
  rows: [row('ann', 0.5, 0.9, 0.25), row('popularity', 0.1, 0.4, 0), row('tower-id-only', 0.3, 0.6, 0)],
  annVsExact: { 'overlap@10': 1 },
  comparisons: [],
  ruleOutcomes: { pass: 4 },
  ruleBound: { ceiling: 1, popularNearbyAllowed: { recall: { '10': 0.5 }, mrr: 0.25 } },
  annPaths: { exact: 3 },
  seconds: 1,
};

describe('retrieval report output', () => {
  it('prints cold and warm tables beside the main one', () => {
    const text = formatRetrievalReport(report);
    expect(text).toContain('Cold events (no interaction before S): 1 test registrations of 1 users');
    expect(text).toMatch(/tower-id-only\s+30\.0\s+60\.0\s+15\.0/);
    expect(text).toMatch(/ann\s+25\.0\s+—\s+10\.0/); // the cold row of ann
    expect(text).toContain('ceiling (share of relevant events passing the rules) 100.0%; popular-nearby under the rules R@10 50.0');
  });

  it('draws one polyline per series on a log x-axis, skipping non-finite points', () => {
    const svg = lineChartSvg({ series: [{ name: 'a', points: [{ x: 10, y: 0 }, { x: 100, y: 1 }, { x: 1000, y: NaN }] }], xLabel: 'K', yLabel: 'recall', logX: true, width: 300, height: 200 });
    // plot x from 48 to 300 - 170 = 130; 10 → 48, 100 → 130 (log axis over 10..100); y 0 → 16 + 144 = 160, 1 → 16.
    expect(svg).toContain('points="48.0,160.0 130.0,16.0"');
    expect(svg.match(/<polyline/g)?.length).toBe(1);
  });

  it('writes a self-contained page with a curve per method per segment and the table rows', () => {
    const html = retrievalReportHtml(report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html.match(/<polyline class="curve"/g)?.length).toBe(3 * report.rows.length);
    for (const seg of ['all', 'cold', 'warm']) {
      const chart = html.split(`data-segment="${seg}"`)[1]?.split('</svg>')[0] ?? '';
      expect(chart.match(/<polyline/g)?.length).toBe(report.rows.length);
      for (const r of report.rows) expect(chart).toContain(`data-series="${r.name}"`);
    }
    expect(html).toContain('<th scope="row">tower-id-only</th><td>30.0</td><td>60.0</td><td>15.0</td><td>60.0</td><td>100</td><td>baseline</td>');
    expect(html).toContain('<table class="metrics cold">');
    expect(html).toContain('<th scope="row">ann</th><td>25.0</td><td>—</td><td>10.0</td>');
    expect(html).toContain('toy &amp; co');
    expect(html).toContain('&lt;ann&gt;');
  });
});
