/**
 * Losses for the ranker and the two-tower model. Binary losses follow the Keras signature
 * `(yTrue, yPred) => Scalar` so they plug into `model.compile({loss})` and custom loops alike, and
 * work on logits by default (numerically stable; pass `fromLogits: false` for sigmoid outputs).
 */
import * as tf from '@tensorflow/tfjs';
import { EvrecError } from '@evrec/core';

/** A loss usable in `model.compile({loss})`: mean over the batch. */
export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

export interface BinaryLossOptions {
  /** `yPred` holds logits (true) or probabilities (false). Default true. */
  fromLogits?: boolean;
}

/** Probabilities are clipped to [EPSILON, 1 − EPSILON] before turning them into logits. */
const EPSILON = 1e-7;

function toLogits(yPred: tf.Tensor, fromLogits: boolean): tf.Tensor {
  if (fromLogits) return yPred;
  const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
  return tf.sub(tf.log(p), tf.log1p(tf.neg(p)));
}

function alignLabels(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const labels = yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32');
  return labels.size === yPred.size && labels.rank !== yPred.rank ? tf.reshape(labels, yPred.shape) : labels;
}

/**
 * Element-wise binary cross-entropy on logits, stable for any magnitude:
 * max(x, 0) − x·z + log(1 + e^(−|x|)).
 */
export function sigmoidCrossEntropyWithLogits(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = alignLabels(labels, logits);
    return tf.add(tf.sub(tf.relu(logits), tf.mul(logits, z)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  });
}

/** Mean binary cross-entropy. */
export function binaryCrossEntropy(options: BinaryLossOptions = {}): LossFn {
  const fromLogits = options.fromLogits ?? true;
  return (yTrue, yPred) => tf.tidy(() => tf.mean(sigmoidCrossEntropyWithLogits(yTrue, toLogits(yPred, fromLogits))));
}

export interface FocalLossOptions extends BinaryLossOptions {
  /** Weight of positives (negatives get 1 − alpha); null for no class weighting. Default 0.25 (Lin et al. 2017). */
  alpha?: number | null;
  /** Focusing strength: (1 − p_t)^gamma down-weights easy examples; 0 gives plain (alpha-weighted) BCE. Default 2. */
  gamma?: number;
}

/** Element-wise focal loss α_t · (1 − p_t)^γ · CE on logits. */
function focalElements(z: tf.Tensor, logits: tf.Tensor, alpha: number | null, gamma: number): tf.Tensor {
  const ce = sigmoidCrossEntropyWithLogits(z, logits);
  const p = tf.sigmoid(logits);
  // 1 − p_t, written so soft labels also work.
  const oneMinusPt = tf.add(tf.mul(p, tf.sub(1, z)), tf.mul(tf.sub(1, p), z));
  let loss = gamma === 0 ? ce : tf.mul(tf.pow(oneMinusPt, gamma), ce);
  if (alpha !== null) loss = tf.mul(tf.add(tf.mul(z, alpha), tf.mul(tf.sub(1, z), 1 - alpha)), loss);
  return loss;
}

function checkFocal(alpha: number | null, gamma: number): void {
  if (alpha !== null && !(alpha >= 0 && alpha <= 1)) throw new EvrecError('INVALID_INPUT', `focal alpha must be in [0, 1], got ${alpha}`, { field: 'alpha' });
  if (!(gamma >= 0)) throw new EvrecError('INVALID_INPUT', `focal gamma must be ≥ 0, got ${gamma}`, { field: 'gamma' });
}

/** Mean focal loss (Lin et al. 2017) for binary labels. */
export function focalLoss(options: FocalLossOptions = {}): LossFn {
  const alpha = options.alpha === undefined ? 0.25 : options.alpha;
  const gamma = options.gamma ?? 2;
  const fromLogits = options.fromLogits ?? true;
  checkFocal(alpha, gamma);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const logits = toLogits(yPred, fromLogits);
      return tf.mean(focalElements(alignLabels(yTrue, logits), logits, alpha, gamma));
    });
}

/**
 * Class weights from the effective number of samples (Cui et al. 2019):
 * w_c ∝ (1 − β) / (1 − β^{n_c}), scaled so the weights sum to the number of classes.
 * β = 0 gives equal weights; β → 1 approaches inverse frequency. Counts below 1 count as 1.
 */
export function classBalancedWeights(counts: readonly number[], beta: number): number[] {
  if (!(beta >= 0 && beta < 1)) throw new EvrecError('INVALID_INPUT', `beta must be in [0, 1), got ${beta}`, { field: 'beta' });
  if (counts.length === 0 || counts.some((c) => !Number.isFinite(c) || c < 0)) {
    throw new EvrecError('INVALID_INPUT', 'class counts must be finite and ≥ 0', { field: 'counts' });
  }
  const raw = counts.map((n) => (1 - beta) / (1 - beta ** Math.max(1, n)));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => (w * counts.length) / sum);
}

export interface ClassBalancedLossOptions extends BinaryLossOptions {
  /** Training-set counts: [negatives, positives]. */
  counts: readonly [number, number];
  /** Effective-number β. Default 0.999. */
  beta?: number;
  /** Loss being re-weighted. Default 'bce'. */
  base?: 'bce' | 'focal';
  /** For base 'focal': γ. Default 2. (α is replaced by the class-balanced weights.) */
  gamma?: number;
}

/** Class-balanced binary loss: each example's BCE (or focal) term times its class weight. */
export function classBalancedLoss(options: ClassBalancedLossOptions): LossFn {
  const [w0, w1] = classBalancedWeights(options.counts, options.beta ?? 0.999);
  const gamma = options.base === 'focal' ? (options.gamma ?? 2) : 0;
  const fromLogits = options.fromLogits ?? true;
  checkFocal(null, gamma);
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const logits = toLogits(yPred, fromLogits);
      const z = alignLabels(yTrue, logits);
      const weights = tf.add(tf.mul(z, w1), tf.mul(tf.sub(1, z), w0));
      return tf.mean(tf.mul(weights, focalElements(z, logits, null, gamma)));
    });
}

export interface InBatchSoftmaxOptions {
  /** Logits are dot products divided by this. Default 1; 0.05–0.1 suits L2-normalised towers. */
  temperature?: number;
  /**
   * log q(item) for each row's item: the log-probability that the item is sampled as a
   * positive (see {@link logQFromCounts}). Subtracted from its column so popular items are not
   * over-penalised as negatives (Yi et al. 2019). Default: no correction.
   */
  logQ?: tf.Tensor1D | ArrayLike<number>;
  /** Item id of each row: a row's other columns with the same item are masked out (they are not negatives). */
  itemIds?: ArrayLike<number>;
}

/**
 * In-batch sampled softmax: row i's positive is item i, every other item in the batch is a
 * negative. logits = Q·Iᵀ / temperature − log q(item); loss = mean cross-entropy against the diagonal.
 */
export function inBatchSoftmaxLoss(queries: tf.Tensor2D, items: tf.Tensor2D, options: InBatchSoftmaxOptions = {}): tf.Scalar {
  const temperature = options.temperature ?? 1;
  if (!(temperature > 0)) throw new EvrecError('INVALID_INPUT', `temperature must be > 0, got ${temperature}`, { field: 'temperature' });
  const batch = queries.shape[0];
  if (items.shape[0] !== batch || items.shape[1] !== queries.shape[1]) {
    throw new EvrecError('INVALID_INPUT', `queries [${queries.shape.join(', ')}] and items [${items.shape.join(', ')}] must have the same shape`);
  }
  for (const [name, v] of [['logQ', options.logQ], ['itemIds', options.itemIds]] as const) {
    const len = v === undefined ? batch : v instanceof tf.Tensor ? v.size : v.length;
    if (len !== batch) throw new EvrecError('INVALID_INPUT', `${name} has ${len} entries for a batch of ${batch}`, { field: name });
  }
  return tf.tidy(() => {
    let logits: tf.Tensor2D = tf.div(tf.matMul(queries, items, false, true), temperature);
    if (options.logQ !== undefined) {
      const logQ = options.logQ instanceof tf.Tensor ? options.logQ : tf.tensor1d(Array.from(options.logQ), 'float32');
      logits = tf.sub(logits, tf.reshape(logQ, [1, batch]));
    }
    if (options.itemIds !== undefined) {
      const ids = options.itemIds;
      const mask = new Float32Array(batch * batch);
      for (let i = 0; i < batch; i++) for (let j = 0; j < batch; j++) if (i !== j && ids[i] === ids[j]) mask[i * batch + j] = 1;
      logits = tf.sub(logits, tf.mul(tf.tensor2d(mask, [batch, batch]), 1e9));
    }
    const labels = tf.oneHot(tf.range(0, batch, 1, 'int32'), batch);
    return tf.losses.softmaxCrossEntropy(labels, logits);
  });
}

/** log q per item from how often each item occurs as a positive; unseen items count once. */
export function logQFromCounts(counts: ArrayLike<number>): Float32Array {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += Math.max(1, counts[i]);
  const out = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = Math.log(Math.max(1, counts[i]) / total);
  return out;
}
