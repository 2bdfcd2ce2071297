import { EvrecError, type Interaction } from '@evrec/core';

/**
 * Temporal train/validation/test splits that cannot leak: each part holds exactly the
 * interactions with `from <= at < to`, and the "known state" handed to a model evaluated on a
 * part is only what happened strictly before that part began.
 */

export type SplitPartName = 'train' | 'valid' | 'test';

export interface SplitPart {
  readonly name: SplitPartName;
  /** Inclusive lower bound, epoch ms (`-Infinity` for train). */
  readonly from: number;
  /** Exclusive upper bound, epoch ms (`Infinity` for test). */
  readonly to: number;
  /** Interactions with `from <= at < to`, ascending by `at`. Frozen. */
  readonly interactions: readonly Interaction[];
}

/** Explicit cut times: train `[.., trainEnd)`, valid `[trainEnd, validEnd)`, test `[validEnd, ..)`. */
export interface SplitCuts {
  trainEnd: number;
  validEnd: number;
}

/** Cuts placed by quantiles: the last `testFraction` is test, the `validFraction` before it valid. */
export interface SplitFractions {
  /** Share for validation, in [0, 1). */
  validFraction: number;
  /** Share for test, in [0, 1). */
  testFraction: number;
  /**
   * `interactions` (default): quantiles of the interaction times, so the parts hold those shares
   * of interactions (ties at a cut all go to the later part). `time`: shares of the time span
   * between the first and the last interaction.
   */
  by?: 'interactions' | 'time';
}

function isSorted(rows: readonly Interaction[]): boolean {
  for (let i = 1; i < rows.length; i++) if (rows[i].at < rows[i - 1].at) return false;
  return true;
}

function sortedCopy(rows: readonly Interaction[]): Interaction[] {
  const copy = rows.slice();
  if (!isSorted(copy)) copy.sort((a, b) => a.at - b.at);
  return copy;
}

/** First index whose `at >= t` in ascending `rows`. */
function lowerBound(rows: readonly Interaction[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid].at < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function checkFraction(name: string, f: number): void {
  if (!Number.isFinite(f) || f < 0 || f >= 1) throw new EvrecError('INVALID_INPUT', `${name} must be in [0, 1), got ${f}`, { field: name });
}

/** The cut times for `fractions` over `interactions` (any order). */
export function splitCutsByQuantile(interactions: readonly Interaction[], fractions: SplitFractions): SplitCuts {
  const { validFraction, testFraction } = fractions;
  checkFraction('validFraction', validFraction);
  checkFraction('testFraction', testFraction);
  if (validFraction + testFraction >= 1) {
    throw new EvrecError('INVALID_INPUT', `validFraction + testFraction must be < 1, got ${validFraction + testFraction}`);
  }
  if (interactions.length === 0) throw new EvrecError('INVALID_INPUT', 'cannot place quantile cuts: no interactions');
  if ((fractions.by ?? 'interactions') === 'time') {
    let min = Infinity;
    let max = -Infinity;
    for (const it of interactions) {
      if (it.at < min) min = it.at;
      if (it.at > max) max = it.at;
    }
    // The span is [min, max + 1) so a zero test share puts every interaction before validEnd.
    const span = max + 1 - min;
    return {
      trainEnd: min + Math.round(span * (1 - validFraction - testFraction)),
      validEnd: min + Math.round(span * (1 - testFraction)),
    };
  }
  const ats = Float64Array.from(interactions, (it) => it.at).sort();
  const n = ats.length;
  const cutAt = (share: number): number => {
    // The epsilon keeps 10 * (1 - 0.1 - 0.2) at 7, not 6.999….
    const i = Math.floor(n * share + 1e-9);
    return i >= n ? ats[n - 1] + 1 : ats[i];
  };
  return { trainEnd: cutAt(1 - validFraction - testFraction), validEnd: cutAt(1 - testFraction) };
}

/**
 * A leakage-proof temporal split. Parts are built by partitioning the time-sorted interactions
 * at the cut times, so no interaction at or after a cut can be in an earlier part; `knownState`
 * is the only history a model evaluated on a part should see.
 */
export class TemporalSplit {
  readonly trainEnd: number;
  readonly validEnd: number;
  readonly train: SplitPart;
  readonly valid: SplitPart;
  readonly test: SplitPart;
  private readonly all: readonly Interaction[];

  /** @param interactions any order; copied and sorted by `at` (stable). */
  constructor(interactions: readonly Interaction[], cuts: SplitCuts) {
    const { trainEnd, validEnd } = cuts;
    if (!Number.isFinite(trainEnd) || !Number.isFinite(validEnd) || trainEnd > validEnd) {
      throw new EvrecError('INVALID_INPUT', `split cuts must be finite with trainEnd <= validEnd, got ${trainEnd} and ${validEnd}`);
    }
    this.trainEnd = trainEnd;
    this.validEnd = validEnd;
    this.all = Object.freeze(sortedCopy(interactions));
    const a = lowerBound(this.all, trainEnd);
    const b = lowerBound(this.all, validEnd);
    const part = (name: SplitPartName, from: number, to: number, lo: number, hi: number): SplitPart =>
      Object.freeze({ name, from, to, interactions: Object.freeze(this.all.slice(lo, hi)) });
    this.train = part('train', -Infinity, trainEnd, 0, a);
    this.valid = part('valid', trainEnd, validEnd, a, b);
    this.test = part('test', validEnd, Infinity, b, this.all.length);
  }

  part(name: SplitPartName): SplitPart {
    return name === 'train' ? this.train : name === 'valid' ? this.valid : this.test;
  }

  /**
   * Everything observable when predicting `name`'s interactions: the interactions strictly before
   * that part starts (none for train, train for valid, train + valid for test). Never includes any
   * of the part's own interactions.
   */
  knownState(name: SplitPartName): readonly Interaction[] {
    const p = this.part(name);
    return p.from === -Infinity ? Object.freeze([]) : Object.freeze(this.all.slice(0, lowerBound(this.all, p.from)));
  }
}

/**
 * Splits `source`'s interactions by time: pass explicit cut times or quantile fractions.
 * Example: `temporalSplit(ds, { validFraction: 0.1, testFraction: 0.2 })`.
 */
export function temporalSplit(
  source: { interactions: readonly Interaction[] } | readonly Interaction[],
  spec: SplitCuts | SplitFractions,
): TemporalSplit {
  const rows = Array.isArray(source) ? (source as readonly Interaction[]) : (source as { interactions: readonly Interaction[] }).interactions;
  const cuts = 'trainEnd' in spec ? spec : splitCutsByQuantile(rows, spec);
  return new TemporalSplit(rows, cuts);
}

/** Interactions with `at < t`, in time order (binary search when `ds.interactions` is sorted). */
export function interactionsBefore(ds: { interactions: readonly Interaction[] }, t: number): Interaction[] {
  const rows = ds.interactions;
  if (isSorted(rows)) return rows.slice(0, lowerBound(rows, t));
  return sortedCopy(rows.filter((it) => it.at < t));
}
