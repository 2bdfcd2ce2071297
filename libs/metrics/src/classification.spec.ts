import { describe, expect, it } from 'vitest';
import { EvrecError } from '@evrec/core';
import { brier, calibrationBins, eceFromBins, expectedCalibrationError, logLoss, prAuc, rocAuc } from './index.ts';

describe('rocAuc', () => {
  it('counts correctly ordered positive/negative pairs', () => {
    // positives 0.9, 0.4; negatives 0.8, 0.3. Pairs won: (0.9>0.8) (0.9>0.3) (0.4>0.3) = 3 of 4
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3])).toBeCloseTo(0.75, 12);
    expect(rocAuc([1, 1, 0, 0], [0.9, 0.8, 0.4, 0.3])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.4, 0.3])).toBe(0);
  });
  it('gives ties half credit (average ranks)', () => {
    // positives 0.5, 0.7; negatives 0.5, 0.2: 0.5 vs 0.5 tie (½), the other three pairs won → 3.5/4.
    // Mann-Whitney: ranks 0.2→1, 0.5,0.5→2.5, 0.7→4; positive rank sum 6.5; U = 6.5 − 2·3/2 = 3.5
    expect(rocAuc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.2])).toBeCloseTo(0.875, 12);
  });
  it('is 0.5 when every score is equal, NaN with one class', () => {
    expect(rocAuc([1, 0, 0, 1, 0], [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.4])).toBeNaN();
    expect(rocAuc([], [])).toBeNaN();
  });
  it('weights pairs by w_pos · w_neg', () => {
    // positive 0.5 (w 1); negatives 0.9 (w 2), 0.1 (w 3): wins weigh 1·3 of 1·(2 + 3) → 0.6
    expect(rocAuc([1, 0, 0], [0.5, 0.9, 0.1], { weights: [1, 2, 3] })).toBeCloseTo(0.6, 12);
    // same as repeating the examples
    expect(rocAuc([1, 0, 0, 0, 0, 0], [0.5, 0.9, 0.9, 0.1, 0.1, 0.1])).toBeCloseTo(0.6, 12);
  });
  it('validates its input', () => {
    expect(() => rocAuc([1, 2], [0.1, 0.2])).toThrow(EvrecError);
    expect(() => rocAuc([1, 0], [0.1])).toThrow(/length/);
    expect(() => rocAuc([1, 0], [0.1, NaN])).toThrow(/finite/);
    expect(() => rocAuc([1, 0], [0.1, 0.2], { weights: [1, -1] })).toThrow(/weights/);
  });
});

describe('prAuc', () => {
  it('is average precision over thresholds', () => {
    // descending: 0.9(+) R .5 P 1 → +.5; 0.8(−) R .5; 0.4(+) R 1 P 2/3 → +1/3; 0.3(−) → AP = 5/6
    expect(prAuc([1, 0, 1, 0], [0.9, 0.8, 0.4, 0.3])).toBeCloseTo(5 / 6, 12);
    expect(prAuc([1, 1, 0, 0], [0.9, 0.8, 0.4, 0.3])).toBe(1);
  });
  it('takes tied scores as one threshold', () => {
    // 0.7(+) R .5 P 1 → .5; {0.5+, 0.5−} together: R 1, P 2/3 → +1/3; 0.2(−) → 5/6
    expect(prAuc([1, 0, 1, 0], [0.5, 0.5, 0.7, 0.2])).toBeCloseTo(5 / 6, 12);
    // all equal: one threshold with R 1, P = prevalence 2/4
    expect(prAuc([1, 0, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(prAuc([0, 0], [0.3, 0.1])).toBeNaN();
  });
  it('supports weights', () => {
    // 0.9(+, w 2) R 2/3 P 1 → 2/3; 0.5(−, w 1); 0.1(+, w 1) R 1 P 3/4 → +1/4 → 11/12
    expect(prAuc([1, 0, 1], [0.9, 0.5, 0.1], { weights: [2, 1, 1] })).toBeCloseTo(11 / 12, 12);
  });
});

describe('logLoss / brier', () => {
  it('log-loss is mean cross-entropy in nats', () => {
    // −(ln 0.8 + ln 0.6) / 2 = (0.223144 + 0.510826) / 2
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(0.3669845875, 9);
    // weights 3 and 1: (3·0.223144 + 0.510826) / 4
    expect(logLoss([1, 0], [0.8, 0.4], { weights: [3, 1] })).toBeCloseTo((3 * -Math.log(0.8) - Math.log(0.6)) / 4, 12);
  });
  it('clips a confident mistake to −ln(eps)', () => {
    expect(logLoss([1], [0])).toBeCloseTo(34.5387763949, 6); // −ln(1e-15)
    expect(logLoss([0], [1], { eps: 1e-3 })).toBeCloseTo(-Math.log(1e-3), 9);
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
    expect(logLoss([], [])).toBeNaN();
    expect(() => logLoss([1], [1.5])).toThrow(/probability/);
  });
  it('brier is the mean squared error of probabilities', () => {
    // (0.2² + 0.4² + 0.5²) / 3 = (0.04 + 0.16 + 0.25) / 3 = 0.15
    expect(brier([1, 0, 1], [0.8, 0.4, 0.5])).toBeCloseTo(0.15, 12);
    expect(brier([1, 0], [1, 0])).toBe(0);
  });
});

describe('calibration', () => {
  const probs = [0.1, 0.2, 0.3, 0.6, 0.9, 1.0];
  const labels = [0, 0, 1, 1, 0, 1];
  it('uniform bins: mean predicted vs observed rate', () => {
    const bins = calibrationBins(labels, probs, { bins: 2 });
    // [0, .5): 0.1, 0.2, 0.3 → mean .2, observed 1/3; [.5, 1]: 0.6, 0.9, 1.0 (p = 1 goes to the last bin) → 2.5/3, 2/3
    expect(bins.map((b) => b.count)).toEqual([3, 3]);
    expect(bins[0]).toMatchObject({ lower: 0, upper: 0.5 });
    expect(bins[0].meanPredicted).toBeCloseTo(0.2, 12);
    expect(bins[0].observedRate).toBeCloseTo(1 / 3, 12);
    expect(bins[1].meanPredicted).toBeCloseTo(2.5 / 3, 12);
    expect(bins[1].observedRate).toBeCloseTo(2 / 3, 12);
    // ECE = ½·|.2 − 1/3| + ½·|5/6 − 2/3| = ½·(2/15) + ½·(1/6) = 0.15
    expect(expectedCalibrationError(labels, probs, { bins: 2 })).toBeCloseTo(0.15, 12);
    expect(eceFromBins(bins)).toBeCloseTo(0.15, 12);
  });
  it('keeps empty uniform bins with NaN means', () => {
    const bins = calibrationBins([0, 1], [0.05, 0.95]);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(bins[4].meanPredicted).toBeNaN();
    // ECE = ½·|.05 − 0| + ½·|.95 − 1| = 0.05
    expect(expectedCalibrationError([0, 1], [0.05, 0.95])).toBeCloseTo(0.05, 12);
  });
  it('quantile bins hold equal counts', () => {
    const bins = calibrationBins(labels, probs, { bins: 3, strategy: 'quantile' });
    // {0.1, 0.2} mean .15 obs 0; {0.3, 0.6} mean .45 obs 1; {0.9, 1.0} mean .95 obs .5
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2]);
    expect(bins[1]).toMatchObject({ lower: 0.3, upper: 0.6, observedRate: 1 });
    expect(bins[2].meanPredicted).toBeCloseTo(0.95, 12);
    // ECE = ⅓·(.15 + .55 + .45) = 0.383333
    expect(expectedCalibrationError(labels, probs, { bins: 3, strategy: 'quantile' })).toBeCloseTo(1.15 / 3, 12);
  });
  it('is perfect for a calibrated constant and NaN when empty', () => {
    expect(expectedCalibrationError([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0);
    expect(expectedCalibrationError([], [])).toBeNaN();
    expect(() => calibrationBins([1], [0.5], { bins: 0 })).toThrow(/bins/);
  });
});
