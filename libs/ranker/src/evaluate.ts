import { EvrecError, silentProgress, type ProgressReporter } from '@evrec/core';
import { evaluateRankings, logLoss, pairedBootstrapCi, prAuc, rocAuc } from '@evrec/metrics';
import type { Ranker } from './component.ts';
import { assembleExamples, encodeGroups, type FeatureContext } from './featurize.ts';
import type { PopularityIndex } from './popularity.ts';
import type { RankerExample } from './training-set.ts';

/** One scorer's figures over exposures. */
export interface ExposureFigures {
  /** Over all exposure rows. */
  auc: number;
  prAuc: number;
  /** Calibrated models only: log-loss and the mean probability (compare with the positive rate). */
  logLoss?: number;
  meanPredicted?: number;
  /** MAP@k and nDCG@k at the report's first cut-off `k`; MRR (whole list) — per user (users with ≥ 1 positive exposure), over that user's exposed events ranked by score. */
  map: number;
  ndcg: number;
  mrr: number;
  /** MAP and nDCG at every cut-off of `ks` (keys `"10"`, `"200"`). */
  atK: Record<string, { map: number; ndcg: number }>;
}

export interface ExposureReport {
  /** First cut-off (of `map` and `ndcg`). */
  k: number;
  /** Every cut-off of `atK`, ascending. */
  ks: number[];
  rows: number;
  positives: number;
  /** Users averaged over by the ranking metrics. */
  users: number;
  models: Record<'nn' | 'lr' | 'popularity', ExposureFigures>;
  /** NN − LR and NN − popularity on MAP@k and nDCG@k for every k: paired bootstrap over users. */
  comparisons: ExposureComparison[];
}

/** A paired bootstrap CI (users resampled) of the NN's per-user metric minus a baseline's. */
export interface ExposureComparison {
  baseline: 'lr' | 'popularity';
  /** e.g. `map@10`. */
  metric: string;
  estimate: number;
  /** 95% percentile interval. */
  lower: number;
  upper: number;
  /** Share of resamples with a difference ≤ 0 (a one-sided p-value of "the NN beats it"). */
  shareAtOrBelowZero: number;
}

export interface EvaluateExposuresOptions {
  /** Cut-offs of MAP and nDCG. Default [10, 200] (200: the Kaggle 2013 metric, MAP@200). */
  ks?: readonly number[];
  /** Bootstrap resamples of the comparisons. Default 1000. */
  bootstrapResamples?: number;
  /** Seed of the bootstrap. Default 42. */
  seed?: number;
  progress?: ProgressReporter;
}

function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / Math.max(1, xs.length);
}

/**
 * Scores exposures (impressions, organic positives, dismissals of a later time window) with the
 * NN, the LR baseline and point-in-time popularity, each row with features as of its own time,
 * then ranks each user's exposed events by score (an event exposed several times keeps its highest
 * score and any positive label) and averages MAP@k, nDCG@k and MRR over users with a positive.
 */
export async function evaluateExposures(ranker: Ranker, ctx: FeatureContext, examples: readonly RankerExample[], popularity: PopularityIndex, options: EvaluateExposuresOptions = {}): Promise<ExposureReport> {
  const ks = [...new Set(options.ks ?? [10, 200])].sort((a, b) => a - b);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) throw new EvrecError('INVALID_INPUT', `cut-offs must be positive integers, got [${ks.join(', ')}]`, { field: 'ks' });
  const k = ks[0];
  const groups = await assembleExamples(ctx, examples, options.progress ?? silentProgress, 'ranker.features.test');
  const m = encodeGroups(ranker.spec, groups, { ...ctx, towers: ranker.towers });
  const scores = {
    nn: ranker.probabilities('nn', m),
    lr: ranker.probabilities('lr', m),
    popularity: Float64Array.from(m.examples, (ex) => popularity.countBefore(ex.eventId, ex.at)),
  };
  let positives = 0;
  for (const l of m.labels) positives += l;

  const models = {} as ExposureReport['models'];
  let users = 0;
  const perUser = {} as Record<'nn' | 'lr' | 'popularity', Record<string, Float64Array>>;
  for (const name of ['nn', 'lr', 'popularity'] as const) {
    const s = scores[name];
    const best = new Map<string, Map<string, { score: number; label: number }>>();
    m.examples.forEach((ex, i) => {
      let perUser = best.get(ex.userId);
      if (perUser === undefined) best.set(ex.userId, (perUser = new Map()));
      const prev = perUser.get(ex.eventId);
      perUser.set(ex.eventId, { score: Math.max(prev?.score ?? -Infinity, s[i]), label: Math.max(prev?.label ?? 0, ex.label) });
    });
    const rankings = new Map<string, string[]>();
    const relevant = new Map<string, Set<string>>();
    for (const [u, perUser] of best) {
      const entries = [...perUser.entries()].sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      rankings.set(u, entries.map(([e]) => e));
      relevant.set(u, new Set(entries.filter(([, v]) => v.label === 1).map(([e]) => e)));
    }
    const report = evaluateRankings(rankings, relevant, ks, { keepPerUser: true });
    perUser[name] = report.perUser?.values ?? {};
    users = report.users;
    const row = report.rows[0];
    const atK: Record<string, { map: number; ndcg: number }> = {};
    for (const r of report.rows) atK[String(r.k)] = { map: r.map, ndcg: r.ndcg };
    models[name] = {
      auc: rocAuc(m.labels, s),
      prAuc: prAuc(m.labels, s),
      logLoss: name === 'popularity' ? undefined : logLoss(m.labels, s),
      meanPredicted: name === 'popularity' ? undefined : mean(s),
      map: row.map,
      ndcg: row.ndcg,
      mrr: row.mrr,
      atK,
    };
  }
  const comparisons: ExposureComparison[] = [];
  for (const baseline of ['lr', 'popularity'] as const) {
    for (const metric of ks.flatMap((c) => [`map@${c}`, `ndcg@${c}`])) {
      const a = perUser.nn[metric];
      const b = perUser[baseline][metric];
      if (a === undefined || b === undefined || a.length === 0) continue;
      const ci = pairedBootstrapCi(a, b, { resamples: options.bootstrapResamples ?? 1000, seed: `${options.seed ?? 42}:${metric}:${baseline}` });
      comparisons.push({ baseline, metric, estimate: ci.estimate, lower: ci.lower, upper: ci.upper, shareAtOrBelowZero: ci.shareAtOrBelowZero });
    }
  }
  return { k, ks, rows: m.rows, positives, users, models, comparisons };
}
