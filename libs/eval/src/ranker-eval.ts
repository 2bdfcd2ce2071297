import { EvrecError, createRng, silentProgress, type Logger, type ProgressReporter } from '@evrec/core';
import { interactionsBefore, type InMemoryDataset } from '@evrec/data';
import type { EmbeddingsComponent } from '@evrec/embeddings';
import { EventTextCache, FEATURE_GROUPS, ReplayActivity, type FeatureGroup } from '@evrec/features';
import { calibrationBins, eceFromBins, evaluateRankings, logLoss, pairedBootstrapCi, prAuc, rocAuc, type CalibrationBin } from '@evrec/metrics';
import {
  ContextInvites,
  PopularityIndex,
  assembleExamples,
  buildExamples,
  encodeGroups,
  resolvePositiveWeights,
  trainRanker,
  type AssembledGroup,
  type CandidateSource,
  type FeatureContext,
  type Ranker,
  type RankerExample,
  type TrainRankerOptions,
} from '@evrec/ranker';
import { RETRIEVAL_DEFAULTS, ReplayRetrieval, isLiveAt, vectorsForEvents, type RetrievalOptions } from '@evrec/retrieval';
import { ablationDrops, type AblationReport } from './ablation.ts';
import { defaultRetrievalSplit, testRegistrations } from './retrieval-eval.ts';

/** The orderings compared: the neural ranker, the logistic-regression baseline, point-in-time popularity, retrieval's own score. */
export const RANKER_EVAL_MODELS = ['nn', 'lr', 'popularity', 'retrieval'] as const;
export type RankerEvalModel = (typeof RANKER_EVAL_MODELS)[number];

/** Per-user ranking means at one cut-off. */
export interface AtK {
  precision: number;
  recall: number;
  map: number;
  ndcg: number;
}

/** One ordering's figures on one candidate set. */
export interface ModelFigures {
  /** Over all rows (pairs) of the set; NaN where the ordering is constant. */
  auc: number;
  prAuc: number;
  /** Calibrated models only (`nn`, `lr`). */
  logLoss?: number;
  /** Keys are the cut-offs (`"5"`, `"10"`, `"20"`). */
  atK: Record<string, AtK>;
  /** Mean reciprocal rank of the first relevant item (whole list). */
  mrr: number;
}

/** One evaluated candidate set (the funnel's candidates at S, or the test exposures). */
export interface CandidateSetReport {
  /** (user, event) rows scored. */
  rows: number;
  positives: number;
  /** Users averaged over (≥ 1 relevant item). */
  users: number;
  models: Record<RankerEvalModel, ModelFigures>;
}

export interface FunnelReport extends CandidateSetReport {
  /** Events live at S (the corpus retrieval searched). */
  liveEvents: number;
  meanCandidates: number;
  /** Test registrations of the evaluated users on events live at S. */
  relevantPairs: number;
  /** Share of those that retrieval put among the candidates: the ceiling of every ordering's recall. */
  candidateRecall: number;
}

export interface PairedComparison {
  set: 'funnel' | 'exposures';
  a: RankerEvalModel;
  b: RankerEvalModel;
  /** e.g. `map@10`. */
  metric: string;
  estimate: number;
  lower: number;
  upper: number;
  /** One-sided bootstrap p-value of "a beats b". */
  shareAtOrBelowZero: number;
}

export interface RankerEvalReport {
  dataset: string;
  /** Split time S: everything trains strictly before it, the test is [S, end of the log]. */
  splitAt: number;
  splitAtIso: string;
  horizonDays: number;
  ks: number[];
  epochs: number;
  /** Hard negatives per positive used in training (0 = off). */
  hardNegatives: number;
  training: { trainExamples: number; validExposures: number; validNnAuc: number; validLrAuc: number; nnEpochs: number; lrEpochs: number; seconds: number };
  /** Ranking the retrieval candidates produced at S; relevant = the user's registrations in [S, S + horizon). */
  funnel: FunnelReport;
  /** Ranking each user's test exposures (impressions, organic positives, dismissals after S), each as of its own time. */
  exposures: CandidateSetReport;
  /** Reliability of the calibrated probabilities on the test exposures (10 uniform bins). */
  calibration: { nn: { bins: CalibrationBin[]; ece: number }; lr: { bins: CalibrationBin[]; ece: number } };
  comparisons: PairedComparison[];
  ablation?: AblationReport;
  seconds: number;
}

export interface EvaluateRankerOptions {
  dataset: InMemoryDataset;
  /** Two-tower model and event vectors trained strictly before `splitAt` (retrieval, the retrieval-score order and hard negatives). */
  embeddings: Pick<EmbeddingsComponent, 'model' | 'eventIds' | 'eventVectors'> & { meta?: { until: number } };
  /** Split time S. Default: 80% of the interactions before it (`defaultRetrievalSplit`). */
  splitAt?: number;
  /** Ranking cut-offs. Default [5, 10, 20]. */
  ks?: number[];
  /** Training epochs of every ranker (the full one and each ablation). Default 5. */
  epochs?: number;
  /** Hard negatives per positive from the two-tower retrieval (see {@link twoTowerCandidateSource}). Default 0 (off). */
  hardNegatives?: number;
  /** Retrain without each feature group and report the drops. Default true. */
  ablation?: boolean;
  /** Groups to ablate. Default every group of `FEATURE_GROUPS`. */
  ablationGroups?: readonly FeatureGroup[];
  /** Evaluate the funnel for at most this many test users (seeded sample). Default all. */
  maxUsers?: number;
  /** Retrieval settings (horizon, radius, source sizes). Defaults `RETRIEVAL_DEFAULTS`. */
  retrieval?: RetrievalOptions;
  /** Further ranker training options (loss, network, validFraction...). `until`, `epochs`, `excludeGroups` are set here. */
  train?: Omit<TrainRankerOptions, 'until' | 'epochs' | 'excludeGroups' | 'progress' | 'logger' | 'seed'>;
  /** Paired bootstrap resamples for the comparisons. Default 1000. */
  bootstrapResamples?: number;
  /** Seed of training, sampling and the bootstrap. Default 42. */
  seed?: number;
  progress?: ProgressReporter;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** A scored candidate set: the rows' features (assembled once) and the fixed orderings. */
interface PreparedSet {
  groups: AssembledGroup[];
  /** Rows in `groups` order. */
  examples: RankerExample[];
  labels: Float32Array;
  /** Scores of the orderings that need no ranker, per row. */
  fixed: { popularity: Float64Array; retrieval: Float64Array };
  /** user → relevant events (for the ranking metrics). */
  relevant: Map<string, Set<string>>;
}

interface SetScores {
  figures: CandidateSetReport;
  /** Per-user values (`map@10`, ...) per model, users in `relevant`'s order (with ≥ 1 relevant). */
  perUser: Record<RankerEvalModel, Record<string, Float64Array>>;
  probabilities: { nn: Float32Array; lr: Float32Array };
}

function byUser(examples: readonly RankerExample[], scores: ArrayLike<number>): Map<string, string[]> {
  // Best score per (user, event): an event exposed several times keeps its highest score.
  const best = new Map<string, Map<string, number>>();
  examples.forEach((ex, i) => {
    let m = best.get(ex.userId);
    if (m === undefined) best.set(ex.userId, (m = new Map()));
    m.set(ex.eventId, Math.max(m.get(ex.eventId) ?? -Infinity, scores[i]));
  });
  const out = new Map<string, string[]>();
  for (const [u, m] of best) {
    out.set(u, [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([e]) => e));
  }
  return out;
}

/** AUC / PR-AUC are undefined for a one-class set; report NaN instead of throwing. */
function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return NaN;
  }
}

/**
 * Figures of every ordering on one prepared set: AUC, PR-AUC (and log-loss for the calibrated
 * models) over the rows, and per-user P@k, R@k, MAP@k, nDCG@k and MRR over each user's list.
 */
export function figuresForOrderings(
  examples: readonly RankerExample[],
  labels: Float32Array,
  relevant: ReadonlyMap<string, ReadonlySet<string>>,
  scores: Record<RankerEvalModel, ArrayLike<number>>,
  ks: readonly number[],
): { figures: CandidateSetReport['models']; perUser: Record<RankerEvalModel, Record<string, Float64Array>>; users: number } {
  const figures = {} as CandidateSetReport['models'];
  const perUser = {} as Record<RankerEvalModel, Record<string, Float64Array>>;
  let users = 0;
  const withMrr = [...ks, Number.MAX_SAFE_INTEGER];
  for (const name of RANKER_EVAL_MODELS) {
    const s = scores[name];
    const finite = Float64Array.from({ length: s.length }, (_, i) => (Number.isFinite(s[i]) ? s[i] : -1e30));
    const report = evaluateRankings(byUser(examples, finite), relevant, withMrr, { keepPerUser: true });
    users = report.users;
    const atK: Record<string, AtK> = {};
    report.rows.slice(0, ks.length).forEach((r) => (atK[String(r.k)] = { precision: r.precision, recall: r.recall, map: r.map, ndcg: r.ndcg }));
    figures[name] = {
      auc: safe(() => rocAuc(labels, finite)),
      prAuc: safe(() => prAuc(labels, finite)),
      logLoss: name === 'nn' || name === 'lr' ? safe(() => logLoss(labels, s)) : undefined,
      atK,
      mrr: report.rows[report.rows.length - 1].mrr,
    };
    perUser[name] = report.perUser?.values ?? {};
  }
  return { figures, perUser, users };
}

function scoreSet(ranker: Ranker, ctx: FeatureContext, set: PreparedSet, ks: readonly number[]): SetScores {
  const m = encodeGroups(ranker.spec, set.groups, { ...ctx, towers: ranker.towers });
  const nn = ranker.probabilities('nn', m);
  const lr = ranker.probabilities('lr', m);
  const { figures, perUser, users } = figuresForOrderings(set.examples, set.labels, set.relevant, { nn, lr, ...set.fixed }, ks);
  let positives = 0;
  for (const l of set.labels) positives += l;
  return { figures: { rows: set.examples.length, positives, users, models: figures }, perUser, probabilities: { nn, lr } };
}

/** Flat headline figures of one ranker (what the ablation compares). */
export function headline(funnel: CandidateSetReport, exposures: CandidateSetReport, model: 'nn' | 'lr' = 'nn'): Record<string, number> {
  const f = funnel.models[model];
  const e = exposures.models[model];
  return {
    'exposures.auc': e.auc,
    'exposures.log_loss': e.logLoss ?? NaN,
    'exposures.map@10': e.atK['10']?.map ?? NaN,
    'exposures.ndcg@10': e.atK['10']?.ndcg ?? NaN,
    'funnel.map@10': f.atK['10']?.map ?? NaN,
    'funnel.ndcg@10': f.atK['10']?.ndcg ?? NaN,
  };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * A hard-negative source for `buildExamples` (`negatives.hard.candidates`): the two-tower
 * neighbours of the user among the events live at the query time — the ANN source of retrieval,
 * scanned exactly. The user vector is the one retrieval computes at the session time (≤ S), so
 * negatives never depend on the test window; query times before S only pick among events live then.
 */
export function twoTowerCandidateSource(session: ReplayRetrieval, events: Pick<EmbeddingsComponent, 'model' | 'eventIds' | 'eventVectors'>): CandidateSource {
  const { dataset } = session;
  const d = events.model.dims;
  const all = [...dataset.events.values()].filter((e) => e.startsAt !== undefined);
  const { vectors } = vectorsForEvents(events, all);
  const userVector = new Map<string, Float32Array>();
  return ({ userId, at, k, exclude }) => {
    let uv = userVector.get(userId);
    if (uv === undefined) {
      uv = session.userVectors([{ user: dataset.users.get(userId), activity: session.userActivity(userId) }])[0];
      userVector.set(userId, uv);
    }
    const scored: Array<[string, number]> = [];
    all.forEach((e, i) => {
      if (exclude.has(e.id) || !isLiveAt(e, at, session.horizonDays)) return;
      scored.push([e.id, dot(uv, vectors.subarray(i * d, (i + 1) * d))]);
    });
    scored.sort((a, b) => b[1] - a[1]);
    return scored.slice(0, k).map(([id]) => id);
  };
}

/**
 * Offline evaluation of the pointwise ranker on a temporal split at S:
 * 1. trains the NN and LR rankers on interactions strictly before S (`trainRanker`, `until` = S);
 * 2. funnel: replays retrieval at S for every user with test registrations (on events live at S,
 *    within the horizon) and orders each user's candidates by NN, LR, popularity before S and the
 *    merged retrieval score — relevant = the user's registrations in [S, S + horizon);
 * 3. exposures: the impressions, organic positives and dismissals after S, each scored with
 *    features as of its own time, ordered per user (retrieval order = two-tower similarity at S);
 * 4. AUC, PR-AUC, log-loss, the reliability curve, P/R/MAP/nDCG@k and MRR, paired bootstrap CIs of
 *    NN vs each baseline, and (optionally) retraining without each feature group.
 */
export async function evaluateRanker(options: EvaluateRankerOptions): Promise<RankerEvalReport> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const { dataset, embeddings } = options;
  const splitAt = options.splitAt ?? defaultRetrievalSplit(dataset);
  const embUntil = embeddings.meta?.until;
  if (embUntil !== undefined && embUntil > splitAt) {
    throw new EvrecError('INVALID_INPUT', `the embeddings were trained on interactions up to ${new Date(embUntil).toISOString()}, after the split ${new Date(splitAt).toISOString()}: the test window would leak into training`, { field: 'splitAt' });
  }
  const ks = (options.ks ?? [5, 10, 20]).slice().sort((a, b) => a - b);
  const epochs = options.epochs ?? 5;
  const seed = options.seed ?? 42;
  const rng = createRng(seed);
  const retrieval: RetrievalOptions = { ...options.retrieval };
  const horizonDays = retrieval.horizonDays ?? RETRIEVAL_DEFAULTS.horizonDays;
  const lastAt = dataset.interactions[dataset.interactions.length - 1]?.at ?? splitAt;
  const end = Math.max(splitAt, lastAt) + 1;
  const before = interactionsBefore(dataset, splitAt);
  const positives = resolvePositiveWeights(before, options.train?.positives);

  const session = await ReplayRetrieval.open({ dataset, embeddings, at: splitAt, horizonDays, progress });
  const hardPer = options.hardNegatives ?? 0;
  const trainOptions: TrainRankerOptions = {
    ...options.train,
    until: splitAt,
    epochs,
    seed,
    progress,
    logger: options.logger,
    negatives: hardPer > 0 ? { ...options.train?.negatives, hard: { candidates: twoTowerCandidateSource(session, embeddings), perPositive: hardPer } } : options.train?.negatives,
  };

  options.logger?.info({ splitAt: new Date(splitAt).toISOString(), epochs, hardNegatives: hardPer }, 'training the ranker before the split');
  const { ranker, report: trainReport } = await trainRanker(dataset, trainOptions);
  const ctx: FeatureContext = { dataset, reader: new ReplayActivity(dataset), textCache: new EventTextCache(), contextInvites: new ContextInvites(dataset.interactions) };
  const popularity = new PopularityIndex(before, positives.weights.keys());

  // Funnel: retrieval candidates at S.
  const live = new Set(session.liveIds);
  const { relevant } = testRegistrations({
    interactions: dataset.interactions,
    splitAt,
    horizonDays,
    live,
    heldAt: (userId, eventId) => session.activity.snapshotSync({ userId, eventIds: [], at: splitAt }).user.registeredEventIds.includes(eventId),
  });
  let users = [...relevant.keys()].sort();
  if (options.maxUsers !== undefined && users.length > options.maxUsers) users = rng.fork('users').shuffle(users).slice(0, options.maxUsers).sort();
  const funnelRelevant = new Map(users.map((u) => [u, relevant.get(u) ?? new Set<string>()]));
  const funnelExamples: RankerExample[] = [];
  const retrievalScore = new Map<string, number>();
  let candidateCount = 0;
  let relevantPairs = 0;
  let relevantRetrieved = 0;
  for (let s = 0; s < users.length; s += 256) {
    const batch = users.slice(s, s + 256);
    const results = await session.retrieveMany(batch.map((userId) => ({ userId })), retrieval);
    batch.forEach((u, i) => {
      const rel = funnelRelevant.get(u) ?? new Set<string>();
      const cands = results[i].candidates;
      candidateCount += cands.length;
      relevantPairs += rel.size;
      for (const c of cands) {
        const label = rel.has(c.eventId) ? 1 : 0;
        relevantRetrieved += label;
        funnelExamples.push({ userId: u, eventId: c.eventId, at: splitAt, label, weight: 1, source: 'impression' });
        retrievalScore.set(`${u}\u0000${c.eventId}`, c.score);
      }
    });
    progress({ stage: 'eval.ranker.funnel', done: Math.min(users.length, s + 256), total: users.length });
  }
  const funnelGroups = await assembleExamples(ctx, funnelExamples, progress, 'eval.ranker.features.funnel');
  const funnelRows = funnelGroups.flatMap((g) => g.examples);
  const funnel: PreparedSet = {
    groups: funnelGroups,
    examples: funnelRows,
    labels: Float32Array.from(funnelRows, (e) => e.label),
    fixed: {
      popularity: Float64Array.from(funnelRows, (e) => popularity.countBefore(e.eventId, splitAt)),
      retrieval: Float64Array.from(funnelRows, (e) => retrievalScore.get(`${e.userId}\u0000${e.eventId}`) ?? -Infinity),
    },
    relevant: funnelRelevant,
  };

  // Exposures after S, each as of its own time.
  const test = await buildExamples(dataset.interactions, dataset.events, { positives: positives.weights, from: splitAt, to: end, labelUntil: end, sampled: false, rng: rng.fork('test') });
  const exposureGroups = await assembleExamples(ctx, test.examples, progress, 'eval.ranker.features.exposures');
  const exposureRows = exposureGroups.flatMap((g) => g.examples);
  const exposureUsers = [...new Set(exposureRows.map((e) => e.userId))].sort();
  const userVec = new Map<string, Float32Array>();
  for (let s = 0; s < exposureUsers.length; s += 256) {
    const batch = exposureUsers.slice(s, s + 256);
    session.userVectors(batch.map((u) => ({ user: dataset.users.get(u), activity: session.userActivity(u) }))).forEach((v, i) => userVec.set(batch[i], v));
  }
  const exposureEvents = [...new Set(exposureRows.map((e) => e.eventId))].flatMap((id) => dataset.events.get(id) ?? []);
  const { vectors: evVectors } = vectorsForEvents(embeddings, exposureEvents);
  const d = embeddings.model.dims;
  const evRow = new Map(exposureEvents.map((e, i) => [e.id, i]));
  const exposureRelevant = new Map<string, Set<string>>();
  for (const e of exposureRows) {
    let s = exposureRelevant.get(e.userId);
    if (s === undefined) exposureRelevant.set(e.userId, (s = new Set()));
    if (e.label === 1) s.add(e.eventId);
  }
  const exposures: PreparedSet = {
    groups: exposureGroups,
    examples: exposureRows,
    labels: Float32Array.from(exposureRows, (e) => e.label),
    fixed: {
      popularity: Float64Array.from(exposureRows, (e) => popularity.countBefore(e.eventId, e.at)),
      retrieval: Float64Array.from(exposureRows, (e) => {
        const uv = userVec.get(e.userId);
        const r = evRow.get(e.eventId);
        return uv === undefined || r === undefined ? -Infinity : dot(uv, evVectors.subarray(r * d, (r + 1) * d));
      }),
    },
    relevant: exposureRelevant,
  };

  const funnelScores = scoreSet(ranker, ctx, funnel, ks);
  const exposureScores = scoreSet(ranker, ctx, exposures, ks);
  const nnBins = calibrationBins(exposures.labels, exposureScores.probabilities.nn, { bins: 10 });
  const lrBins = calibrationBins(exposures.labels, exposureScores.probabilities.lr, { bins: 10 });

  const comparisons: PairedComparison[] = [];
  const resamples = options.bootstrapResamples ?? 1000;
  for (const [set, scores] of [['funnel', funnelScores], ['exposures', exposureScores]] as const) {
    for (const metric of ['map@10', 'ndcg@10']) {
      for (const b of ['lr', 'popularity', 'retrieval'] as const) {
        const av = scores.perUser.nn[metric];
        const bv = scores.perUser[b][metric];
        if (av === undefined || bv === undefined || av.length === 0) continue;
        const ci = pairedBootstrapCi(av, bv, { resamples, seed: `${seed}:${set}:${metric}:${b}` });
        comparisons.push({ set, a: 'nn', b, metric, estimate: ci.estimate, lower: ci.lower, upper: ci.upper, shareAtOrBelowZero: ci.shareAtOrBelowZero });
      }
    }
  }

  let ablation: AblationReport | undefined;
  if (options.ablation ?? true) {
    const full = headline(funnelScores.figures, exposureScores.figures);
    const variants: Array<{ group: FeatureGroup; figures: Record<string, number>; seconds: number }> = [];
    for (const group of options.ablationGroups ?? FEATURE_GROUPS) {
      const t = performance.now();
      options.logger?.info({ group }, 'ablation: retraining without a feature group');
      const r = await trainRanker(dataset, { ...trainOptions, excludeGroups: [group] });
      try {
        variants.push({ group, figures: headline(scoreSet(r.ranker, ctx, funnel, ks).figures, scoreSet(r.ranker, ctx, exposures, ks).figures), seconds: (performance.now() - t) / 1000 });
      } finally {
        r.ranker.dispose();
      }
      progress({ stage: 'eval.ranker.ablation', done: variants.length, total: (options.ablationGroups ?? FEATURE_GROUPS).length, message: group });
    }
    ablation = ablationDrops(full, variants);
  }
  ranker.dispose();

  return {
    dataset: dataset.manifest.name,
    splitAt,
    splitAtIso: new Date(splitAt).toISOString(),
    horizonDays,
    ks,
    epochs,
    hardNegatives: hardPer,
    training: {
      trainExamples: trainReport.train.examples,
      validExposures: trainReport.validation.rows,
      validNnAuc: trainReport.validation.nn.auc,
      validLrAuc: trainReport.validation.lr.auc,
      nnEpochs: trainReport.nnFit.epochs,
      lrEpochs: trainReport.lrFit.epochs,
      seconds: trainReport.seconds.total,
    },
    funnel: {
      ...funnelScores.figures,
      liveEvents: session.liveIds.length,
      meanCandidates: users.length === 0 ? 0 : candidateCount / users.length,
      relevantPairs,
      candidateRecall: relevantPairs === 0 ? NaN : relevantRetrieved / relevantPairs,
    },
    exposures: exposureScores.figures,
    calibration: { nn: { bins: nnBins, ece: eceFromBins(nnBins) }, lr: { bins: lrBins, ece: eceFromBins(lrBins) } },
    comparisons,
    ablation,
    seconds: (performance.now() - started) / 1000,
  };
}

const fmt = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** One table: models × metrics of a candidate set (the exact strings `formatRankerReport` prints). */
export function metricTable(set: CandidateSetReport, ks: readonly number[]): { header: string[]; rows: string[][] } {
  const header = ['model', 'AUC', 'PR-AUC', 'log-loss', ...ks.flatMap((k) => [`P@${k}`, `R@${k}`, `MAP@${k}`, `nDCG@${k}`]), 'MRR'];
  const rows = RANKER_EVAL_MODELS.map((name) => {
    const m = set.models[name];
    return [name, fmt(m.auc), fmt(m.prAuc), fmt(m.logLoss), ...ks.flatMap((k) => {
      const a = m.atK[String(k)];
      return [fmt(a?.precision), fmt(a?.recall), fmt(a?.map), fmt(a?.ndcg)];
    }), fmt(m.mrr)];
  });
  return { header, rows };
}

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** The report as plain-text tables (what `evrec eval ranker` prints). */
export function formatRankerReport(r: RankerEvalReport): string {
  const out: string[] = [];
  out.push(`ranker evaluation on ${r.dataset}: split at ${r.splitAtIso}, horizon ${r.horizonDays} d, ${r.epochs} epochs, hard negatives ${r.hardNegatives}/positive`);
  out.push(`training: ${r.training.trainExamples} examples, ${r.training.validExposures} validation exposures (valid AUC nn ${fmt(r.training.validNnAuc)}, lr ${fmt(r.training.validLrAuc)}), ${r.training.seconds.toFixed(0)} s`);
  out.push('', `funnel at S: ${r.funnel.users} users, ${r.funnel.liveEvents} live events, ${r.funnel.meanCandidates.toFixed(1)} candidates/user, ${r.funnel.rows} rows (${r.funnel.positives} relevant); candidate recall ${fmt(r.funnel.candidateRecall)} of ${r.funnel.relevantPairs} test registrations`);
  const f = metricTable(r.funnel, r.ks);
  out.push(textTable(f.header, f.rows));
  out.push('', `test exposures after S: ${r.exposures.rows} rows (${r.exposures.positives} positive), ${r.exposures.users} users with a positive`);
  const e = metricTable(r.exposures, r.ks);
  out.push(textTable(e.header, e.rows));
  out.push('', `calibration on the test exposures: ECE nn ${fmt(r.calibration.nn.ece, 4)}, lr ${fmt(r.calibration.lr.ece, 4)}`);
  if (r.comparisons.length > 0) {
    out.push('', 'paired bootstrap, users resampled (95% CI of the difference):');
    for (const c of r.comparisons) out.push(`  ${c.set.padEnd(9)} ${c.metric.padEnd(8)} ${c.a} − ${c.b.padEnd(10)} ${fmt(c.estimate, 4).padStart(8)}  [${fmt(c.lower, 4)}, ${fmt(c.upper, 4)}]  p(≤0) ${fmt(c.shareAtOrBelowZero, 3)}`);
  }
  if (r.ablation !== undefined) {
    out.push('', 'ablation (NN retrained without one feature group; drop = full − ablated, positive = the group helps):');
    const a = r.ablation;
    out.push(textTable(['without', ...a.metrics], a.rows.map((row) => [row.group, ...a.metrics.map((m) => fmt(row.drop[m], 4))])));
  }
  return out.join('\n');
}
