import { EvrecError, MS_PER_DAY, type Event, type Interaction, type InteractionType, type Rng, type Surface } from '@evrec/core';

/**
 * Where an example comes from:
 * - `impression`: an impression; label 1 when a positive of the pair follows it (the exposure population),
 * - `organic`: a pair's first positive that no impression preceded (search, links, friends),
 * - `dismissal`: a `not_interested` on a pair never impressed and never positive (an explicit "no",
 *   e.g. a Meetup "no" RSVP),
 * - `random`: a random event live at the time, beside a positive (label 0),
 * - `hard`: a candidate from the pluggable candidate source (retrieval), beside a positive (label 0).
 * The first three are *exposures*: calibration and evaluation use only them.
 */
export type ExampleSource = 'impression' | 'organic' | 'dismissal' | 'random' | 'hard';
export const EXPOSURE_SOURCES: ReadonlySet<ExampleSource> = new Set<ExampleSource>(['impression', 'organic', 'dismissal']);

/** One labelled (user, event, time) example. Features are computed as of `at` (only interactions strictly before it). */
export interface RankerExample {
  userId: string;
  eventId: string;
  /** Feature time: the start of the recommendation response for impressions, else the interaction time. */
  at: number;
  label: 0 | 1;
  /** Sample weight: the positive type's weight for positives, 1 for negatives. */
  weight: number;
  source: ExampleSource;
  surface?: Surface;
}

/** A query to a candidate generator for hard negatives. */
export interface CandidateQuery {
  userId: string;
  /** Candidates must be computed as of this time (point-in-time). */
  at: number;
  /** How many candidates are wanted (the source may return fewer or more). */
  k: number;
  /** Events the user responded to positively: not negatives, the source may skip them. */
  exclude: ReadonlySet<string>;
}

/** A candidate generator (e.g. @evrec/retrieval's) returning event ids, best first. */
export type CandidateSource = (query: CandidateQuery) => Promise<readonly string[]> | readonly string[];

/** How negatives are made; defaults in brackets. */
export interface NegativeSources {
  /** Share of label-0 impressions kept (negative down-sampling; calibration corrects for it). [1] */
  impressionRate?: number;
  /** Random live events per positive. [1] */
  randomPerPositive?: number;
  /** Hard negatives from a candidate generator (retrieval); off without `candidates`. */
  hard?: {
    candidates: CandidateSource;
    /** Hard negatives per positive. [2] */
    perPositive?: number;
  };
}

export interface BuildExamplesOptions {
  /** Examples whose interaction lies in [from, to). */
  from: number;
  to: number;
  /** Positives strictly before this time make labels (the end of the split part: labels never cross it). */
  labelUntil: number;
  /** Positive types and their sample weights. */
  positives: ReadonlyMap<InteractionType, number>;
  /** A positive counts for an impression only within this long after it. [Infinity] */
  labelWindowMs?: number;
  /** Negatives; only `impressionRate` applies when `sampled` is false. */
  negatives?: NegativeSources;
  /** Add random and hard negatives (training); false gives exposures only (validation, test). [true] */
  sampled?: boolean;
  /** Users whose interactions are unlabelled (e.g. Kaggle test users): they make no examples. */
  unlabelledUsers?: ReadonlySet<string>;
  rng: Rng;
}

export interface ExampleStats {
  examples: number;
  positives: number;
  bySource: Record<ExampleSource, { examples: number; positives: number }>;
  /** Impressions left out because the user already had a positive on the event before the response. */
  skippedAlreadyPositive: number;
  /** Interactions whose event is not in the catalogue. */
  skippedUnknownEvent: number;
  /** Positives for which fewer random/hard negatives than asked could be found. */
  negativeShortfall: number;
}

export interface ExampleSet {
  /** Sorted by (at, userId); examples of one user at one time are adjacent (one feature snapshot). */
  examples: RankerExample[];
  stats: ExampleStats;
}

function pairKey(u: string, e: string): string {
  return `${u}\u0000${e}`;
}

/** Ascending times of a pair's positives with their weights. */
interface PairPositives {
  times: number[];
  weights: number[];
}

/**
 * Events live at a time, for random negatives: published (`createdAt`, else 30 days before its
 * first activity or start) and not yet started (`startsAt`, else until its last activity); never
 * cancelled ones. Day buckets make a draw O(1) expected.
 */
export class LiveEventSampler {
  private readonly ids: string[] = [];
  private readonly from: number[] = [];
  private readonly to: number[] = [];
  private readonly buckets = new Map<number, number[]>();

  constructor(events: Iterable<Event>, interactions: readonly Interaction[]) {
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    for (const x of interactions) {
      if (!first.has(x.eventId)) first.set(x.eventId, x.at);
      last.set(x.eventId, Math.max(last.get(x.eventId) ?? -Infinity, x.at));
    }
    for (const e of events) {
      if (e.status === 'cancelled') continue;
      const seen = first.get(e.id);
      const anchor = seen === undefined ? e.startsAt : e.startsAt === undefined ? seen : Math.min(seen, e.startsAt);
      const from = e.createdAt ?? (anchor === undefined ? undefined : anchor - 30 * MS_PER_DAY);
      const lastSeen = last.get(e.id);
      const to = e.startsAt ?? (lastSeen === undefined ? undefined : lastSeen + 1);
      if (from === undefined || to === undefined || to <= from) continue;
      const i = this.ids.length;
      this.ids.push(e.id);
      this.from.push(from);
      this.to.push(to);
      for (let d = Math.floor(from / MS_PER_DAY); d <= Math.floor((to - 1) / MS_PER_DAY); d++) {
        let b = this.buckets.get(d);
        if (b === undefined) this.buckets.set(d, (b = []));
        b.push(i);
      }
    }
  }

  /** Up to `k` distinct events live at `at`, none in `exclude`. */
  sample(at: number, k: number, exclude: ReadonlySet<string>, rng: Rng): string[] {
    const bucket = this.buckets.get(Math.floor(at / MS_PER_DAY));
    if (bucket === undefined || k <= 0) return [];
    const out: string[] = [];
    const taken = new Set<string>();
    for (let tries = 0; tries < 20 * k + 20 && out.length < k; tries++) {
      const i = bucket[rng.int(bucket.length)];
      const id = this.ids[i];
      if (this.from[i] > at || this.to[i] <= at || exclude.has(id) || taken.has(id)) continue;
      taken.add(id);
      out.push(id);
    }
    return out;
  }
}

const SOURCE_ORDER: Record<ExampleSource, number> = { impression: 0, organic: 1, dismissal: 2, hard: 3, random: 4 };

/**
 * Labelled examples for one time window, point-in-time by construction: an example's features are
 * taken at its `at` (everything strictly before it), and its label comes only from positives at or
 * after `at` and before `labelUntil` — so no label is ever visible as a feature, and labels of one
 * split part never use interactions of a later part.
 *
 * Impressions of one recommendation response share the response's start time (what serving saw).
 * A pair the user already responded to positively before that time is skipped (serving filters such
 * events out). See {@link ExampleSource} for the sources.
 */
export async function buildExamples(interactions: readonly Interaction[], events: ReadonlyMap<string, Event>, options: BuildExamplesOptions, sampler?: LiveEventSampler): Promise<ExampleSet> {
  const { from, to, labelUntil, positives, rng } = options;
  if (!(from <= to) || !(to <= labelUntil)) throw new EvrecError('INVALID_INPUT', `need from ≤ to ≤ labelUntil, got ${from}, ${to}, ${labelUntil}`);
  const window = options.labelWindowMs ?? Infinity;
  const sampled = options.sampled ?? true;
  const impressionRate = options.negatives?.impressionRate ?? 1;
  if (!(impressionRate > 0 && impressionRate <= 1)) throw new EvrecError('INVALID_INPUT', `impressionRate must be in (0, 1], got ${impressionRate}`, { field: 'negatives.impressionRate' });
  const randomPer = sampled ? (options.negatives?.randomPerPositive ?? 1) : 0;
  const hard = sampled ? options.negatives?.hard : undefined;
  const hardPer = hard === undefined ? 0 : (hard.perPositive ?? 2);
  const unlabelled = options.unlabelledUsers ?? new Set<string>();

  // One pass over the log: positives per pair (before labelUntil), first impression per pair,
  // response start per recommendation id, and each user's positive events (never negatives).
  const pairs = new Map<string, PairPositives>();
  const firstImpression = new Map<string, number>();
  const responseStart = new Map<string, number>();
  const userPositives = new Map<string, Set<string>>();
  const dismissedPairs = new Set<string>();
  const organicPairs = new Set<string>();
  for (const x of interactions) {
    const k = pairKey(x.userId, x.eventId);
    if (x.type === 'impression') {
      if (!firstImpression.has(k)) firstImpression.set(k, x.at);
      if (x.recommendationId !== undefined && !responseStart.has(x.recommendationId)) responseStart.set(x.recommendationId, x.at);
    }
    const w = positives.get(x.type);
    if (w !== undefined && x.at < labelUntil) {
      let p = pairs.get(k);
      if (p === undefined) pairs.set(k, (p = { times: [], weights: [] }));
      p.times.push(x.at);
      p.weights.push(w);
      let s = userPositives.get(x.userId);
      if (s === undefined) userPositives.set(x.userId, (s = new Set()));
      s.add(x.eventId);
    }
  }

  /** Largest weight of the pair's positives in [t, min(labelUntil, t + window)); 0 when none. */
  const labelWeight = (p: PairPositives | undefined, t: number): number => {
    if (p === undefined) return 0;
    let w = 0;
    for (let i = 0; i < p.times.length; i++) if (p.times[i] >= t && p.times[i] < t + window) w = Math.max(w, p.weights[i]);
    return w;
  };

  const stats: ExampleStats = {
    examples: 0,
    positives: 0,
    bySource: { impression: { examples: 0, positives: 0 }, organic: { examples: 0, positives: 0 }, dismissal: { examples: 0, positives: 0 }, random: { examples: 0, positives: 0 }, hard: { examples: 0, positives: 0 } },
    skippedAlreadyPositive: 0,
    skippedUnknownEvent: 0,
    negativeShortfall: 0,
  };
  const out: RankerExample[] = [];
  const anchors: RankerExample[] = [];
  for (const x of interactions) {
    if (x.at < from) continue;
    if (x.at >= to) break;
    if (unlabelled.has(x.userId)) continue;
    const isPositiveType = positives.has(x.type);
    if (x.type !== 'impression' && !isPositiveType && x.type !== 'not_interested') continue;
    if (!events.has(x.eventId)) {
      stats.skippedUnknownEvent++;
      continue;
    }
    const k = pairKey(x.userId, x.eventId);
    const p = pairs.get(k);
    if (x.type === 'impression') {
      const at = x.recommendationId === undefined ? x.at : Math.min(x.at, responseStart.get(x.recommendationId) ?? x.at);
      if (p !== undefined && p.times[0] < at) {
        stats.skippedAlreadyPositive++;
        continue;
      }
      const w = labelWeight(p, at);
      if (w === 0 && impressionRate < 1 && !rng.chance(impressionRate)) continue;
      const ex: RankerExample = { userId: x.userId, eventId: x.eventId, at, label: w > 0 ? 1 : 0, weight: w > 0 ? w : 1, source: 'impression', surface: x.surface };
      out.push(ex);
      if (ex.label === 1) anchors.push(ex);
    } else if (isPositiveType) {
      // Organic: the pair's first positive, with no impression at or before it.
      if (p === undefined || p.times[0] !== x.at || (firstImpression.get(k) ?? Infinity) <= x.at || organicPairs.has(k)) continue;
      organicPairs.add(k);
      const ex: RankerExample = { userId: x.userId, eventId: x.eventId, at: x.at, label: 1, weight: labelWeight(p, x.at), source: 'organic', surface: x.surface };
      out.push(ex);
      anchors.push(ex);
    } else {
      // not_interested on a pair never impressed (before it) and never positive: an explicit no.
      if (p !== undefined || (firstImpression.get(k) ?? Infinity) <= x.at || dismissedPairs.has(k)) continue;
      dismissedPairs.add(k);
      out.push({ userId: x.userId, eventId: x.eventId, at: x.at, label: 0, weight: 1, source: 'dismissal', surface: x.surface });
    }
  }

  if (randomPer > 0 || hardPer > 0) {
    const live = sampler ?? new LiveEventSampler(events.values(), interactions);
    const empty = new Set<string>();
    for (const a of anchors) {
      const exclude = new Set(userPositives.get(a.userId) ?? empty);
      exclude.add(a.eventId);
      let got = 0;
      if (hard !== undefined && hardPer > 0) {
        const ids = await hard.candidates({ userId: a.userId, at: a.at, k: hardPer, exclude });
        for (const id of ids) {
          if (got >= hardPer) break;
          if (exclude.has(id) || !events.has(id)) continue;
          exclude.add(id);
          out.push({ userId: a.userId, eventId: id, at: a.at, label: 0, weight: 1, source: 'hard', surface: a.surface });
          got++;
        }
      }
      const randoms = live.sample(a.at, randomPer, exclude, rng);
      for (const id of randoms) out.push({ userId: a.userId, eventId: id, at: a.at, label: 0, weight: 1, source: 'random', surface: a.surface });
      if (got < hardPer || randoms.length < randomPer) stats.negativeShortfall++;
    }
  }

  out.sort((a, b) => a.at - b.at || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source]));
  for (const ex of out) {
    stats.examples++;
    stats.positives += ex.label;
    stats.bySource[ex.source].examples++;
    stats.bySource[ex.source].positives += ex.label;
  }
  return { examples: out, stats };
}
