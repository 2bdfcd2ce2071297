import { describe, expect, it } from 'vitest';
import { EvrecError, createRng } from '@evrec/core';
import {
  averagePrecisionAtK,
  evaluateRankings,
  hitRateAtK,
  meanOverUsers,
  ndcgAtK,
  precisionAtK,
  recallAtK,
  reciprocalRank,
} from './index.ts';

// The running example: relevant items a, c, f; the list finds a at rank 1 and c at rank 3, never f.
const ranked = ['a', 'b', 'c', 'd', 'e'];
const relevant = new Set(['a', 'c', 'f']);
const none = new Set<string>();

describe('precisionAtK / recallAtK / hitRateAtK', () => {
  it('count hits in the top k', () => {
    expect(precisionAtK(ranked, relevant, 1)).toBe(1); // a → 1/1
    expect(precisionAtK(ranked, relevant, 3)).toBeCloseTo(2 / 3, 12); // a, c → 2/3
    expect(precisionAtK(ranked, relevant, 5)).toBeCloseTo(0.4, 12); // 2/5
    expect(recallAtK(ranked, relevant, 1)).toBeCloseTo(1 / 3, 12); // 1 of 3 relevant
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 12); // f never found
    expect(hitRateAtK(['x', 'y', 'c'], relevant, 2)).toBe(0);
    expect(hitRateAtK(['x', 'y', 'c'], relevant, 3)).toBe(1);
  });
  it('treat a list shorter than k as padded with misses', () => {
    expect(precisionAtK(ranked, relevant, 10)).toBeCloseTo(0.2, 12); // 2 hits / 10 slots
    expect(recallAtK(ranked, relevant, 10)).toBeCloseTo(2 / 3, 12);
  });
  it('count a repeated id once', () => {
    // flags: a(hit) a(repeat, miss) c(hit) → 2 hits in 3
    expect(precisionAtK(['a', 'a', 'c'], relevant, 3)).toBeCloseTo(2 / 3, 12);
    expect(precisionAtK(['a', 'a', 'a'], relevant, 3)).toBeCloseTo(1 / 3, 12);
  });
  it('handle empty lists and users with no relevant items', () => {
    expect(precisionAtK([], relevant, 5)).toBe(0);
    expect(recallAtK([], relevant, 5)).toBe(0);
    expect(hitRateAtK([], relevant, 5)).toBe(0);
    expect(precisionAtK(ranked, none, 5)).toBe(0);
    expect(recallAtK(ranked, none, 5)).toBeNaN();
    expect(hitRateAtK(ranked, none, 5)).toBeNaN();
  });
  it('refuse a cut-off that is not a positive integer', () => {
    expect(() => precisionAtK(ranked, relevant, 0)).toThrow(EvrecError);
    expect(() => recallAtK(ranked, relevant, 2.5)).toThrow(/positive integer/);
  });
});

describe('reciprocalRank', () => {
  it('is 1 / rank of the first hit', () => {
    expect(reciprocalRank(ranked, relevant)).toBe(1); // a at rank 1
    expect(reciprocalRank(['x', 'y', 'c'], relevant)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRank(['x', 'y', 'c'], relevant, 2)).toBe(0); // c is below the cut-off
    expect(reciprocalRank([], relevant)).toBe(0);
    expect(reciprocalRank(ranked, none)).toBeNaN();
  });
});

describe('averagePrecisionAtK', () => {
  it('sums P@i at hits and divides by min(|relevant|, k)', () => {
    // hits at 1 (P@1 = 1) and 3 (P@3 = 2/3): (1 + 2/3) / min(3, 5) = 5/9
    expect(averagePrecisionAtK(ranked, relevant, 5)).toBeCloseTo(5 / 9, 12);
    // k = 2: only the hit at 1: 1 / min(3, 2) = 1/2
    expect(averagePrecisionAtK(ranked, relevant, 2)).toBeCloseTo(0.5, 12);
  });
  it('lets a user with more relevant items than k reach 1 (Kaggle convention)', () => {
    // 4 relevant, top 2 both relevant: (1/1 + 2/2) / min(4, 2) = 1; TREC's /4 would give 0.5
    expect(averagePrecisionAtK(['a', 'b'], new Set(['a', 'b', 'c', 'd']), 2)).toBe(1);
  });
  it('gives no credit for repeats', () => {
    // flags 1, 0, 1: (1/1 + 2/3) / min(2, 3) = 5/6
    expect(averagePrecisionAtK(['a', 'a', 'c'], new Set(['a', 'c']), 3)).toBeCloseTo(5 / 6, 12);
  });
  it('handles edge cases', () => {
    expect(averagePrecisionAtK([], relevant, 10)).toBe(0);
    expect(averagePrecisionAtK(ranked, none, 10)).toBeNaN();
    // k beyond the list: hits at 1, 3 → (1 + 2/3) / min(3, 100) = 5/9
    expect(averagePrecisionAtK(ranked, relevant, 100)).toBeCloseTo(5 / 9, 12);
  });
});

describe('ndcgAtK', () => {
  it('binary gains', () => {
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; IDCG (3 relevant) = 1 + 1/log2(3) + 1/log2(4) = 2.130930
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(0.7039180890, 9);
    // k = 1: DCG = 1, IDCG = 1
    expect(ndcgAtK(ranked, relevant, 1)).toBe(1);
    expect(ndcgAtK(['a', 'c', 'f'], relevant, 3)).toBeCloseTo(1, 12);
  });
  it('graded gains, exponential and linear', () => {
    const grades = new Map([['a', 3], ['b', 0], ['c', 1], ['g', 2]]);
    // exponential: gains a = 7, c = 1, g = 3. DCG([c, a, b]) = 1/1 + 7/log2(3) + 0 = 5.416508
    // IDCG = 7/1 + 3/log2(3) + 1/log2(4) = 9.392789 → 0.576667
    expect(ndcgAtK(['c', 'a', 'b'], grades, 3)).toBeCloseTo(0.5766666455, 9);
    // linear: DCG = 1 + 3/log2(3) = 2.892789; IDCG = 3 + 2/log2(3) + 1/2 = 4.761860 → 0.607492
    expect(ndcgAtK(['c', 'a', 'b'], grades, 3, { gain: 'linear' })).toBeCloseTo(0.6074915180, 9);
  });
  it('handles edge cases', () => {
    expect(ndcgAtK([], relevant, 5)).toBe(0);
    expect(ndcgAtK(ranked, none, 5)).toBeNaN();
    expect(ndcgAtK(ranked, new Map([['a', 0]]), 5)).toBeNaN();
    expect(() => ndcgAtK(ranked, new Map([['a', -1]]), 5)).toThrow(/grade/);
    // a repeat earns nothing: DCG([a, a]) = 1, IDCG(2 relevant) = 1 + 1/log2(3)
    expect(ndcgAtK(['a', 'a'], new Set(['a', 'c']), 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });
});

describe('meanOverUsers', () => {
  it('excludes NaN values and counts them', () => {
    expect(meanOverUsers([1, NaN, 0.5])).toEqual({ mean: 0.75, count: 2, excluded: 1 });
    expect(meanOverUsers(new Map([['u1', 0.2], ['u2', NaN]]))).toEqual({ mean: 0.2, count: 1, excluded: 1 });
    expect(meanOverUsers([]).mean).toBeNaN();
  });
});

describe('evaluateRankings', () => {
  const rankings = new Map<string, string[]>([
    ['u1', ranked],
    ['u2', ['x', 'y', 'c']],
    ['u3', ['a']],
    ['u5', ['a', 'b']],
  ]);
  const truth = new Map<string, Set<string>>([
    ['u1', relevant],
    ['u2', new Set(['c'])],
    ['u3', new Set()], // no relevant items: excluded
    ['u4', new Set(['z'])], // no ranking: scored as zeros
  ]);

  it('averages over users with relevant items and counts the rest', () => {
    const r = evaluateRankings(rankings, truth, [1, 3]);
    expect(r.users).toBe(3); // u1, u2, u4
    expect(r.excludedNoRelevant).toBe(2); // u3 (empty set), u5 (not in truth)
    expect(r.missingRankings).toBe(1); // u4
    const [at1, at3] = r.rows;
    // @1: u1 scores 1 on P, AP, nDCG, MRR, hit and 1/3 on recall; u2 and u4 score 0
    expect(at1.k).toBe(1);
    expect(at1.precision).toBeCloseTo(1 / 3, 12);
    expect(at1.recall).toBeCloseTo(1 / 9, 12);
    expect(at1.map).toBeCloseTo(1 / 3, 12);
    expect(at1.ndcg).toBeCloseTo(1 / 3, 12);
    expect(at1.mrr).toBeCloseTo(1 / 3, 12);
    expect(at1.hitRate).toBeCloseTo(1 / 3, 12);
    // @3: u1 P 2/3, R 2/3, AP 5/9, nDCG 0.703918, RR 1; u2 P 1/3, R 1, AP 1/3, nDCG 1/log2(4) = 0.5, RR 1/3
    expect(at3.precision).toBeCloseTo((2 / 3 + 1 / 3) / 3, 12);
    expect(at3.recall).toBeCloseTo((2 / 3 + 1) / 3, 12);
    expect(at3.map).toBeCloseTo((5 / 9 + 1 / 3) / 3, 12); // 8/27
    expect(at3.ndcg).toBeCloseTo(0.4013060297, 9);
    expect(at3.mrr).toBeCloseTo((1 + 1 / 3) / 3, 12);
    expect(at3.hitRate).toBeCloseTo(2 / 3, 12);
  });

  it('agrees with the per-user functions on random data and keeps per-user values', () => {
    const rng = createRng('eval-rankings');
    const items = Array.from({ length: 40 }, (_, i) => `e${i}`);
    const rk = new Map<number, string[]>();
    const tr = new Map<number, Set<string>>();
    for (let u = 0; u < 60; u++) {
      rk.set(u, rng.shuffle(items.slice()).slice(0, 5 + rng.int(30)));
      tr.set(u, new Set(items.filter(() => rng.chance(0.1))));
    }
    const ks = [5, 20];
    const r = evaluateRankings(rk, tr, ks, { keepPerUser: true });
    const users = [...tr.keys()].filter((u) => (tr.get(u)?.size ?? 0) > 0);
    expect(r.perUser?.users).toEqual(users);
    ks.forEach((k, ki) => {
      const mean = (f: (u: number) => number): number => users.reduce((s, u) => s + f(u), 0) / users.length;
      const l = (u: number): string[] => rk.get(u) ?? [];
      const t = (u: number): Set<string> => tr.get(u) ?? new Set();
      expect(r.rows[ki].precision).toBeCloseTo(mean((u) => precisionAtK(l(u), t(u), k)), 12);
      expect(r.rows[ki].recall).toBeCloseTo(mean((u) => recallAtK(l(u), t(u), k)), 12);
      expect(r.rows[ki].map).toBeCloseTo(mean((u) => averagePrecisionAtK(l(u), t(u), k)), 12);
      expect(r.rows[ki].ndcg).toBeCloseTo(mean((u) => ndcgAtK(l(u), t(u), k)), 12);
      expect(r.rows[ki].mrr).toBeCloseTo(mean((u) => reciprocalRank(l(u), t(u), k)), 12);
      expect(r.rows[ki].hitRate).toBeCloseTo(mean((u) => hitRateAtK(l(u), t(u), k)), 12);
      expect(meanOverUsers(r.perUser?.values[`map@${k}`] ?? []).mean).toBeCloseTo(r.rows[ki].map, 12);
    });
  });

  it('returns NaN means when no user has relevant items, and refuses no cut-offs', () => {
    const r = evaluateRankings(new Map([['u', ['a']]]), new Map([['u', new Set<string>()]]), [10]);
    expect(r.users).toBe(0);
    expect(r.excludedNoRelevant).toBe(1);
    expect(r.rows[0].map).toBeNaN();
    expect(() => evaluateRankings(rankings, truth, [])).toThrow(/at least one/);
  });
});
