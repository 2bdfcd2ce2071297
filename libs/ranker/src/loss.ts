import * as tf from '@tensorflow/tfjs';
import { EvrecError } from '@evrec/core';
import { classBalancedWeights, sigmoidCrossEntropyWithLogits, type LossFn } from '@evrec/tf';

/** Class-imbalance handling of the training loss. */
export type RankerLossName = 'focal' | 'class-balanced' | 'bce';
export const RANKER_LOSSES: readonly RankerLossName[] = ['focal', 'class-balanced', 'bce'];

export interface RankerLossOptions {
  name: RankerLossName;
  /** Focal: weight of positives (negatives get 1 − alpha). Default 0.25 (Lin et al. 2017). */
  alpha?: number;
  /** Focal: focusing strength γ. Default 2. */
  gamma?: number;
  /** Class-balanced: effective-number β. Default 0.999. */
  beta?: number;
  /** Class-balanced: training counts [negatives, positives]. Required for it. */
  counts?: readonly [number, number];
}

/**
 * The ranker's loss with per-example sample weights. The training graph outputs [logit, logit]
 * and the targets are [label, weight] (Keras checks that targets and outputs have the same
 * width): element-wise loss = weight × class term × modulating term × cross-entropy on the logit.
 *  - `focal`: α_t (1 − p_t)^γ CE, the @evrec/tf focal loss with sample weights;
 *  - `class-balanced`: w_c CE with w_c from `classBalancedWeights(counts, β)` (Cui et al. 2019);
 *  - `bce`: plain CE.
 * Loss = Σ weight·term / Σ weight over the batch.
 */
export function weightedRankerLoss(options: RankerLossOptions): LossFn {
  const alpha = options.alpha ?? 0.25;
  const gamma = options.gamma ?? 2;
  if (!(alpha >= 0 && alpha <= 1)) throw new EvrecError('INVALID_INPUT', `focal alpha must be in [0, 1], got ${alpha}`, { field: 'alpha' });
  if (!(gamma >= 0)) throw new EvrecError('INVALID_INPUT', `focal gamma must be ≥ 0, got ${gamma}`, { field: 'gamma' });
  let classWeights: [number, number] | undefined;
  if (options.name === 'class-balanced') {
    if (options.counts === undefined) throw new EvrecError('INVALID_INPUT', 'class-balanced loss needs the training counts [negatives, positives]', { field: 'counts' });
    const [w0, w1] = classBalancedWeights(options.counts, options.beta ?? 0.999);
    classWeights = [w0, w1];
  }
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const [label, weight] = tf.split(yTrue.dtype === 'float32' ? yTrue : tf.cast(yTrue, 'float32'), 2, 1);
      const logit = tf.slice(yPred, [0, 0], [-1, 1]);
      let term = sigmoidCrossEntropyWithLogits(label, logit);
      if (options.name === 'focal') {
        const p = tf.sigmoid(logit);
        const oneMinusPt = tf.add(tf.mul(p, tf.sub(1, label)), tf.mul(tf.sub(1, p), label));
        if (gamma > 0) term = tf.mul(tf.pow(oneMinusPt, gamma), term);
        term = tf.mul(tf.add(tf.mul(label, alpha), tf.mul(tf.sub(1, label), 1 - alpha)), term);
      } else if (classWeights) {
        term = tf.mul(tf.add(tf.mul(label, classWeights[1]), tf.mul(tf.sub(1, label), classWeights[0])), term);
      }
      return tf.div(tf.sum(tf.mul(weight, term)), tf.maximum(tf.sum(weight), 1e-12)) as tf.Scalar;
    });
}
