import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { weightedRankerLoss } from './loss.ts';

/** Targets [label, weight] and the training graph's [logit, logit] output. */
function lossOf(fn: ReturnType<typeof weightedRankerLoss>, labels: number[], weights: number[], logits: number[]): number {
  return tf.tidy(() => {
    const y = tf.tensor2d(labels.flatMap((l, i) => [l, weights[i]]), [labels.length, 2]);
    const p = tf.tensor2d(logits.flatMap((z) => [z, z]), [logits.length, 2]);
    return fn(y, p).dataSync()[0];
  });
}

const LN2 = Math.log(2);

describe('weightedRankerLoss', () => {
  it('bce: weighted mean of the cross-entropy', () => {
    // logit 0: CE = ln 2 for either label; logit ln 3 with label 1: CE = ln(4/3).
    expect(lossOf(weightedRankerLoss({ name: 'bce' }), [1, 0], [1, 1], [0, 0])).toBeCloseTo(LN2, 5);
    expect(lossOf(weightedRankerLoss({ name: 'bce' }), [1, 1], [1, 3], [0, Math.log(3)])).toBeCloseTo((LN2 + 3 * Math.log(4 / 3)) / 4, 5);
  });

  it('focal: α_t (1 − p_t)^γ CE with sample weights', () => {
    // logit 0, p = 0.5: positive 0.25·0.25·ln2, negative 0.75·0.25·ln2; weights 1 and 3.
    const expected = (0.25 * 0.25 * LN2 + 3 * 0.75 * 0.25 * LN2) / 4;
    expect(lossOf(weightedRankerLoss({ name: 'focal' }), [1, 0], [1, 3], [0, 0])).toBeCloseTo(expected, 5);
  });

  it('class-balanced: effective-number class weights (counts [3, 1], β = 0.5)', () => {
    // raw weights (1 − β)/(1 − β^n): n = 3 → 0.5/0.875, n = 1 → 1; scaled to sum 2.
    const r0 = 0.5 / 0.875;
    const w0 = (2 * r0) / (r0 + 1);
    const w1 = 2 / (r0 + 1);
    const fn = weightedRankerLoss({ name: 'class-balanced', counts: [3, 1], beta: 0.5 });
    expect(lossOf(fn, [1, 0], [1, 1], [0, 0])).toBeCloseTo(((w1 + w0) * LN2) / 2, 5);
  });

  it('refuses class-balanced without counts and a bad alpha', () => {
    expect(() => weightedRankerLoss({ name: 'class-balanced' })).toThrow(/counts/);
    expect(() => weightedRankerLoss({ name: 'focal', alpha: 2 })).toThrow(/alpha/);
  });
});
