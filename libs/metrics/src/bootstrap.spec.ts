import { describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { bootstrapMeanCi, pairedBootstrapCi, quantileSorted } from './index.ts';

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5); // h = 3·0.5 = 1.5 → 2 + .5·(3 − 2)
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75); // h = 0.75 → 1 + .75·1
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});

describe('bootstrapMeanCi', () => {
  it('collapses to the value for a constant sample', () => {
    const ci = bootstrapMeanCi([2, 2, 2], { resamples: 200 });
    expect(ci).toMatchObject({ estimate: 2, lower: 2, upper: 2, n: 3, resamples: 200, confidence: 0.95 });
  });
  it('matches the exact resampling distribution of a two-point sample', () => {
    // {0, 1}, n = 2: resampled mean is 0 (p ¼), ½ (p ½) or 1 (p ¼). The 2.5% and 97.5% points are 0 and 1;
    // at 50% confidence the 25%/75% points are ½ (P(mean = 0) ≈ ¼ sits on the boundary only by chance).
    const ci = bootstrapMeanCi([0, 1], { resamples: 4000, seed: 1 });
    expect(ci.estimate).toBe(0.5);
    expect(ci.lower).toBe(0);
    expect(ci.upper).toBe(1);
    const mid = bootstrapMeanCi([0, 1], { resamples: 4000, seed: 1, confidence: 0.2 }); // 40% and 60% points
    expect(mid.lower).toBe(0.5);
    expect(mid.upper).toBe(0.5);
  });
  it('has about the normal-theory width for a large sample', () => {
    // n = 400 standard normals: 95% CI width ≈ 2 · 1.96 · 1/√400 = 0.196
    const rng = createRng('bootstrap-width');
    const xs = Array.from({ length: 400 }, () => rng.normal());
    const ci = bootstrapMeanCi(xs, { resamples: 2000, seed: 3 });
    expect(ci.upper - ci.lower).toBeGreaterThan(0.196 * 0.8);
    expect(ci.upper - ci.lower).toBeLessThan(0.196 * 1.2);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
  });
  it('replays per seed and differs across seeds', () => {
    const rng = createRng('replay');
    const xs = Array.from({ length: 30 }, () => rng.normal()); // continuous, so resampled means rarely coincide
    expect(bootstrapMeanCi(xs, { seed: 'a', resamples: 100 })).toEqual(bootstrapMeanCi(xs, { seed: 'a', resamples: 100 }));
    expect(bootstrapMeanCi(xs, { seed: 'a', resamples: 100 }).lower).not.toBe(bootstrapMeanCi(xs, { seed: 'b', resamples: 100 }).lower);
  });
  it('returns NaN for an empty sample and validates options', () => {
    expect(bootstrapMeanCi([]).estimate).toBeNaN();
    expect(() => bootstrapMeanCi([1], { confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapMeanCi([1], { resamples: 0 })).toThrow(/resamples/);
  });
});

describe('pairedBootstrapCi', () => {
  it('a constant per-user gain gives a zero-width interval above 0', () => {
    const b = [0.1, 0.4, 0.3, 0.8];
    const a = b.map((x) => x + 0.1);
    const ci = pairedBootstrapCi(a, b, { resamples: 500 });
    expect(ci.estimate).toBeCloseTo(0.1, 12);
    expect(ci.lower).toBeCloseTo(0.1, 12);
    expect(ci.upper).toBeCloseTo(0.1, 12);
    expect(ci.shareAtOrBelowZero).toBe(0);
  });
  it('pairing removes between-user spread that an unpaired comparison would carry', () => {
    const rng = createRng('paired');
    const base = Array.from({ length: 300 }, () => rng.next()); // users differ a lot
    const a = base.map((x) => x + 0.02 + 0.01 * rng.normal()); // small, consistent gain
    const paired = pairedBootstrapCi(a, base, { seed: 5 });
    expect(paired.lower).toBeGreaterThan(0);
    expect(paired.shareAtOrBelowZero).toBe(0);
    const ciA = bootstrapMeanCi(a, { seed: 5 });
    const ciB = bootstrapMeanCi(base, { seed: 6 });
    expect(ciA.lower).toBeLessThan(ciB.upper); // unpaired intervals overlap
  });
  it('refuses arrays of different lengths', () => {
    expect(() => pairedBootstrapCi([1, 2], [1])).toThrow(/length/);
  });
});
