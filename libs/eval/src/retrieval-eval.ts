import {
  EvrecError,
  MS_PER_DAY,
  createRng,
  isRegistration,
  silentProgress,
  type Interaction,
  type ProgressReporter,
} from '@evrec/core';
import type { AnnIndex } from '@evrec/ann';
import { splitCutsByQuantile, type InMemoryDataset } from '@evrec/data';
import { trainTwoTower, type EmbeddingsComponent, type TwoTowerModel, type TwoTowerTrainOptions } from '@evrec/embeddings';
import { evaluateRankings, pairedBootstrapCi } from '@evrec/metrics';
import {
  RETRIEVAL_DEFAULTS,
  ReplayRetrieval,
  RuleSet,
  resolveLocation,
  sourceList,
  type CandidateSource,
  type RetrievalOptions,
} from '@evrec/retrieval';
import { popularNearbyRanking, popularityRanking, randomRanking } from './baselines.ts';

/** What a row of the report measures. */
export type RetrievalMethodKind = 'source' | 'merged' | 'baseline' | 'diagnostic' | 'variant';

/** Recall@k and MRR over one subset of the relevant pairs (cold or warm events). */
export interface SegmentScore {
  recall: Record<string, number>;
  mrr: number;
}

/** One method's recall and MRR over the evaluated users. */
export interface RetrievalMethodRow {
  /** `ann`, `friends`, `popular`, `new`, `merged`, `ann-exact`, `ann-no-rules`, `random`, `popularity`, `popular-nearby`. */
  name: string;
  kind: RetrievalMethodKind;
  description: string;
  /** Mean recall@k per k (users with an empty list score 0, they are not skipped). */
  recall: Record<string, number>;
  /** Mean reciprocal rank of the first relevant event within the list (cut at the largest k). */
  mrr: number;
  /** Mean recall over the whole list, however long (the merged set can exceed the largest k). */
  recallAll: number;
  /** Mean list length. */
  meanListLength: number;
  /** The same over cold relevant events only (no interaction of any type before S), per user with one. */
  cold: SegmentScore;
  /** The same over warm relevant events only (some interaction before S). */
  warm: SegmentScore;
}

export interface RetrievalEvalReport {
  dataset: string;
  /** The split time S (epoch ms and ISO): state strictly before, test window [S, S + horizon). */
  splitAt: number;
  splitAtIso: string;
  horizonDays: number;
  radiusKm: number;
  ks: number[];
  /** Events live at S: the corpus every method ranks from (never sampled). */
  liveEvents: number;
  /** Users with at least one test registration on a live event (all of them, or a seeded sample). */
  users: number;
  /** Users with test registrations, before sampling. */
  usersWithTestRegistrations: number;
  /** (user, event) test registrations on live events. */
  relevantPairs: number;
  /** Test registrations left out because their event was not live at S (published later, or starting after the horizon). */
  notLivePairs: number;
  /** Test-window registrations or attendances left out because the user already held a registration at S. */
  alreadyRegisteredPairs: number;
  /** Evaluated users and relevant pairs on cold events (no interaction before S) and on warm ones. */
  segments: { cold: { users: number; pairs: number }; warm: { users: number; pairs: number } };
  rows: RetrievalMethodRow[];
  /**
   * How much the HNSW approximation loses: mean |ANN top k ∩ exact top k| / |exact top k|, under the
   * same rules (`overlap@k`; small allowed sets are scanned exactly, so often 1) and over every live
   * event with no rules (`noRules.overlap@k`: the plain graph search).
   */
  annVsExact: Record<string, number>;
  /** Paired bootstrap (users resampled) of recall@(smallest k) differences: ANN and merged set vs popularity and popular-nearby. */
  comparisons: Array<{ a: string; b: string; metric: string; estimate: number; lower: number; upper: number; shareAtOrBelowZero: number }>;
  /**
   * Why relevant events fail the rules at S (per relevant pair; `pass` = reachable by the rule-bound
   * sources). The share passing is the recall ceiling of every rule-bound source and of the merged set.
   */
  ruleOutcomes: Record<string, number>;
  /**
   * References bound by the same rules as every retrieval source: `ceiling` is the mean per-user
   * share of relevant events that pass the rules at S (no rule-bound list, the merged set included,
   * can recall more); `popularNearbyAllowed` scores the popular-nearby baseline with the events failing
   * the rules removed. The plain `popular-nearby` row ranks events the rules forbid (sold out, too far,
   * dismissed) and, when the live corpus is smaller than k, every live event.
   */
  ruleBound: { ceiling: number; popularNearbyAllowed: { recall: Record<string, number>; mrr: number } };
  /** How many users' requests were answered by each ANN path (exact scan of allowed ids, in-graph filter). */
  annPaths: Record<string, number>;
  seconds: number;
}

export interface EvaluateRetrievalOptions {
  dataset: InMemoryDataset;
  /**
   * Two-tower model and event vectors, trained on interactions strictly before `splitAt`
   * (`meta.until` is checked when present: a later one leaks the test window into training).
   */
  embeddings: Pick<EmbeddingsComponent, 'model' | 'eventIds' | 'eventVectors'> & { meta?: { until: number } };
  /** Split time S. Default: the time leaving the last 20% of interactions after it (`defaultRetrievalSplit`). */
  splitAt?: number;
  /** An index to reuse; live events it lacks are added. Default: built over the events live at S. */
  index?: AnnIndex;
  /** Recall cut-offs. Default [10, 50, 100, 500]. */
  ks?: number[];
  /** Evaluate at most this many users (seeded sample). Default all. */
  maxUsers?: number;
  /** Seed of the user sample and the random baseline. Default 42. */
  seed?: number;
  /** Retrieval settings (horizon, radius, source sizes). Defaults `RETRIEVAL_DEFAULTS`. */
  retrieval?: RetrievalOptions;
  /** Users per batch (one user-tower pass each). Default 256. */
  batchSize?: number;
  /**
   * Also train and score the tower variants on the interactions before S: `tower-id-only` (event id
   * and pooled history ids only) and `tower-content-only` (event-id term dropped always), beside
   * `tower-full` (the given model), each an exact ranking of every live event, no rules. Costs two
   * trainings. Default false.
   */
  variants?: boolean;
  /** Training options of the variants (use the full model's, e.g. its epochs). Default: the embeddings defaults. */
  variantTraining?: Omit<TwoTowerTrainOptions, 'until' | 'progress' | 'contentInputs' | 'eventIdDropout'>;
  progress?: ProgressReporter;
}

/** Events with any interaction strictly before `splitAt` (the rest are cold at S). */
export function eventsSeenBefore(interactions: readonly Interaction[], splitAt: number): Set<string> {
  const seen = new Set<string>();
  for (const x of interactions) if (x.at < splitAt) seen.add(x.eventId);
  return seen;
}

/** Splits each user's relevant events into cold (not in `seen`) and warm ones; users without any of a kind are left out of it. */
export function splitColdWarm(
  relevant: ReadonlyMap<string, ReadonlySet<string>>,
  seen: ReadonlySet<string>,
): { cold: Map<string, Set<string>>; warm: Map<string, Set<string>> } {
  const cold = new Map<string, Set<string>>();
  const warm = new Map<string, Set<string>>();
  for (const [u, events] of relevant) {
    for (const e of events) {
      const m = seen.has(e) ? warm : cold;
      let s = m.get(u);
      if (s === undefined) m.set(u, (s = new Set()));
      s.add(e);
    }
  }
  return { cold, warm };
}

/**
 * Exact top k of `ids` by inner product with `query` (`vectors`: ids.length × d, row-major).
 * Ties keep the order of `ids`.
 */
export function topKByDot(query: Float32Array, vectors: Float32Array, ids: readonly string[], k: number): string[] {
  const d = query.length;
  const scores = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += query[j] * vectors[o + j];
    scores[i] = s;
  }
  const order = Array.from(ids.keys());
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).map((i) => ids[i]);
}

/** Default split time: 80% of the interactions before it, 20% after. */
export function defaultRetrievalSplit(dataset: InMemoryDataset, testFraction = 0.2): number {
  return splitCutsByQuantile(dataset.interactions, { validFraction: 0, testFraction }).validEnd;
}

export interface TestRegistrationsInput {
  /** All interactions, ascending by `at`. */
  interactions: readonly Interaction[];
  splitAt: number;
  horizonDays: number;
  /** Ids of the events live at S. */
  live: ReadonlySet<string>;
  /** Whether the user still held a registration on the event at S (asked only for pairs registered before S). */
  heldAt: (userId: string, eventId: string) => boolean;
}

export interface TestRegistrations {
  /** User → events they newly registered for (or attended) in [S, S + horizon) that were live at S. */
  relevant: Map<string, Set<string>>;
  notLivePairs: number;
  alreadyRegisteredPairs: number;
}

/**
 * The relevant events of a retrieval test: per user, the events with a registration or attendance
 * in [S, S + horizon) that were live at S and that the user did not already hold at S (attending an
 * event booked before S is not a new choice retrieval could have made).
 */
export function testRegistrations(input: TestRegistrationsInput): TestRegistrations {
  const { interactions, splitAt, live, heldAt } = input;
  const end = splitAt + input.horizonDays * MS_PER_DAY;
  const relevant = new Map<string, Set<string>>();
  let notLivePairs = 0;
  let alreadyRegisteredPairs = 0;
  const before = new Set<string>();
  const seen = new Set<string>();
  for (const x of interactions) {
    if (x.at >= end || !isRegistration(x.type)) continue;
    const key = `${x.userId}\u0000${x.eventId}`;
    if (x.at < splitAt) {
      before.add(key);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    // Registered before S: not new while still held; after a cancel before S it is a new choice.
    if (before.has(key) && heldAt(x.userId, x.eventId)) {
      alreadyRegisteredPairs++;
      continue;
    }
    if (!live.has(x.eventId)) {
      notLivePairs++;
      continue;
    }
    let s = relevant.get(x.userId);
    if (s === undefined) relevant.set(x.userId, (s = new Set()));
    s.add(x.eventId);
  }
  return { relevant, notLivePairs, alreadyRegisteredPairs };
}

/** Per k: |ANN top k ∩ exact top k| / |exact top k| (NaN when the exact list is empty). */
export function annOverlap(ann: readonly string[], exact: readonly string[], ks: readonly number[]): number[] {
  return ks.map((k) => {
    const top = new Set(exact.slice(0, k));
    if (top.size === 0) return NaN;
    let hit = 0;
    for (const id of ann.slice(0, k)) if (top.has(id)) hit++;
    return hit / top.size;
  });
}

export interface ScoredMethod {
  recall: Record<string, number>;
  mrr: number;
  recallAll: number;
  meanListLength: number;
  /** Per k, recall of each evaluated user (in `relevant`'s order). */
  perUserRecall: Record<string, Float64Array>;
}

/**
 * Recall@k, MRR (within the largest k) and recall of the whole list, averaged over the users of
 * `relevant` with at least one relevant event; a user without a list scores 0.
 */
export function scoreRetrievalMethod(
  rankings: ReadonlyMap<string, readonly string[]>,
  relevant: ReadonlyMap<string, ReadonlySet<string>>,
  ks: readonly number[],
): ScoredMethod {
  const report = evaluateRankings(rankings, relevant, ks, { keepPerUser: true });
  const recall: Record<string, number> = {};
  const perUserRecall: Record<string, Float64Array> = {};
  for (const row of report.rows) recall[String(row.k)] = row.recall;
  for (const k of ks) {
    const v = report.perUser?.values[`recall@${k}`];
    if (v !== undefined) perUserRecall[String(k)] = v;
  }
  let lengthSum = 0;
  let longest = 0;
  for (const l of rankings.values()) {
    lengthSum += l.length;
    longest = Math.max(longest, l.length);
  }
  return {
    recall,
    mrr: report.rows[report.rows.length - 1]?.mrr ?? NaN,
    recallAll: longest > 0 ? evaluateRankings(rankings, relevant, [longest]).rows[0].recall : report.users > 0 ? 0 : NaN,
    meanListLength: rankings.size === 0 ? 0 : lengthSum / rankings.size,
    perUserRecall,
  };
}

/** The popular-nearby baseline under the retrieval rules (reported in `ruleBound`, not as a row). */
const POPULAR_NEARBY_ALLOWED = 'popular-nearby-allowed';

const SOURCES: Array<{ name: CandidateSource; description: string }> = [
  { name: 'ann', description: 'two-tower ANN under the rule filters' },
  { name: 'friends', description: "events friends registered for" },
  { name: 'popular', description: 'popular upcoming events nearby (source)' },
  { name: 'new', description: 'brand-new events nearby (source)' },
];

/**
 * Offline retrieval evaluation on a temporal split at S: for every user who registers, in
 * [S, S + horizon), for events live at S, recall@k and MRR of each candidate source alone, of the
 * merged candidate set, and of the random / popularity / popular-nearby baselines — all ranked from
 * the whole live corpus, never a sample. Also what the HNSW approximation loses against an exact
 * search under the same rules. Requests replay the moment S exactly (`ReplayRetrieval`).
 */
export async function evaluateRetrieval(options: EvaluateRetrievalOptions): Promise<RetrievalEvalReport> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const { dataset } = options;
  const splitAt = options.splitAt ?? defaultRetrievalSplit(dataset);
  const until = options.embeddings.meta?.until;
  if (until !== undefined && until > splitAt) {
    throw new EvrecError(
      'INVALID_INPUT',
      `the embeddings were trained on interactions up to ${new Date(until).toISOString()}, after the split ${new Date(splitAt).toISOString()}: the test window would leak into training`,
      { field: 'splitAt' },
    );
  }
  const ks = (options.ks ?? [10, 50, 100, 500]).slice().sort((a, b) => a - b);
  const maxK = ks[ks.length - 1];
  const retrieval: RetrievalOptions = { ...options.retrieval };
  const horizonDays = retrieval.horizonDays ?? RETRIEVAL_DEFAULTS.horizonDays;
  const radiusKm = retrieval.radiusKm ?? RETRIEVAL_DEFAULTS.radiusKm;
  const annK = Math.max(retrieval.annK ?? RETRIEVAL_DEFAULTS.annK, maxK);

  const session = await ReplayRetrieval.open({ dataset, embeddings: options.embeddings, at: splitAt, horizonDays, index: options.index, progress });
  const live = new Set(session.liveIds);

  const { relevant, notLivePairs, alreadyRegisteredPairs } = testRegistrations({
    interactions: dataset.interactions,
    splitAt,
    horizonDays,
    live,
    heldAt: (userId, eventId) => session.activity.snapshotSync({ userId, eventIds: [], at: splitAt }).user.registeredEventIds.includes(eventId),
  });
  const usersWithTestRegistrations = relevant.size;
  let users = [...relevant.keys()].sort();
  const rng = createRng(options.seed ?? 42);
  if (options.maxUsers !== undefined && users.length > options.maxUsers) users = rng.fork('users').shuffle(users).slice(0, options.maxUsers).sort();
  const evaluated = new Map(users.map((u) => [u, relevant.get(u) ?? new Set<string>()]));

  const variantModels: Array<{ name: string; description: string; model: TwoTowerModel; owned: boolean }> = [];
  try {
    if (options.variants === true) {
      variantModels.push({ name: 'tower-full', description: 'the two-tower model, exact over every live event (no rules)', model: session.model, owned: false });
      const base = { ...options.variantTraining, until: splitAt, progress };
      progress({ stage: 'eval.retrieval.variants', done: 0, total: 2, message: 'training the ID-only tower' });
      const idOnly = await trainTwoTower(dataset, { ...base, contentInputs: false, eventIdDropout: 0 });
      variantModels.push({ name: 'tower-id-only', description: 'ID-only towers: hashed event id; user = pooled history ids', model: idOnly.model, owned: true });
      progress({ stage: 'eval.retrieval.variants', done: 1, total: 2, message: 'training the content-only tower' });
      const contentOnly = await trainTwoTower(dataset, { ...base, eventIdDropout: 1 });
      variantModels.push({ name: 'tower-content-only', description: 'content-only towers: event-id term always dropped', model: contentOnly.model, owned: true });
    }
    const catalog = session.catalog;
    const byPopularity = popularityRanking(session.liveIds, (id) => catalog.stats(id).registrations);
    const lists = new Map<string, Map<string, string[]>>();
    const put = (method: string, user: string, list: string[]): void => {
      let m = lists.get(method);
      if (m === undefined) lists.set(method, (m = new Map()));
      m.set(user, list);
    };
    const overlap = new Map<number, number[]>(ks.map((k) => [k, []]));
    const overlapNoRules = new Map<number, number[]>(ks.map((k) => [k, []]));
    const annPaths: Record<string, number> = {};
    const ruleOutcomes: Record<string, number> = {};
    const ceilingShares: number[] = [];
    const rngRandom = rng.fork('random');
    const batchSize = options.batchSize ?? 256;

    for (let s = 0; s < users.length; s += batchSize) {
      const batch = users.slice(s, s + batchSize);
      const requests = batch.map((userId) => ({ userId }));
      const results = await session.retrieveMany(requests, { ...retrieval, annK });
      const exact = await session.retrieveMany(requests, { ...retrieval, annK, sources: ['ann'], annExact: true });
      for (let i = 0; i < batch.length; i++) {
        const u = batch[i];
        const r = results[i];
        annPaths[r.annPath] = (annPaths[r.annPath] ?? 0) + 1;
        const rules = new RuleSet(catalog, {
          at: splitAt,
          horizonDays,
          near: r.location === null ? undefined : { lat: r.location.lat, lng: r.location.lng, radiusKm },
          registered: r.userActivity.registeredEventIds,
          dismissed: r.userActivity.dismissedEventIds,
        });
        const rel = evaluated.get(u) ?? new Set<string>();
        let passing = 0;
        for (const id of rel) {
          const why = rules.check(id) ?? 'pass';
          ruleOutcomes[why] = (ruleOutcomes[why] ?? 0) + 1;
          if (why === 'pass') passing++;
        }
        if (rel.size > 0) ceilingShares.push(passing / rel.size);
        for (const src of SOURCES) put(src.name, u, sourceList(r.candidates, src.name));
        put('merged', u, r.candidates.map((c) => c.eventId));
        const annList = sourceList(r.candidates, 'ann');
        const exactList = sourceList(exact[i].candidates, 'ann');
        put('ann-exact', u, exactList);
        annOverlap(annList, exactList, ks).forEach((v, i) => {
          if (!Number.isNaN(v)) overlap.get(ks[i])?.push(v);
        });
        put('random', u, randomRanking(session.liveIds, maxK, rngRandom.fork(u)));
        put('popularity', u, byPopularity.slice(0, maxK));
        const user = dataset.users.get(u);
        const location = resolveLocation({}, user, r.userActivity.history, (id) => dataset.events.get(id));
        const nearby = popularNearbyRanking({ byPopularity, events: dataset.events, location, radiusKm, k: live.size });
        put('popular-nearby', u, nearby.slice(0, maxK));
        put(POPULAR_NEARBY_ALLOWED, u, nearby.filter((id) => rules.check(id) === null).slice(0, maxK));
      }
      // The plain two-tower ranking over the live corpus (time window only; no radius or per-user rules).
      const vectors = session.userVectors(batch.map((u) => ({ user: dataset.users.get(u), activity: session.userActivity(u) })));
      batch.forEach((u, i) => {
        const approx = session.index.search(vectors[i], maxK, { filter: (id) => live.has(id) }).map((h) => h.id);
        const exactAll = session.index.exactSearch(vectors[i], maxK, { filter: (id) => live.has(id) }).map((h) => h.id);
        put('ann-no-rules', u, approx);
        annOverlap(approx, exactAll, ks).forEach((v, j) => {
          if (!Number.isNaN(v)) overlapNoRules.get(ks[j])?.push(v);
        });
      });
      progress({ stage: 'eval.retrieval', done: Math.min(users.length, s + batchSize), total: users.length });
    }

    if (variantModels.length > 0) {
      const liveEvents = session.liveIds.flatMap((id) => {
        const e = dataset.events.get(id);
        return e === undefined ? [] : [e];
      });
      const liveIds = liveEvents.map((e) => e.id);
      const inputs = users.map((u) => ({ user: dataset.users.get(u), history: session.historyEvents(session.userActivity(u)), context: { at: splitAt } }));
      for (const v of variantModels) {
        const eventVectors = new Float32Array(liveEvents.length * v.model.dims);
        v.model.embedEvents(liveEvents).forEach((x, i) => eventVectors.set(x, i * v.model.dims));
        v.model.embedUsers(inputs).forEach((q, i) => put(v.name, users[i], topKByDot(q, eventVectors, liveIds, maxK)));
      }
    }

    const describe: Record<string, { kind: RetrievalMethodKind; description: string }> = {
      ...Object.fromEntries(SOURCES.map((x) => [x.name, { kind: 'source' as const, description: x.description }])),
      merged: { kind: 'merged', description: 'all sources merged (reciprocal-rank fusion), deduplicated' },
      'ann-exact': { kind: 'diagnostic', description: 'two-tower, exact search under the same rules' },
      'ann-no-rules': { kind: 'diagnostic', description: 'two-tower over every live event (no radius or per-user rules)' },
      random: { kind: 'baseline', description: 'uniformly random live events' },
      popularity: { kind: 'baseline', description: 'most registrations before S among live events' },
      'popular-nearby': { kind: 'baseline', description: `most registrations within ${radiusKm} km, then the rest` },
    };
    for (const v of variantModels) describe[v.name] = { kind: 'variant', description: v.description };
    const order = ['ann', 'ann-exact', 'ann-no-rules', 'friends', 'popular', 'new', 'merged', 'random', 'popularity', 'popular-nearby', ...variantModels.map((v) => v.name)];
    const { cold, warm } = splitColdWarm(evaluated, eventsSeenBefore(dataset.interactions, splitAt));
    const segment = (m: ReadonlyMap<string, readonly string[]>, rel: Map<string, Set<string>>): SegmentScore => {
      const scored = scoreRetrievalMethod(m, rel, ks);
      return { recall: scored.recall, mrr: scored.mrr };
    };
    const perUserRecall = new Map<string, Float64Array>();
    const rows: RetrievalMethodRow[] = order.map((name) => {
      const m = lists.get(name) ?? new Map<string, string[]>();
      const scored = scoreRetrievalMethod(m, evaluated, ks);
      for (const [k, v] of Object.entries(scored.perUserRecall)) perUserRecall.set(`${name}@${k}`, v);
      return {
        name,
        ...describe[name],
        recall: scored.recall,
        mrr: scored.mrr,
        recallAll: scored.recallAll,
        meanListLength: scored.meanListLength,
        cold: segment(m, cold),
        warm: segment(m, warm),
      };
    });
    const pairsOf = (m: Map<string, Set<string>>): number => [...m.values()].reduce((n, x) => n + x.size, 0);

    // Paired over the same users: does the model beat each baseline at the tightest cut-off?
    const comparisons: RetrievalEvalReport['comparisons'] = [];
    const compareK = ks[0];
    for (const a of ['ann', 'merged']) {
      for (const b of ['popularity', 'popular-nearby']) {
        const va = perUserRecall.get(`${a}@${compareK}`);
        const vb = perUserRecall.get(`${b}@${compareK}`);
        if (va === undefined || vb === undefined || va.length === 0) continue;
        const ci = pairedBootstrapCi(va, vb, { seed: 'retrieval-eval', resamples: 1000 });
        comparisons.push({ a, b, metric: `recall@${compareK}`, estimate: ci.estimate, lower: ci.lower, upper: ci.upper, shareAtOrBelowZero: ci.shareAtOrBelowZero });
      }
    }

    const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
    const annVsExact: Record<string, number> = {};
    for (const k of ks) annVsExact[`overlap@${k}`] = mean(overlap.get(k) ?? []);
    for (const k of ks) annVsExact[`noRules.overlap@${k}`] = mean(overlapNoRules.get(k) ?? []);
    let relevantPairs = 0;
    for (const s of evaluated.values()) relevantPairs += s.size;

    return {
      dataset: dataset.manifest.name,
      splitAt,
      splitAtIso: new Date(splitAt).toISOString(),
      horizonDays,
      radiusKm,
      ks,
      liveEvents: live.size,
      users: users.length,
      usersWithTestRegistrations,
      relevantPairs,
      notLivePairs,
      alreadyRegisteredPairs,
      segments: { cold: { users: cold.size, pairs: pairsOf(cold) }, warm: { users: warm.size, pairs: pairsOf(warm) } },
      rows,
      annVsExact,
      comparisons,
      ruleOutcomes,
      ruleBound: {
        ceiling: mean(ceilingShares),
        popularNearbyAllowed: (() => {
          const scored = scoreRetrievalMethod(lists.get(POPULAR_NEARBY_ALLOWED) ?? new Map<string, string[]>(), evaluated, ks);
          return { recall: scored.recall, mrr: scored.mrr };
        })(),
      },
      annPaths,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const v of variantModels) if (v.owned) v.model.dispose();
  }
}

function pct(x: number): string {
  return Number.isFinite(x) ? (100 * x).toFixed(1) : '—';
}

/** Rows of one segment's table: header, rule, one line per method (recall and MRR in %). */
export function segmentTableRows(r: RetrievalEvalReport, seg: 'all' | 'cold' | 'warm'): { header: string[]; rows: string[][] } {
  const header = ['method', ...r.ks.map((k) => `R@${k}`), 'MRR'];
  const rows = r.rows.map((row) => {
    const score = seg === 'all' ? row : row[seg];
    return [row.name, ...r.ks.map((k) => pct(score.recall[String(k)])), pct(score.mrr)];
  });
  return { header, rows };
}

function segmentTable(r: RetrievalEvalReport, seg: 'cold' | 'warm'): string[] {
  const { header, rows } = segmentTableRows(r, seg);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The report as a plain-text table (recall and MRR in %, as printed by `evrec eval retrieval`). */
export function formatRetrievalReport(r: RetrievalEvalReport): string {
  const head = ['method', ...r.ks.map((k) => `R@${k}`), 'MRR', 'R@all', 'len'];
  const body = r.rows.map((row) => [row.name, ...r.ks.map((k) => pct(row.recall[String(k)])), pct(row.mrr), pct(row.recallAll), row.meanListLength.toFixed(0)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    `dataset ${r.dataset}, split at ${r.splitAtIso}, horizon ${r.horizonDays} d, radius ${r.radiusKm} km`,
    `${r.liveEvents} live events (the whole corpus is ranked), ${r.users} users with ${r.relevantPairs} test registrations` +
      (r.users < r.usersWithTestRegistrations ? ` (sample of ${r.usersWithTestRegistrations})` : '') +
      `; left out: ${r.notLivePairs} on events not live at the split, ${r.alreadyRegisteredPairs} already held at the split`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    ...(['cold', 'warm'] as const).flatMap((seg) => [
      `${seg === 'cold' ? 'Cold events (no interaction before S)' : 'Warm events (some interaction before S)'}: ${r.segments[seg].pairs} test registrations of ${r.segments[seg].users} users`,
      ...segmentTable(r, seg),
      '',
    ]),
    'ANN vs exact search, share of the exact top k found: ' + Object.entries(r.annVsExact).map(([k, v]) => `${k} ${pct(v)}%`).join(', '),
    `Rule-bound references: ceiling (share of relevant events passing the rules) ${pct(r.ruleBound.ceiling)}%; popular-nearby under the rules ` +
      r.ks.map((k) => `R@${k} ${pct(r.ruleBound.popularNearbyAllowed.recall[String(k)])}`).join(', ') +
      `, MRR ${pct(r.ruleBound.popularNearbyAllowed.mrr)}`,
    'Relevant events vs the rules at S: ' + Object.entries(r.ruleOutcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '),
    'ANN paths: ' + Object.entries(r.annPaths).map(([k, v]) => `${k} ${v}`).join(', '),
    ...r.comparisons.map((c) => `${c.a} − ${c.b} ${c.metric}: ${pct(c.estimate)} pts [${pct(c.lower)}, ${pct(c.upper)}] 95% CI`),
  ];
  return out.join('\n');
}
