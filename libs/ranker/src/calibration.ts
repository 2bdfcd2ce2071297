import { z } from 'zod';
import { EvrecError } from '@evrec/core';
import { logLoss } from '@evrec/metrics';

/**
 * Score calibration: turns a model's logit into P(positive | exposure). Fitted on held-out
 * exposures (never on training rows), after undoing negative down-sampling with the prior
 * correction logit + ln(rate) (King & Zeng 2001): a model trained on negatives kept at rate r
 * overstates the odds by 1/r.
 */
export type CalibrationMethod = 'platt' | 'isotonic' | 'none';

export interface PlattParams {
  /** P = σ(a·z + b) for the (corrected) logit z. */
  a: number;
  b: number;
}

export interface IsotonicParams {
  /** Knots: ascending logits and increasing probabilities; linear in between, flat outside. */
  x: number[];
  y: number[];
}

/** Platt and uncalibrated probabilities are kept in [1e-7, 1 − 1e-7]. */
const PROB_FLOOR = 1e-7;
/** Beyond the outer knots the isotonic fit is flat; this share of σ(z) keeps the order there. */
const TIE_BREAK = 1e-4;

export const CalibrationSchema = z.object({
  method: z.enum(['platt', 'isotonic', 'none']),
  logitShift: z.number(),
  platt: z.object({ a: z.number(), b: z.number() }).optional(),
  isotonic: z.object({ x: z.array(z.number()), y: z.array(z.number().min(0).max(1)) }).optional(),
  /** Two-fold cross-fitted log-loss per method on the calibration rows (how `auto` chose). */
  crossFitLogLoss: z.object({ platt: z.number(), isotonic: z.number(), none: z.number() }).optional(),
  rows: z.number().int().min(0),
  positives: z.number().min(0),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): void {
  if (scores.length !== labels.length || (weights !== undefined && weights.length !== scores.length)) {
    throw new EvrecError('INVALID_INPUT', `calibration: ${scores.length} scores, ${labels.length} labels${weights === undefined ? '' : `, ${weights.length} weights`}`);
  }
  if (scores.length === 0) throw new EvrecError('INVALID_INPUT', 'calibration needs at least one row');
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new EvrecError('INVALID_INPUT', `calibration: score ${i} is not finite`);
    if (labels[i] !== 0 && labels[i] !== 1) throw new EvrecError('INVALID_INPUT', `calibration: label ${i} is not 0 or 1`);
  }
}

/**
 * Platt scaling: the weighted maximum-likelihood (a, b) of P = σ(a·z + b), by damped Newton
 * steps. A tiny ridge keeps separable data finite.
 */
export function fitPlatt(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): PlattParams {
  checkInputs(scores, labels, weights);
  const n = scores.length;
  const ridge = 1e-6;
  let a = 1;
  let b = 0;
  const objective = (a_: number, b_: number): number => {
    let f = 0.5 * ridge * (a_ * a_ + b_ * b_);
    for (let i = 0; i < n; i++) {
      const w = weights === undefined ? 1 : weights[i];
      const t = a_ * scores[i] + b_;
      // −log-likelihood: log(1 + e^t) − y·t, stable.
      f += w * (Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t))) - labels[i] * t);
    }
    return f;
  };
  let f = objective(a, b);
  for (let iter = 0; iter < 100; iter++) {
    let ga = ridge * a;
    let gb = ridge * b;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < n; i++) {
      const w = weights === undefined ? 1 : weights[i];
      const s = scores[i];
      const p = sigmoid(a * s + b);
      const g = w * (p - labels[i]);
      const h = w * p * (1 - p);
      ga += g * s;
      gb += g;
      haa += h * s * s;
      hab += h * s;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-300)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = objective(a - da, b - db);
    while (next > f && step > 1e-6) {
      step /= 2;
      next = objective(a - step * da, b - step * db);
    }
    if (next > f) break;
    a -= step * da;
    b -= step * db;
    const improvement = f - next;
    f = next;
    if (Math.abs(step * da) + Math.abs(step * db) < 1e-10 || improvement < 1e-12 * Math.max(1, Math.abs(f))) break;
  }
  return { a, b };
}

/**
 * Isotonic regression (pool adjacent violators) of labels on scores, weighted, "centred"
 * (Oron & Flournoy 2017): each pooled block becomes one knot at its weighted mean score with its
 * weighted mean label, and the fit is linear between knots — strictly increasing inside the
 * knots' range (blocks have strictly increasing values), so calibration keeps the ranking.
 * Equal scores are pooled first.
 */
export function fitIsotonic(scores: ArrayLike<number>, labels: ArrayLike<number>, weights?: ArrayLike<number>): IsotonicParams {
  checkInputs(scores, labels, weights);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((i, j) => scores[i] - scores[j]);
  // Blocks: last score seen, total weight, weighted score sum, weighted mean label.
  const last: number[] = [];
  const wsum: number[] = [];
  const ssum: number[] = [];
  const mean: number[] = [];
  for (const i of order) {
    const s = scores[i];
    const w = weights === undefined ? 1 : weights[i];
    if (w <= 0) continue;
    const top = last.length - 1;
    if (top >= 0 && last[top] === s) {
      mean[top] = (mean[top] * wsum[top] + labels[i] * w) / (wsum[top] + w);
      wsum[top] += w;
      ssum[top] += s * w;
    } else {
      last.push(s);
      wsum.push(w);
      ssum.push(s * w);
      mean.push(labels[i]);
    }
    // Pool while the last two blocks are not strictly increasing.
    while (last.length >= 2 && mean[mean.length - 2] >= mean[mean.length - 1]) {
      const k = last.length - 1;
      const w2 = wsum[k - 1] + wsum[k];
      mean[k - 1] = (mean[k - 1] * wsum[k - 1] + mean[k] * wsum[k]) / w2;
      wsum[k - 1] = w2;
      ssum[k - 1] += ssum[k];
      last[k - 1] = last[k];
      last.pop();
      wsum.pop();
      ssum.pop();
      mean.pop();
    }
  }
  if (last.length === 0) throw new EvrecError('INVALID_INPUT', 'isotonic calibration: every weight is 0');
  return { x: ssum.map((v, k) => v / wsum[k]), y: mean.slice() };
}

/** The isotonic fit at score `s`: linear between knots, flat beyond the ends. */
export function predictIsotonic(p: IsotonicParams, s: number): number {
  const { x, y } = p;
  if (s <= x[0]) return y[0];
  const last = x.length - 1;
  if (s >= x[last]) return y[last];
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= s) lo = mid;
    else hi = mid;
  }
  const span = x[hi] - x[lo];
  return span > 0 ? y[lo] + ((s - x[lo]) / span) * (y[hi] - y[lo]) : y[hi];
}

export interface FitCalibrationOptions {
  /** `auto` picks the method with the lower two-fold cross-fitted log-loss. Default `auto`. */
  method?: CalibrationMethod | 'auto';
  /** Share of label-0 rows the model was trained with (negative down-sampling). Default 1. */
  negativeRate?: number;
  /** Row weights of the calibration set. Default 1 each. */
  weights?: ArrayLike<number>;
}

function probabilities(method: CalibrationMethod, shift: number, platt: PlattParams | undefined, iso: IsotonicParams | undefined, logits: ArrayLike<number>): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i] + shift;
    if (method === 'isotonic' && iso) {
      // Stays in (0, 1); strictly increasing in z (the σ share orders the flat ends).
      out[i] = (1 - TIE_BREAK) * predictIsotonic(iso, z) + TIE_BREAK * sigmoid(z);
      continue;
    }
    const p = method === 'platt' && platt ? sigmoid(platt.a * z + platt.b) : sigmoid(z);
    out[i] = Math.min(1 - PROB_FLOOR, Math.max(PROB_FLOOR, p));
  }
  return out;
}

function subset<T extends ArrayLike<number>>(xs: T, idx: readonly number[]): Float64Array {
  return Float64Array.from(idx, (i) => xs[i]);
}

/**
 * Fits a calibration on held-out logits and labels. With `auto`, both methods are cross-fitted on
 * two interleaved folds (each fold scored by the other's fit) and the lower log-loss wins; the
 * chosen method is then refitted on all rows.
 */
export function fitCalibration(logits: ArrayLike<number>, labels: ArrayLike<number>, options: FitCalibrationOptions = {}): Calibration {
  checkInputs(logits, labels, options.weights);
  const rate = options.negativeRate ?? 1;
  if (!(rate > 0 && rate <= 1)) throw new EvrecError('INVALID_INPUT', `negativeRate must be in (0, 1], got ${rate}`, { field: 'negativeRate' });
  const shift = Math.log(rate);
  const shifted = Float64Array.from({ length: logits.length }, (_, i) => logits[i] + shift);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] * (options.weights === undefined ? 1 : options.weights[i]);
  const w = options.weights;
  const hasBoth = positives > 0 && positives < (w === undefined ? labels.length : Array.from({ length: labels.length }, (_, i) => w[i]).reduce((a, b) => a + b, 0));

  let crossFitLogLoss: Calibration['crossFitLogLoss'];
  let method: CalibrationMethod = options.method === undefined || options.method === 'auto' ? 'platt' : options.method;
  if (labels.length >= 4 && hasBoth) {
    const folds: number[][] = [[], []];
    for (let i = 0; i < labels.length; i++) folds[i % 2].push(i);
    const loss = { platt: 0, isotonic: 0, none: 0 };
    for (let f = 0; f < 2; f++) {
      const fit = folds[f];
      const test = folds[1 - f];
      const fl = subset(labels, fit);
      const tl = subset(labels, test);
      const fitW = w === undefined ? undefined : subset(w, fit);
      const testW = w === undefined ? undefined : subset(w, test);
      const tz = subset(logits, test);
      const fz = subset(shifted, fit);
      const share = test.length / labels.length;
      const ok = fl.some((v) => v === 1) && fl.some((v) => v === 0);
      const platt = ok ? fitPlatt(fz, fl, fitW) : { a: 1, b: 0 };
      const iso = fitIsotonic(fz, fl, fitW);
      loss.platt += share * logLoss(tl, probabilities('platt', shift, platt, undefined, tz), { weights: testW });
      loss.isotonic += share * logLoss(tl, probabilities('isotonic', shift, undefined, iso, tz), { weights: testW });
      loss.none += share * logLoss(tl, probabilities('none', shift, undefined, undefined, tz), { weights: testW });
    }
    crossFitLogLoss = loss;
    if (options.method === undefined || options.method === 'auto') method = loss.isotonic < loss.platt ? 'isotonic' : 'platt';
  } else if (options.method === undefined || options.method === 'auto') method = 'none';

  return {
    method,
    logitShift: shift,
    platt: method === 'platt' ? fitPlatt(shifted, labels, w) : undefined,
    isotonic: method === 'isotonic' ? fitIsotonic(shifted, labels, w) : undefined,
    crossFitLogLoss,
    rows: labels.length,
    positives,
  };
}

/** Calibrated probabilities for logits. */
export function applyCalibration(calibration: Calibration, logits: ArrayLike<number>): Float32Array {
  return Float32Array.from(probabilities(calibration.method, calibration.logitShift, calibration.platt, calibration.isotonic, logits));
}

/** Prior correction alone: a model trained on negatives kept at `rate` outputs p; the true odds are its odds × rate. */
export function correctForNegativeSampling(p: number, rate: number): number {
  return p / (p + (1 - p) / rate);
}
