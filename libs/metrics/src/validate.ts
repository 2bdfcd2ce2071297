import { EvrecError } from '@evrec/core';

/** Throws INVALID_INPUT unless `k` is a positive integer (a cut-off such as the 10 in P@10). */
export function assertCutoff(k: number, field = 'k'): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new EvrecError('INVALID_INPUT', `${field} must be a positive integer, got ${k}`, { field });
  }
}

/** Throws INVALID_INPUT unless the arrays have the same length. */
export function assertSameLength(a: ArrayLike<unknown>, aName: string, b: ArrayLike<unknown>, bName: string): void {
  if (a.length !== b.length) {
    throw new EvrecError('INVALID_INPUT', `${aName} and ${bName} differ in length (${a.length} vs ${b.length})`, {
      field: bName,
    });
  }
}

/** Throws INVALID_INPUT unless every label is 0 or 1 (booleans are accepted as 0/1 by callers' Number()). */
export function assertBinaryLabels(labels: ArrayLike<number>): void {
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new EvrecError('INVALID_INPUT', `labels[${i}] must be 0 or 1, got ${y}`, { field: `labels[${i}]` });
    }
  }
}

/** Throws INVALID_INPUT unless every value is a finite number (NaN scores would silently break sorting). */
export function assertFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new EvrecError('INVALID_INPUT', `${name}[${i}] must be a finite number, got ${values[i]}`, { field: `${name}[${i}]` });
    }
  }
}

/** Throws INVALID_INPUT unless every value lies in [0, 1]. */
export function assertProbabilities(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    const p = values[i];
    if (!(p >= 0 && p <= 1)) {
      throw new EvrecError('INVALID_INPUT', `${name}[${i}] must be a probability in [0, 1], got ${p}`, { field: `${name}[${i}]` });
    }
  }
}

/** Throws INVALID_INPUT unless every weight is finite and non-negative. */
export function assertWeights(weights: ArrayLike<number>): void {
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new EvrecError('INVALID_INPUT', `weights[${i}] must be a finite non-negative number, got ${w}`, { field: `weights[${i}]` });
    }
  }
}
