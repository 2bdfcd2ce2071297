/**
 * Percentile bootstrap confidence intervals for a mean of per-user (or per-example) values, seeded
 * through core's Rng so a report replays exactly. Use the paired form to compare two models on the
 * same users: it resamples users once and keeps each user's two values together, which is far
 * tighter than comparing two independent intervals.
 */
import { EvrecError, createRng } from '@evrec/core';
import { assertFinite, assertSameLength } from './validate.ts';

export interface BootstrapOptions {
  /** Resamples drawn (each of size n, with replacement). Default 2000. */
  resamples?: number;
  /** Two-sided confidence level in (0, 1). Default 0.95. */
  confidence?: number;
  /** Seed for core `createRng`. Default `'bootstrap'`. */
  seed?: number | string;
}

export interface ConfidenceInterval {
  /** The statistic on the original sample (the plain mean, or mean of a − b). */
  estimate: number;
  /** Lower percentile bound of the resampled statistic. */
  lower: number;
  /** Upper percentile bound of the resampled statistic. */
  upper: number;
  /** Sample size n. */
  n: number;
  resamples: number;
  confidence: number;
}

export interface PairedConfidenceInterval extends ConfidenceInterval {
  /**
   * Share of resamples in which mean(a − b) ≤ 0: a one-sided bootstrap p-value for "a beats b"
   * (small means a is reliably better).
   */
  shareAtOrBelowZero: number;
}

function settings(options: BootstrapOptions): { resamples: number; confidence: number; seed: number | string } {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new EvrecError('INVALID_INPUT', `resamples must be a positive integer, got ${resamples}`, { field: 'resamples' });
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new EvrecError('INVALID_INPUT', `confidence must be in (0, 1), got ${confidence}`, { field: 'confidence' });
  }
  return { resamples, confidence, seed: options.seed ?? 'bootstrap' };
}

/** Quantile with linear interpolation between order statistics (R type 7, numpy's default). `sorted` ascending. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function resampleMeans(values: Float64Array, resamples: number, seed: number | string): Float64Array {
  const rng = createRng(seed);
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)];
    means[r] = s / n;
  }
  return means.sort();
}

function interval(values: Float64Array, options: BootstrapOptions): { ci: ConfidenceInterval; means: Float64Array } {
  const { resamples, confidence, seed } = settings(options);
  const n = values.length;
  if (n === 0) {
    return { ci: { estimate: NaN, lower: NaN, upper: NaN, n, resamples, confidence }, means: new Float64Array(0) };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const means = resampleMeans(values, resamples, seed);
  const alpha = (1 - confidence) / 2;
  return {
    ci: { estimate: sum / n, lower: quantileSorted(means, alpha), upper: quantileSorted(means, 1 - alpha), n, resamples, confidence },
    means,
  };
}

/** Percentile bootstrap CI for the mean of `values`. All NaN (n = 0) for an empty input. */
export function bootstrapMeanCi(values: ArrayLike<number>, options: BootstrapOptions = {}): ConfidenceInterval {
  assertFinite(values, 'values');
  return interval(Float64Array.from(values), options).ci;
}

/**
 * Paired percentile bootstrap CI for mean(a − b), where a[i] and b[i] are two models' values for the
 * same user i (e.g. `perUser.values['map@200']` from two `evaluateRankings` runs over the same users).
 */
export function pairedBootstrapCi(a: ArrayLike<number>, b: ArrayLike<number>, options: BootstrapOptions = {}): PairedConfidenceInterval {
  assertSameLength(a, 'a', b, 'b');
  assertFinite(a, 'a');
  assertFinite(b, 'b');
  const diff = new Float64Array(a.length);
  for (let i = 0; i < diff.length; i++) diff[i] = a[i] - b[i];
  const { ci, means } = interval(diff, options);
  let atOrBelow = 0;
  for (let r = 0; r < means.length; r++) if (means[r] <= 0) atOrBelow++;
  return { ...ci, shareAtOrBelowZero: means.length === 0 ? NaN : atOrBelow / means.length };
}
