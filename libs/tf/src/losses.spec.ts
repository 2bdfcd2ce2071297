import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import {
  binaryCrossEntropy,
  classBalancedLoss,
  classBalancedWeights,
  focalLoss,
  inBatchSoftmaxLoss,
  initTf,
  logQFromCounts,
  sigmoidCrossEntropyWithLogits,
} from './index.ts';

// Expected values computed by hand (Python, float64) from the formulas in losses.ts.
const LOGITS = [0, 2, -3];
const LABELS = [1, 0, 1];
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function value(t: tf.Tensor): number {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
}

describe('losses', () => {
  beforeAll(async () => {
    await initTf({ backend: 'cpu', logger: null });
  });

  it('sigmoid cross-entropy on logits is exact and stable at extreme logits', () => {
    const ce = sigmoidCrossEntropyWithLogits(tf.tensor1d([...LABELS, 0, 1]), tf.tensor1d([...LOGITS, 100, -100]));
    const v = ce.arraySync() as number[];
    expect(v[0]).toBeCloseTo(0.6931472, 6); // log 2
    expect(v[1]).toBeCloseTo(2.126928, 5); // 2 + log(1 + e^-2)
    expect(v[2]).toBeCloseTo(3.0485874, 5); // 3 + log(1 + e^-3)
    expect(v[3]).toBeCloseTo(100, 4);
    expect(v[4]).toBeCloseTo(100, 4);
    expect(v.every(Number.isFinite)).toBe(true);
  });

  it('binaryCrossEntropy: mean over the batch, from logits or from probabilities', () => {
    const y = tf.tensor2d(LABELS, [3, 1]);
    expect(value(binaryCrossEntropy()(y, tf.tensor2d(LOGITS, [3, 1])))).toBeCloseTo(1.9562208, 5);
    const probs = tf.tensor2d(LOGITS.map(sigmoid), [3, 1]);
    expect(value(binaryCrossEntropy({ fromLogits: false })(y, probs))).toBeCloseTo(1.9562208, 4);
    // Labels of rank 1 against predictions of shape [n, 1] are aligned, not broadcast to [n, n].
    expect(value(binaryCrossEntropy()(tf.tensor1d(LABELS), tf.tensor2d(LOGITS, [3, 1])))).toBeCloseTo(1.9562208, 5);
  });

  it('focalLoss matches α_t (1 − p_t)^γ CE element by element', () => {
    // Per element: 0.0433217, 1.2375586, 0.6915701 → mean 0.6574835.
    const y = tf.tensor1d(LABELS);
    expect(value(focalLoss({ alpha: 0.25, gamma: 2 })(y, tf.tensor1d(LOGITS)))).toBeCloseTo(0.6574835, 5);
    expect(value(focalLoss()(tf.tensor1d([1]), tf.tensor1d([0])))).toBeCloseTo(0.0433217, 6);
    // γ = 0 and no α is plain BCE.
    expect(value(focalLoss({ alpha: null, gamma: 0 })(y, tf.tensor1d(LOGITS)))).toBeCloseTo(1.9562208, 5);
    // Easy examples are down-weighted far more than hard ones.
    const easy = value(focalLoss({ alpha: null })(tf.tensor1d([1]), tf.tensor1d([4])));
    const hard = value(focalLoss({ alpha: null })(tf.tensor1d([1]), tf.tensor1d([-4])));
    expect(hard / easy).toBeGreaterThan(1000);
    expect(() => focalLoss({ gamma: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('classBalancedWeights follow the effective number of samples', () => {
    // β = 0.9, counts [90, 10]: raw (1−β)/(1−β^n) = [0.1000076, 0.1535884], scaled to sum 2.
    const [w0, w1] = classBalancedWeights([90, 10], 0.9);
    expect(w0).toBeCloseTo(0.7888852, 6);
    expect(w1).toBeCloseTo(1.2111148, 6);
    expect(classBalancedWeights([1000, 1], 0)).toEqual([1, 1]);
    // β → 1 approaches inverse frequency: 1000 : 1.
    const [a, b] = classBalancedWeights([1000, 1], 0.999999);
    expect(b / a).toBeGreaterThan(990);
    expect(() => classBalancedWeights([1, 2], 1)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('classBalancedLoss weights each example by its class', () => {
    // (w1·CE(0, 1) + w0·CE(2, 0)) / 2 with the weights above = 1.2586915.
    const loss = classBalancedLoss({ counts: [90, 10], beta: 0.9 });
    expect(value(loss(tf.tensor1d([1, 0]), tf.tensor1d([0, 2])))).toBeCloseTo(1.2586915, 5);
    const focal = classBalancedLoss({ counts: [90, 10], beta: 0.9, base: 'focal', gamma: 2 });
    // Focal terms without α: CE · (1 − p_t)²: 0.25·log 2 and 0.7758·2.1269.
    const expected = (1.2111148 * 0.25 * 0.6931472 + 0.7888852 * sigmoid(2) ** 2 * 2.126928) / 2;
    expect(value(focal(tf.tensor1d([1, 0]), tf.tensor1d([0, 2])))).toBeCloseTo(expected, 5);
  });

  it('inBatchSoftmaxLoss: diagonal positives, temperature, log-q correction', () => {
    const eye = tf.tensor2d([[1, 0], [0, 1]]);
    // logits = I: each row log(e + 1) − 1.
    expect(value(inBatchSoftmaxLoss(eye, eye))).toBeCloseTo(Math.log(Math.E + 1) - 1, 6);
    // With log q = [log .5, log .25] subtracted per column: 0.3601462.
    expect(value(inBatchSoftmaxLoss(eye, eye, { logQ: [Math.log(0.5), Math.log(0.25)] }))).toBeCloseTo(0.3601462, 5);
    expect(value(inBatchSoftmaxLoss(eye, eye, { logQ: tf.tensor1d([Math.log(0.5), Math.log(0.25)]) }))).toBeCloseTo(0.3601462, 5);
    // Temperature 0.5, rows 0 and 2 are the same item: 0.5855974 unmasked, 0.1644669 masked.
    const q = tf.tensor2d([[1, 0], [0, 1], [1, 0]]);
    expect(value(inBatchSoftmaxLoss(q, q, { temperature: 0.5 }))).toBeCloseTo(0.5855974, 5);
    expect(value(inBatchSoftmaxLoss(q, q, { temperature: 0.5, itemIds: [7, 8, 7] }))).toBeCloseTo(0.1644669, 5);
  });

  it('inBatchSoftmaxLoss has gradients and rejects bad shapes', () => {
    const q = tf.tensor2d([[1, 0], [0, 1]]);
    const g = tf.grad((x: tf.Tensor) => inBatchSoftmaxLoss(x as tf.Tensor2D, q))(q);
    expect(Math.max(...(g.dataSync() as Float32Array)) !== 0).toBe(true);
    expect(() => inBatchSoftmaxLoss(q, tf.tensor2d([[1, 0, 0]]))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    try {
      inBatchSoftmaxLoss(q, q, { logQ: [0] });
      expect.unreachable();
    } catch (e) {
      expect(isEvrecError(e, 'INVALID_INPUT')).toBe(true);
    }
  });

  it('logQFromCounts gives log relative frequencies, unseen items counted once', () => {
    const lq = logQFromCounts([3, 1, 0]);
    expect(lq[0]).toBeCloseTo(Math.log(3 / 5), 6);
    expect(lq[1]).toBeCloseTo(Math.log(1 / 5), 6);
    expect(lq[2]).toBeCloseTo(Math.log(1 / 5), 6);
  });

  it('plugs into model.compile as a loss', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: 'sgd', loss: focalLoss() });
    const loss = model.evaluate(tf.tensor2d([[1, 2]]), tf.tensor2d([[1]])) as tf.Scalar;
    // Zero weights → logit 0 → focal term 0.0433217.
    expect(value(loss)).toBeCloseTo(0.0433217, 6);
  });
});
