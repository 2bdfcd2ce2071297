import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, inBatchSoftmaxLoss } from '@evrec/tf';
import { sampledSoftmaxLoss } from './loss.ts';

beforeAll(async () => {
  await initTf({ backend: 'cpu' });
});

describe('sampledSoftmaxLoss', () => {
  const users = tf.tensor2d([[1, 0], [0, 1]]);

  it('is the in-batch softmax without extra negatives', () => {
    const items = tf.tensor2d([[0.6, 0.8], [0.8, 0.6]]);
    const logQ = Float32Array.from([Math.log(0.25), Math.log(0.75)]);
    const a = sampledSoftmaxLoss({ users, items, temperature: 0.5, itemIds: Int32Array.from([0, 1]), logQ }).dataSync()[0];
    const b = inBatchSoftmaxLoss(users, items, { temperature: 0.5, logQ, itemIds: [0, 1] }).dataSync()[0];
    expect(a).toBeCloseTo(b, 6);
  });

  it('adds extra negatives with their own log-count correction (hand-computed)', () => {
    const items = tf.tensor2d([[1, 0], [0, 1], [1, 0]]); // row 2 is an extra negative
    const logQ = Float32Array.from([Math.log(0.5), Math.log(0.5)]);
    const loss = sampledSoftmaxLoss({ users, items, temperature: 1, itemIds: Int32Array.from([0, 1, 2]), logQ, extraProbability: 0.25 }).dataSync()[0];
    // Columns corrected by log(B·q) = log 1 = 0 for in-batch items and log(R·p) = log 0.25 for the extra one.
    // User 0: logits [1, 0, 1 − log 0.25]; user 1: [0, 1, 0 − log 0.25].
    const ce = (l: number[], i: number) => Math.log(l.reduce((s, v) => s + Math.exp(v), 0)) - l[i];
    const expected = (ce([1, 0, 1 - Math.log(0.25)], 0) + ce([0, 1, -Math.log(0.25)], 1)) / 2;
    expect(loss).toBeCloseTo(expected, 5);
  });

  it('masks an extra negative that is the row’s own positive', () => {
    const items = tf.tensor2d([[1, 0], [0, 1], [1, 0]]);
    const loss = sampledSoftmaxLoss({ users, items, temperature: 1, itemIds: Int32Array.from([0, 1, 0]) }).dataSync()[0];
    const ce = (l: number[], i: number) => Math.log(l.reduce((s, v) => s + Math.exp(v), 0)) - l[i];
    expect(loss).toBeCloseTo((ce([1, 0], 0) + ce([0, 1, 0], 1)) / 2, 5);
  });
});
