/**
 * Ranking metrics for one user: a ranked list of ids (best first) against the ids that were relevant
 * (e.g. the events the user registered for in the test period).
 *
 * Conventions, shared by every function here:
 * - Only the first occurrence of an id counts; a repeated id is treated as non-relevant (as the Kaggle
 *   `apk` scorer does), so a list cannot earn credit twice for one item.
 * - A list shorter than k is scored as if padded with non-relevant items (P@k still divides by k).
 * - When the user has no relevant items, recall, MRR, AP, nDCG and hit rate are undefined and return
 *   NaN; `evaluateRankings` / `meanOverUsers` exclude such users and count them. Precision is 0.
 */
import { EvrecError } from '@evrec/core';
import { assertCutoff } from './validate.ts';

/**
 * Marks which of the first `k` positions hold a relevant id seen for the first time there.
 * flags[i] = 1 when ranked[i] is relevant and did not occur earlier in the list.
 */
export function relevanceFlags(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): Uint8Array {
  const n = Math.min(ranked.length, k);
  const flags = new Uint8Array(n);
  if (relevant.size === 0) return flags;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const id = ranked[i];
    if (seen.has(id)) continue;
    seen.add(id);
    if (relevant.has(id)) flags[i] = 1;
  }
  return flags;
}

function hitsIn(flags: Uint8Array, k: number): number {
  let h = 0;
  const n = Math.min(flags.length, k);
  for (let i = 0; i < n; i++) h += flags[i];
  return h;
}

/** Share of the top k that is relevant: hits in top k / k. 0 when nothing is relevant. */
export function precisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  assertCutoff(k);
  return hitsIn(relevanceFlags(ranked, relevant, k), k) / k;
}

/** Share of the relevant items found in the top k: hits in top k / |relevant|. NaN when |relevant| = 0. */
export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  assertCutoff(k);
  if (relevant.size === 0) return NaN;
  return hitsIn(relevanceFlags(ranked, relevant, k), k) / relevant.size;
}

/** 1 when at least one relevant item is in the top k, else 0. NaN when |relevant| = 0. */
export function hitRateAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  assertCutoff(k);
  if (relevant.size === 0) return NaN;
  return hitsIn(relevanceFlags(ranked, relevant, k), k) > 0 ? 1 : 0;
}

/**
 * 1 / (1-based rank of the first relevant item), 0 when none is in the top k (the whole list when
 * k is omitted). The mean of this over users is MRR. NaN when |relevant| = 0.
 */
export function reciprocalRank(ranked: readonly string[], relevant: ReadonlySet<string>, k?: number): number {
  if (k !== undefined) assertCutoff(k);
  if (relevant.size === 0) return NaN;
  const flags = relevanceFlags(ranked, relevant, k ?? ranked.length);
  for (let i = 0; i < flags.length; i++) if (flags[i]) return 1 / (i + 1);
  return 0;
}

/**
 * Average precision at k: sum over relevant positions i ≤ k of P@i, divided by min(|relevant|, k).
 *
 * The min(|relevant|, k) normaliser is the Kaggle convention (ml_metrics `apk`, used for the 2013
 * Event Recommendation Challenge's MAP@200): a user with more relevant items than k can still reach
 * 1.0 by filling the top k with relevant items. Dividing by |relevant| instead (the TREC convention)
 * would cap such users below 1. The mean over users is MAP@k. NaN when |relevant| = 0 (the Kaggle
 * scorer returned 0 there; `evaluateRankings` excludes those users instead).
 */
export function averagePrecisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  assertCutoff(k);
  if (relevant.size === 0) return NaN;
  return apFromFlags(relevanceFlags(ranked, relevant, k), k, relevant.size);
}

function apFromFlags(flags: Uint8Array, k: number, relevantCount: number): number {
  let hits = 0;
  let sum = 0;
  const n = Math.min(flags.length, k);
  for (let i = 0; i < n; i++) {
    if (flags[i]) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / Math.min(relevantCount, k);
}

/** How a relevance grade turns into a gain in nDCG. */
export type NdcgGain = 'exponential' | 'linear';

export interface NdcgOptions {
  /**
   * `exponential`: gain = 2^grade − 1 (Burges et al., the usual learning-to-rank form, rewards
   * putting the highest grades first); `linear`: gain = grade (as scikit-learn's `ndcg_score`).
   * Identical for binary relevance. Default `exponential`.
   */
  gain?: NdcgGain;
}

/**
 * Normalised discounted cumulative gain at k: DCG@k / IDCG@k with DCG = Σ_{i=1..k} gain(grade_i) / log2(i + 1).
 * `relevance` is either a set (binary: grade 1 for members) or a map id → grade (graded; grades ≤ 0
 * are non-relevant; negative grades are refused). IDCG sorts all relevant grades in descending order.
 * NaN when nothing has a positive grade.
 */
export function ndcgAtK(
  ranked: readonly string[],
  relevance: ReadonlySet<string> | ReadonlyMap<string, number>,
  k: number,
  options: NdcgOptions = {},
): number {
  assertCutoff(k);
  const gainOf = options.gain === 'linear' ? (g: number) => g : (g: number) => 2 ** g - 1;
  const grade = gradeLookup(relevance);
  const grades: number[] = [];
  for (const g of gradeValues(relevance)) if (g > 0) grades.push(g);
  if (grades.length === 0) return NaN;
  grades.sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, grades.length); i++) idcg += gainOf(grades[i]) / Math.log2(i + 2);
  let dcg = 0;
  const seen = new Set<string>();
  const n = Math.min(ranked.length, k);
  for (let i = 0; i < n; i++) {
    const id = ranked[i];
    if (seen.has(id)) continue;
    seen.add(id);
    const g = grade(id);
    if (g > 0) dcg += gainOf(g) / Math.log2(i + 2);
  }
  return dcg / idcg;
}

function gradeLookup(relevance: ReadonlySet<string> | ReadonlyMap<string, number>): (id: string) => number {
  if (isMap(relevance)) return (id) => relevance.get(id) ?? 0;
  return (id) => (relevance.has(id) ? 1 : 0);
}

function* gradeValues(relevance: ReadonlySet<string> | ReadonlyMap<string, number>): Iterable<number> {
  if (!isMap(relevance)) {
    for (let i = 0; i < relevance.size; i++) yield 1;
    return;
  }
  for (const [id, g] of relevance) {
    if (!Number.isFinite(g) || g < 0) {
      throw new EvrecError('INVALID_INPUT', `relevance grade of ${id} must be a finite number ≥ 0, got ${g}`, { field: `relevance.${id}` });
    }
    yield g;
  }
}

function isMap(r: ReadonlySet<string> | ReadonlyMap<string, number>): r is ReadonlyMap<string, number> {
  return r instanceof Map;
}

/** Mean of per-user values, leaving out the undefined ones (NaN) and counting them. */
export interface MeanSummary {
  /** Mean over the defined values; NaN when there are none. */
  mean: number;
  /** How many values went into the mean. */
  count: number;
  /** How many values were NaN (users for whom the metric is undefined) and were left out. */
  excluded: number;
}

/** Mean over users of per-user metric values; NaN values (no relevant items) are excluded and counted. */
export function meanOverUsers(values: Iterable<number> | ReadonlyMap<unknown, number>): MeanSummary {
  const iterable: Iterable<number> = values instanceof Map ? values.values() : (values as Iterable<number>);
  let sum = 0;
  let count = 0;
  let excluded = 0;
  for (const v of iterable) {
    if (Number.isNaN(v)) excluded++;
    else {
      sum += v;
      count++;
    }
  }
  return { mean: count === 0 ? NaN : sum / count, count, excluded };
}

/** Names of the metrics `evaluateRankings` reports at each cut-off. */
export const RANKING_METRICS = ['precision', 'recall', 'map', 'ndcg', 'mrr', 'hitRate'] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];

/** Means over evaluated users at one cut-off k. */
export interface RankingRow {
  k: number;
  /** Mean P@k. */
  precision: number;
  /** Mean R@k. */
  recall: number;
  /** MAP@k (AP normalised by min(|relevant|, k)). */
  map: number;
  /** Mean binary nDCG@k. */
  ndcg: number;
  /** MRR@k (reciprocal rank, 0 when the first hit is below k). */
  mrr: number;
  /** Share of users with at least one hit in the top k. */
  hitRate: number;
}

export interface RankingReport<U> {
  /** One row per requested k, in the order given. */
  rows: RankingRow[];
  /** Users averaged over: users in `relevant` with at least one relevant item. */
  users: number;
  /** Users left out because they have no relevant items (in `relevant` with an empty set, or only in `rankings`). */
  excludedNoRelevant: number;
  /** Evaluated users for whom `rankings` had no list; scored as an empty list (all zeros), not excluded. */
  missingRankings: number;
  /** Per-user values (same order as `perUser.users`), when `keepPerUser` was set: key `${metric}@${k}`. */
  perUser?: { users: U[]; values: Record<string, Float64Array> };
}

export interface EvaluateRankingsOptions {
  /** Keep each user's values (for bootstrap confidence intervals or paired comparisons). Default false. */
  keepPerUser?: boolean;
}

/**
 * Scores every user's ranked list at each k and averages over users. Users are those of `relevant`
 * with at least one relevant item; users with none are excluded and counted, and a user with relevant
 * items but no ranked list scores zero (a model that returns nothing is penalised, not skipped).
 */
export function evaluateRankings<U>(
  rankings: ReadonlyMap<U, readonly string[]>,
  relevant: ReadonlyMap<U, ReadonlySet<string>>,
  ks: readonly number[],
  options: EvaluateRankingsOptions = {},
): RankingReport<U> {
  if (ks.length === 0) throw new EvrecError('INVALID_INPUT', 'ks must list at least one cut-off', { field: 'ks' });
  ks.forEach((k, i) => assertCutoff(k, `ks[${i}]`));
  const maxK = Math.max(...ks);
  const users: U[] = [];
  const relevantSets: ReadonlySet<string>[] = [];
  let excludedNoRelevant = 0;
  let missingRankings = 0;
  for (const [u, rel] of relevant) {
    if (rel.size === 0) excludedNoRelevant++;
    else {
      users.push(u);
      relevantSets.push(rel);
    }
  }
  for (const u of rankings.keys()) if (!relevant.has(u)) excludedNoRelevant++;

  const sums = ks.map(() => ({ precision: 0, recall: 0, map: 0, ndcg: 0, mrr: 0, hitRate: 0 }));
  const perUser: Record<string, Float64Array> = {};
  if (options.keepPerUser) {
    for (const k of ks) for (const m of RANKING_METRICS) perUser[`${m}@${k}`] = new Float64Array(users.length);
  }
  const empty: readonly string[] = [];
  users.forEach((u, ui) => {
    const rel = relevantSets[ui];
    const list = rankings.get(u);
    if (list === undefined) missingRankings++;
    const flags = relevanceFlags(list ?? empty, rel, maxK);
    ks.forEach((k, ki) => {
      const n = Math.min(flags.length, k);
      let hits = 0;
      let firstHit = -1;
      let apSum = 0;
      let dcg = 0;
      for (let i = 0; i < n; i++) {
        if (!flags[i]) continue;
        hits++;
        if (firstHit < 0) firstHit = i;
        apSum += hits / (i + 1);
        dcg += 1 / Math.log2(i + 2);
      }
      let idcg = 0;
      for (let i = 0; i < Math.min(k, rel.size); i++) idcg += 1 / Math.log2(i + 2);
      const v: Record<RankingMetric, number> = {
        precision: hits / k,
        recall: hits / rel.size,
        map: apSum / Math.min(rel.size, k),
        ndcg: dcg / idcg,
        mrr: firstHit < 0 ? 0 : 1 / (firstHit + 1),
        hitRate: hits > 0 ? 1 : 0,
      };
      const s = sums[ki];
      for (const m of RANKING_METRICS) {
        s[m] += v[m];
        if (options.keepPerUser) perUser[`${m}@${k}`][ui] = v[m];
      }
    });
  });
  const n = users.length;
  const rows: RankingRow[] = ks.map((k, ki) => {
    const s = sums[ki];
    const mean = (x: number): number => (n === 0 ? NaN : x / n);
    return { k, precision: mean(s.precision), recall: mean(s.recall), map: mean(s.map), ndcg: mean(s.ndcg), mrr: mean(s.mrr), hitRate: mean(s.hitRate) };
  });
  return {
    rows,
    users: n,
    excludedNoRelevant,
    missingRankings,
    ...(options.keepPerUser ? { perUser: { users, values: perUser } } : {}),
  };
}
