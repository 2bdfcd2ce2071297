/**
 * Retrieval recall@K against the whole live catalogue (never sampled negatives): for a held-out
 * registration of event e by user u at time t, the candidates are every event live at t — created
 * at or before t and starting after t — except those u already holds a registration for. A hit
 * at K means e ranks within the top K by score. Ties count as the expected rank under a random
 * tie-break, so a constant scorer gets exactly the random baseline.
 */
import { countBefore, type Event } from '@evrec/core';
import type { TrainingPair } from './pairs.ts';

export interface LiveCatalogue {
  /** Events that can be live for some evaluated pair, ascending by start time. */
  events: Event[];
  startsAt: Float64Array;
  createdAt: Float64Array;
  index: Map<string, number>;
}

/** The catalogue for pairs in [from, until): events starting after `from` and created before `until`. */
export function liveCatalogue(events: Iterable<Event>, from: number, until: number): LiveCatalogue {
  const list = [...events]
    .filter((e) => e.startsAt !== undefined && e.startsAt > from && (e.createdAt ?? -Infinity) < until)
    .sort((a, b) => (a.startsAt as number) - (b.startsAt as number) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    events: list,
    startsAt: Float64Array.from(list, (e) => e.startsAt as number),
    createdAt: Float64Array.from(list, (e) => e.createdAt ?? -Infinity),
    index: new Map(list.map((e, i) => [e.id, i])),
  };
}

/** First index with startsAt > t. */
function firstStartingAfter(c: LiveCatalogue, t: number): number {
  let lo = 0;
  let hi = c.startsAt.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.startsAt[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function isLive(c: LiveCatalogue, i: number, t: number): boolean {
  return c.startsAt[i] > t && c.createdAt[i] <= t;
}

/** An evaluation case: a pair whose event was live at its time. */
export interface RecallCase {
  pair: TrainingPair;
  target: number;
  excluded: Set<number>;
}

export function recallCases(c: LiveCatalogue, pairs: readonly TrainingPair[]): { cases: RecallCase[]; notLive: number } {
  const cases: RecallCase[] = [];
  let notLive = 0;
  for (const pair of pairs) {
    const target = c.index.get(pair.eventId);
    if (target === undefined || !isLive(c, target, pair.at)) {
      notLive++;
      continue;
    }
    const excluded = new Set<number>();
    for (const id of pair.registered) {
      const j = c.index.get(id);
      if (j !== undefined && j !== target) excluded.add(j);
    }
    cases.push({ pair, target, excluded });
  }
  return { cases, notLive };
}

export interface RecallResult {
  /** Mean recall@K per K. */
  recall: Record<number, number>;
  /** Expected recall@K of a random ranking (min(1, K / live candidates), averaged). */
  randomRecall: Record<number, number>;
  /** Mean number of live candidates per case. */
  meanCandidates: number;
}

/**
 * Recall@K for `ks`. `score(caseIndex, candidateIndex)` is the score of one candidate for one
 * case (for vectors: their inner product).
 */
export function recallAtK(c: LiveCatalogue, cases: readonly RecallCase[], ks: readonly number[], score: (caseIndex: number, candidate: number) => number): RecallResult {
  const recall: Record<number, number> = {};
  const randomRecall: Record<number, number> = {};
  for (const k of ks) {
    recall[k] = 0;
    randomRecall[k] = 0;
  }
  let candidates = 0;
  cases.forEach((x, ci) => {
    const t = x.pair.at;
    const s0 = score(ci, x.target);
    let greater = 0;
    let ties = 0;
    let live = 0;
    for (let i = firstStartingAfter(c, t); i < c.startsAt.length; i++) {
      if (c.createdAt[i] > t || i === x.target || x.excluded.has(i)) continue;
      live++;
      const s = score(ci, i);
      if (s > s0) greater++;
      else if (s === s0) ties++;
    }
    candidates += live + 1;
    for (const k of ks) {
      // Under a random tie-break the target's rank is uniform over greater … greater + ties.
      recall[k] += Math.min(1, Math.max(0, (k - greater) / (ties + 1)));
      randomRecall[k] += Math.min(1, k / (live + 1));
    }
  });
  const n = Math.max(1, cases.length);
  for (const k of ks) {
    recall[k] /= n;
    randomRecall[k] /= n;
  }
  return { recall, randomRecall, meanCandidates: candidates / n };
}

/** Point-in-time popularity: positives per event strictly before t (binary search over sorted times). */
export class PopularityAt {
  private readonly times = new Map<string, number[]>();

  /** @param positives ascending by time */
  constructor(positives: ReadonlyArray<{ eventId: string; at: number }>) {
    for (const p of positives) {
      const list = this.times.get(p.eventId);
      if (list === undefined) this.times.set(p.eventId, [p.at]);
      else list.push(p.at);
    }
  }

  countBefore(eventId: string, t: number): number {
    const xs = this.times.get(eventId);
    return xs === undefined ? 0 : countBefore(xs, t);
  }
}
