import * as tf from '@tensorflow/tfjs';
import { inBatchSoftmaxLoss } from '@evrec/tf';

export interface SampledSoftmaxInput {
  /** [B, d] user vectors. */
  users: tf.Tensor2D;
  /** [B + R, d]: row i < B is user i's positive; the R rows after are random extra negatives. */
  items: tf.Tensor2D;
  temperature: number;
  /** Item key per row of `items` (columns with the row's own positive item are masked out). */
  itemIds: Int32Array;
  /** log q of each positive (the in-batch sampling probability), B entries; absent: no correction. */
  logQ?: Float32Array;
  /** Probability that one extra-negative draw picks a given item (uniform draws: 1 / catalogue size). */
  extraProbability?: number;
}

/**
 * In-batch sampled softmax, optionally with extra uniformly drawn negatives (mixed negative
 * sampling, Yang et al. 2020). Without extras it is @evrec/tf's `inBatchSoftmaxLoss`. With them,
 * every column's logit is corrected by the log of how many times that item is expected among the
 * columns: log(B·q) for an in-batch item, log(R·p) for an extra one, so popular and unpopular
 * items are judged on the same scale.
 */
export function sampledSoftmaxLoss(x: SampledSoftmaxInput): tf.Scalar {
  const b = x.users.shape[0];
  const r = x.items.shape[0] - b;
  const positiveIds = x.itemIds.subarray(0, b);
  if (r === 0) return inBatchSoftmaxLoss(x.users, x.items, { temperature: x.temperature, logQ: x.logQ, itemIds: positiveIds });
  return tf.tidy(() => {
    const n = b + r;
    const correction = new Float32Array(n);
    for (let j = 0; j < b; j++) correction[j] = x.logQ === undefined ? 0 : Math.log(b) + x.logQ[j];
    const extra = x.logQ === undefined ? 0 : Math.log(r * (x.extraProbability ?? 1 / n));
    for (let j = b; j < n; j++) correction[j] = extra;
    const mask = new Float32Array(b * n);
    for (let i = 0; i < b; i++) {
      for (let j = 0; j < n; j++) if (j !== i && x.itemIds[j] === x.itemIds[i]) mask[i * n + j] = 1e9;
    }
    const logits = tf.sub(tf.sub(tf.div(tf.matMul(x.users, x.items, false, true), x.temperature), tf.tensor2d(correction, [1, n])), tf.tensor2d(mask, [b, n]));
    const labels = tf.oneHot(tf.range(0, b, 1, 'int32'), n);
    return tf.losses.softmaxCrossEntropy(labels, logits);
  });
}
