/**
 * Metrics for a probabilistic classifier (the ranker's P(register)): labels are 0/1, scores are any
 * finite numbers (AUCs) or probabilities in [0, 1] (log-loss, Brier). Optional per-example weights
 * (non-negative) make each example count that many times.
 */
import { assertBinaryLabels, assertCutoff, assertFinite, assertProbabilities, assertSameLength, assertWeights } from './validate.ts';

export interface WeightOptions {
  /** Per-example weights, same length as labels. Default: every example weighs 1. */
  weights?: ArrayLike<number>;
}

function checked(labels: ArrayLike<number>, scores: ArrayLike<number>, scoresName: string, weights?: ArrayLike<number>): (i: number) => number {
  assertSameLength(labels, 'labels', scores, scoresName);
  assertFinite(scores, scoresName);
  if (weights === undefined) return () => 1;
  assertSameLength(labels, 'labels', weights, 'weights');
  assertWeights(weights);
  return (i) => weights[i];
}

/** Indices of `scores` sorted by score (ascending, or descending when `descending`). */
function orderBy(scores: ArrayLike<number>, descending: boolean): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return descending ? idx.sort((a, b) => scores[b] - scores[a]) : idx.sort((a, b) => scores[a] - scores[b]);
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random negative,
 * counting ties as one half (the Mann-Whitney U statistic with average ranks). With weights, each
 * (positive, negative) pair counts w_pos · w_neg. Equal scores everywhere give exactly 0.5.
 * NaN when either class is absent (or has zero total weight).
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>, options: WeightOptions = {}): number {
  assertBinaryLabels(labels);
  const w = checked(labels, scores, 'scores', options.weights);
  const order = orderBy(scores, false);
  // Walk tie groups from the lowest score up: each positive in a group beats all negative weight
  // below it and ties with the group's negatives (half credit).
  let negBelow = 0;
  let pairs = 0;
  let totalPos = 0;
  let i = 0;
  while (i < order.length) {
    const s = scores[order[i]];
    let pos = 0;
    let neg = 0;
    let j = i;
    for (; j < order.length && scores[order[j]] === s; j++) {
      const e = order[j];
      if (labels[e] === 1) pos += w(e);
      else neg += w(e);
    }
    pairs += pos * (negBelow + 0.5 * neg);
    negBelow += neg;
    totalPos += pos;
    i = j;
  }
  if (totalPos === 0 || negBelow === 0) return NaN;
  return pairs / (totalPos * negBelow);
}

/**
 * Area under the precision-recall curve as average precision over score thresholds:
 * AP = Σ_t (R_t − R_{t−1}) · P_t, one threshold per distinct score (ties enter together), as
 * scikit-learn's `average_precision_score`. No interpolation. NaN when there are no positives.
 */
export function prAuc(labels: ArrayLike<number>, scores: ArrayLike<number>, options: WeightOptions = {}): number {
  assertBinaryLabels(labels);
  const w = checked(labels, scores, 'scores', options.weights);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPos += w(i);
  if (totalPos === 0) return NaN;
  const order = orderBy(scores, true);
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  let i = 0;
  while (i < order.length) {
    const s = scores[order[i]];
    let j = i;
    for (; j < order.length && scores[order[j]] === s; j++) {
      const e = order[j];
      if (labels[e] === 1) tp += w(e);
      else fp += w(e);
    }
    if (tp + fp > 0) {
      const recall = tp / totalPos;
      ap += (recall - prevRecall) * (tp / (tp + fp));
      prevRecall = recall;
    }
    i = j;
  }
  return ap;
}

export interface LogLossOptions extends WeightOptions {
  /** Probabilities are clipped to [eps, 1 − eps] so a confident mistake costs −ln(eps), not infinity. Default 1e-15. */
  eps?: number;
}

/**
 * Mean binary cross-entropy −[y·ln p + (1 − y)·ln(1 − p)] (natural log), with p clipped to [eps, 1 − eps].
 * Labels may be soft (in [0, 1]). NaN for no examples (or zero total weight).
 */
export function logLoss(labels: ArrayLike<number>, probs: ArrayLike<number>, options: LogLossOptions = {}): number {
  const eps = options.eps ?? 1e-15;
  assertProbabilities(labels, 'labels');
  assertProbabilities(probs, 'probs');
  const w = checked(labels, probs, 'probs', options.weights);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probs[i], eps), 1 - eps);
    const y = labels[i];
    const wi = w(i);
    sum += wi * -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
    total += wi;
  }
  return total === 0 ? NaN : sum / total;
}

/** Brier score: mean squared error (p − y)² of the probabilities. NaN for no examples (or zero total weight). */
export function brier(labels: ArrayLike<number>, probs: ArrayLike<number>, options: WeightOptions = {}): number {
  assertProbabilities(labels, 'labels');
  assertProbabilities(probs, 'probs');
  const w = checked(labels, probs, 'probs', options.weights);
  let sum = 0;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = probs[i] - labels[i];
    sum += w(i) * d * d;
    total += w(i);
  }
  return total === 0 ? NaN : sum / total;
}

/** One bin of a reliability curve. */
export interface CalibrationBin {
  /** Lower edge: the bin's range for `uniform`, the smallest probability in it for `quantile`. */
  lower: number;
  /** Upper edge (inclusive only for the last uniform bin, p = 1). */
  upper: number;
  /** Examples in the bin. */
  count: number;
  /** Mean predicted probability in the bin; NaN when empty. */
  meanPredicted: number;
  /** Observed positive rate (mean label) in the bin; NaN when empty. */
  observedRate: number;
}

export interface CalibrationOptions {
  /** Number of bins. Default 10. */
  bins?: number;
  /**
   * `uniform`: equal-width bins over [0, 1] (empty bins are kept, count 0); `quantile`: equal-count
   * bins by sorted probability (ties at a boundary may be split between two bins). Default `uniform`.
   */
  strategy?: 'uniform' | 'quantile';
}

/** Reliability curve: per bin of predicted probability, the mean prediction and the observed positive rate. */
export function calibrationBins(labels: ArrayLike<number>, probs: ArrayLike<number>, options: CalibrationOptions = {}): CalibrationBin[] {
  const nb = options.bins ?? 10;
  assertCutoff(nb, 'bins');
  assertProbabilities(labels, 'labels');
  assertProbabilities(probs, 'probs');
  assertSameLength(labels, 'labels', probs, 'probs');
  const sumP = new Float64Array(nb);
  const sumY = new Float64Array(nb);
  const count = new Float64Array(nb);
  const lower = new Float64Array(nb);
  const upper = new Float64Array(nb);
  if ((options.strategy ?? 'uniform') === 'uniform') {
    for (let b = 0; b < nb; b++) {
      lower[b] = b / nb;
      upper[b] = (b + 1) / nb;
    }
    for (let i = 0; i < probs.length; i++) {
      const b = Math.min(Math.floor(probs[i] * nb), nb - 1);
      sumP[b] += probs[i];
      sumY[b] += labels[i];
      count[b]++;
    }
  } else {
    const order = orderBy(probs, false);
    lower.fill(NaN);
    upper.fill(NaN);
    for (let r = 0; r < order.length; r++) {
      const b = Math.floor((r * nb) / order.length);
      const i = order[r];
      if (count[b] === 0) lower[b] = probs[i];
      upper[b] = probs[i];
      sumP[b] += probs[i];
      sumY[b] += labels[i];
      count[b]++;
    }
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < nb; b++) {
    out.push({
      lower: lower[b],
      upper: upper[b],
      count: count[b],
      meanPredicted: count[b] === 0 ? NaN : sumP[b] / count[b],
      observedRate: count[b] === 0 ? NaN : sumY[b] / count[b],
    });
  }
  return out;
}

/**
 * Expected calibration error: Σ_bins (n_b / N) · |meanPredicted_b − observedRate_b| over non-empty bins.
 * NaN for no examples.
 */
export function expectedCalibrationError(labels: ArrayLike<number>, probs: ArrayLike<number>, options: CalibrationOptions = {}): number {
  return eceFromBins(calibrationBins(labels, probs, options));
}

/** ECE from already computed bins (so a report can print the curve and its ECE from one pass). */
export function eceFromBins(bins: readonly CalibrationBin[]): number {
  let n = 0;
  let sum = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    n += b.count;
    sum += b.count * Math.abs(b.meanPredicted - b.observedRate);
  }
  return n === 0 ? NaN : sum / n;
}
