import { describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { applyCalibration, correctForNegativeSampling, fitCalibration, fitIsotonic, fitPlatt, predictIsotonic } from './calibration.ts';

describe('Platt scaling', () => {
  it('recovers the maximum-likelihood a, b on two score levels', () => {
    // s = 0: 1 of 4 positive → σ(b) = 1/4, b = −ln 3; s = 1: 3 of 4 → σ(a + b) = 3/4, a = 2 ln 3.
    const scores = [0, 0, 0, 0, 1, 1, 1, 1];
    const labels = [1, 0, 0, 0, 1, 1, 1, 0];
    const { a, b } = fitPlatt(scores, labels);
    expect(b).toBeCloseTo(-Math.log(3), 4);
    expect(a).toBeCloseTo(2 * Math.log(3), 4);
  });

  it('uses row weights: weight 3 on a row counts it three times', () => {
    const weighted = fitPlatt([0, 0, 1, 1], [1, 0, 1, 0], [1, 3, 3, 1]);
    const repeated = fitPlatt([0, 0, 0, 0, 1, 1, 1, 1], [1, 0, 0, 0, 1, 1, 1, 0]);
    expect(weighted.a).toBeCloseTo(repeated.a, 6);
    expect(weighted.b).toBeCloseTo(repeated.b, 6);
  });

  it('stays finite on separable data', () => {
    const { a, b } = fitPlatt([-2, -1, 1, 2], [0, 0, 1, 1]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(a).toBeGreaterThan(1);
  });
});

describe('isotonic regression', () => {
  it('pools adjacent violators into blocks, one knot per block at its mean score, linear in between', () => {
    const p = fitIsotonic([1, 2, 3, 4, 5], [0, 1, 0, 1, 1]);
    // blocks: {1} → 0, {2, 3} → 0.5, {4, 5} → 1 (equal values pool too); knots at 1, 2.5, 4.5
    expect(p).toEqual({ x: [1, 2.5, 4.5], y: [0, 0.5, 1] });
    expect(predictIsotonic(p, 2.5)).toBe(0.5);
    expect(predictIsotonic(p, 3.5)).toBe(0.75);
    expect(predictIsotonic(p, 2)).toBeCloseTo(1 / 3, 12);
    expect(predictIsotonic(p, 0)).toBe(0);
    expect(predictIsotonic(p, 9)).toBe(1);
  });

  it('pools equal scores first and weights rows', () => {
    expect(fitIsotonic([1, 1, 2], [0, 1, 1])).toEqual({ x: [1, 2], y: [0.5, 1] });
    // weights 1 and 3 on a violating pair: one block, value 1/4, at the weighted mean score 7/4
    expect(fitIsotonic([1, 2], [1, 0], [1, 3])).toEqual({ x: [1.75], y: [0.25] });
  });
});

describe('fitCalibration', () => {
  const rng = createRng(5);
  const n = 4000;
  const logits = Float64Array.from({ length: n }, () => rng.normal() * 2 - 1);
  // True probability σ(0.5·z − 1): the raw sigmoid is badly over-confident.
  const labels = Float64Array.from(logits, (z) => (rng.chance(1 / (1 + Math.exp(-(0.5 * z - 1)))) ? 1 : 0));
  const rate = labels.reduce((a, b) => a + b, 0) / n;

  it('Platt: the mean calibrated probability equals the positive rate (the likelihood equations)', () => {
    const c = fitCalibration(logits, labels, { method: 'platt' });
    const p = applyCalibration(c, logits);
    expect(p.reduce((a, b) => a + b, 0) / n).toBeCloseTo(rate, 4);
    expect(c.platt?.a).toBeGreaterThan(0.4);
    expect(c.platt?.a).toBeLessThan(0.6);
  });

  it('auto picks the method with the lower cross-fitted log-loss, which beats no calibration here', () => {
    const c = fitCalibration(logits, labels);
    const cf = c.crossFitLogLoss;
    expect(cf).toBeDefined();
    if (cf === undefined) return;
    expect(c.method).toBe(cf.isotonic < cf.platt ? 'isotonic' : 'platt');
    expect(Math.min(cf.platt, cf.isotonic)).toBeLessThan(cf.none);
  });

  it('isotonic output keeps the order of distinct logits', () => {
    const c = fitCalibration(logits, labels, { method: 'isotonic' });
    const sorted = Float64Array.from(logits).sort();
    const p = applyCalibration(c, sorted);
    for (let i = 1; i < p.length; i++) if (sorted[i] > sorted[i - 1] + 1e-2) expect(p[i]).toBeGreaterThan(p[i - 1]);
  });

  it('undoes negative down-sampling: logit + ln(rate), the prior correction', () => {
    const c = fitCalibration([0, 1], [0, 1], { method: 'none', negativeRate: 0.5 });
    const [p0] = applyCalibration(c, [0]);
    expect(p0).toBeCloseTo(1 / 3, 6);
    expect(correctForNegativeSampling(0.5, 0.5)).toBeCloseTo(1 / 3, 12);
    expect(correctForNegativeSampling(0.5, 0.25)).toBeCloseTo(0.2, 12);
  });

  it('refuses bad input', () => {
    expect(() => fitCalibration([0, 1], [0, 2])).toThrow(/label/);
    expect(() => fitCalibration([0], [0, 1])).toThrow(/scores/);
    expect(() => fitCalibration([0, 1], [0, 1], { negativeRate: 0 })).toThrow(/negativeRate/);
  });
});
