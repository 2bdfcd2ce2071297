import { EvrecError, MS_PER_DAY, loadConfig, type ActivityReader, type Event, type RequestContext, type User, type UserActivity } from '@evrec/core';
import type { AnnIndex, AnnSearchPath, VectorInput } from '@evrec/ann';
import { defaultPopularity, type Catalog, type EventStats, type GeoCircle } from './catalog.ts';
import { resolveLocation, type RequestLocation } from './location.ts';
import { RuleSet, type RetrievalFilters } from './rules.ts';
import { siftDown, siftUp } from './binary-heap.ts';

/** Where a candidate came from. */
export const CANDIDATE_SOURCES = ['ann', 'friends', 'popular', 'new'] as const;
export type CandidateSource = (typeof CANDIDATE_SOURCES)[number];

/** One retrieved event with every source that produced it. */
export interface Candidate {
  eventId: string;
  /** Sources that produced it, in `CANDIDATE_SOURCES` order. */
  sources: CandidateSource[];
  /**
   * Each source's own score: `ann` cosine similarity; `friends` friends registered; `popular` the
   * popularity score (registrations + registrations in the last 7 days by default); `new`
   * freshness in (0, 1] (1 = published just now).
   */
  scores: Partial<Record<CandidateSource, number>>;
  /** 0-based position in each source's own list. */
  ranks: Partial<Record<CandidateSource, number>>;
  /** Merged score: weighted reciprocal-rank fusion over the sources (higher is better). */
  score: number;
}

/** Request-independent knobs; defaults in `RETRIEVAL_DEFAULTS`. */
export interface RetrievalOptions {
  /** Candidates from the ANN. Default `Config.retrieval.annK` (500). */
  annK?: number;
  /** Events must start within this many days after the request. Default `Config.retrieval.horizonDays` (30). */
  horizonDays?: number;
  /** Radius of the distance rule and of "nearby", km. Default `Config.retrieval.radiusKm` (100). */
  radiusKm?: number;
  /** Sources to run. Default all. */
  sources?: readonly CandidateSource[];
  /** Most friends whose registrations are read. Default 200. */
  maxFriends?: number;
  /** Candidates from friends' registrations. Default 100. */
  friendsK?: number;
  /** Candidates from popular nearby events. Default 100. */
  popularK?: number;
  /** Candidates from brand-new nearby events. Default 50. */
  newK?: number;
  /** "New" means published within this many days before the request. Default 7. */
  newWithinDays?: number;
  /** …and holding at most this many registrations. Default 5. */
  newMaxRegistrations?: number;
  /**
   * Popularity score of an event's counters. Default the catalogue's (`CatalogOptions.popularity`,
   * registrations + registrations7d). Another function than the catalogue's makes the popular
   * source scan the window (the buckets are ordered by the catalogue's).
   */
  popularity?: (stats: Readonly<EventStats>) => number;
  /**
   * Weight of each source in the merged score. Default `DEFAULT_SOURCE_WEIGHTS` (ann 1, friends 1,
   * popular 0.25, new 0.1); sources not named keep their default.
   */
  weights?: Partial<Record<CandidateSource, number>>;
  /** Reciprocal-rank-fusion constant: score = Σ weight / (rrfK + rank + 1). Default 10. */
  rrfK?: number;
  /**
   * Most events a window scan visits. The bucket walk of the popular and new sources is not a scan;
   * the allowed-id list is built only when the window holds at most min(maxScan,
   * max(exactScanMaxIds, exactScanMaxShare × index size)) events (`Catalog.countUpperBound`). With
   * `poolScan`, the one scan stops here. Requests with caller filters list windows up to maxScan.
   * Default 200,000 (100,000 before the bucket walk).
   */
  maxScan?: number;
  /** ANN search ef. Default the index's. */
  ef?: number;
  /**
   * Allowed pools up to this many events are scanned exactly instead of walking the graph with a
   * filter. Default 40 × annK (20,000 at k = 500): a filtered walk for k = 500 visits thousands of
   * nodes with a callback each (~77 ms at 4% of 100k in tools/bench retrieval.bench.ts), while a scan
   * of the listed vectors is linear and cheap (a few ms for 20k × 64 floats).
   */
  exactScanMaxIds?: number;
  /**
   * …or windows up to this share of the index (`Catalog.countUpperBound` / index size), whichever is
   * larger (and at most `maxScan`): then too the window is scanned exactly (`exact-labels`, or listed
   * under caller filters). With the WASM SIMD scan (~6 ns per 64-d row) a whole 100k-event window
   * costs less than a graph walk for k = 500 under the rule callback: at 1M events (tools/bench
   * retrieval.bench.ts) 0.2 — every window exact, the biggest city's ~100k included — gave rules-only
   * p99 20 ms against 40 ms at 0.1, where 19% of requests walked the graph. Default 0.2.
   */
  exactScanMaxShare?: number;
  /** Answer the ANN part by exact search (to measure what the approximation loses). Default false. */
  annExact?: boolean;
  /**
   * The previous request path: one scan of every event in the window near the location builds the
   * popular and new pools and the allowed-id list. Same candidates as the default path (tested);
   * kept as the benchmark baseline and test reference. Default false.
   */
  poolScan?: boolean;
}

export interface RetrieveInput extends RetrievalOptions {
  /** The profile, when the user is known (home location, id for activity). */
  user?: User;
  /** The user's id when there is no profile (activity is still read); default `user.id`. Absent: anonymous. */
  userId?: string;
  /** The user-tower vector; without it the ANN source is skipped. */
  userVector?: VectorInput;
  context: RequestContext;
  filters?: RetrievalFilters;
  /** Activity as of `context.at` (the online store, or `ReplayActivity` offline). */
  activity: ActivityReader;
  /** The user's activity as of `context.at` when the caller already read it (saves a round trip). */
  userActivity?: UserActivity;
  catalog: Catalog;
  /** Default: the catalogue's attached index. */
  index?: AnnIndex;
  /** Alias of `annK` (the ANN's k). */
  k?: number;
  /** Finds past events for home inference when the catalogue was pruned. Default `catalog.get`. */
  eventLookup?: (id: string) => Event | undefined;
}

export interface RetrievalResult {
  /** Merged, deduplicated, best first. */
  candidates: Candidate[];
  /** Candidates per source (before merging). */
  counts: Record<CandidateSource, number>;
  location: RequestLocation | null;
  /** How the ANN was answered (`none` when it did not run). */
  annPath: AnnSearchPath | 'none';
  /**
   * Events in the window that passed every rule, when they were listed (a small window, or
   * `poolScan`); null when the window was too big to list (the ANN used the in-search rule filter).
   */
  allowed: number | null;
  /**
   * The window held more than `maxScan` events: no allowed-id list (the ANN used the in-search rule
   * filter); with `poolScan`, the popular and new sources also saw only part of the area.
   */
  truncated: boolean;
  /** The user's activity as read (reuse it for features). */
  userActivity: UserActivity;
  /**
   * Milliseconds per stage: `scan` = sizing the window and listing allowed ids (or the whole pool
   * scan with `poolScan`), `popular` / `new` = their bucket walks, `merge` = the rank fusion.
   */
  timings: Record<'activity' | 'scan' | 'ann' | 'friends' | 'popular' | 'new' | 'merge' | 'total', number>;
}

function defaults(): Required<Omit<RetrievalOptions, 'ef' | 'weights' | 'popularity' | 'exactScanMaxIds' | 'exactScanMaxShare' | 'poolScan'>> {
  const r = loadConfig({ env: {} }).retrieval;
  return {
    annK: r.annK,
    horizonDays: r.horizonDays,
    radiusKm: r.radiusKm,
    sources: CANDIDATE_SOURCES,
    maxFriends: 200,
    friendsK: 100,
    popularK: 100,
    newK: 50,
    newWithinDays: 7,
    newMaxRegistrations: 5,
    rrfK: 10,
    maxScan: 200_000,
    annExact: false,
  };
}

/** Defaults of RetrievalOptions (retrieval sizes from `Config.retrieval`). */
export const RETRIEVAL_DEFAULTS = Object.freeze(defaults());

/**
 * Merge weights, chosen on the small synthetic world's validation split (S = 2026-02-12, before the
 * reported test split): with rrfK = 10 they lift the merged list's recall@10 and MRR above the ANN's
 * alone, where equal weights (or rrfK = 60) let popular and new events crowd the top. Re-checked for
 * recall@100 on validation splits one horizon before the test split (README: nothing better there).
 */
export const DEFAULT_SOURCE_WEIGHTS: Readonly<Record<CandidateSource, number>> = Object.freeze({ ann: 1, friends: 1, popular: 0.25, new: 0.1 });

export { defaultPopularity };

export function emptyUserActivity(userId: string): UserActivity {
  return { userId, friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] };
}

interface SourceHit {
  id: string;
  score: number;
  /** Tie-break: sooner first. */
  startsAt?: number;
}

/** Listed pools up to this size feed popular/new directly (cheaper than a walk, same result). */
const POOL_RANK_MAX = 5000;

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) throw new EvrecError('INVALID_INPUT', `${field} must be a positive integer, got ${v}`, { field });
  return v;
}

/**
 * Candidates for one request: the two-tower ANN under the hard rules (applied inside the graph
 * search through the filter callback; when the rules leave few events in the window, their ids are
 * handed to the index so it scans them exactly), plus events the user's friends registered for,
 * popular upcoming events nearby and brand-new events nearby (cold start). Every source obeys the
 * same rules. Results are merged by reciprocal-rank fusion, deduplicated, and each candidate keeps
 * the sources that produced it with their scores and ranks.
 */
export async function retrieveCandidates(input: RetrieveInput): Promise<RetrievalResult> {
  const t0 = performance.now();
  const d = RETRIEVAL_DEFAULTS;
  const annK = positiveInt(input.k ?? input.annK ?? d.annK, 'annK');
  const horizonDays = input.horizonDays ?? d.horizonDays;
  const radiusKm = input.radiusKm ?? d.radiusKm;
  if (!(horizonDays > 0)) throw new EvrecError('INVALID_INPUT', `horizonDays must be > 0, got ${horizonDays}`, { field: 'horizonDays' });
  if (!(radiusKm > 0)) throw new EvrecError('INVALID_INPUT', `radiusKm must be > 0, got ${radiusKm}`, { field: 'radiusKm' });
  const sources = new Set(input.sources ?? d.sources);
  const maxScan = input.maxScan ?? d.maxScan;
  const { catalog, context } = input;
  const popularity = input.popularity ?? catalog.popularity;
  const at = context.at;
  if (!Number.isFinite(at)) throw new EvrecError('INVALID_INPUT', `context.at must be epoch milliseconds, got ${at}`, { field: 'context.at' });
  const index = input.index ?? catalog.annIndex;
  const exactScanMaxIds = input.exactScanMaxIds ?? 40 * annK;
  const timings = { activity: 0, scan: 0, ann: 0, friends: 0, popular: 0, new: 0, merge: 0, total: 0 };

  // 1. The user's own state: registered, dismissed, friends, history.
  const userId = input.userId ?? input.user?.id;
  let userActivity = input.userActivity;
  if (userActivity === undefined) {
    userActivity = userId === undefined ? emptyUserActivity('') : (await input.activity.snapshot({ userId, eventIds: [], at })).user;
  }
  const t1 = performance.now();
  timings.activity = t1 - t0;

  const location = resolveLocation(context, input.user, userActivity.history, input.eventLookup ?? ((id) => catalog.get(id)));
  const near: GeoCircle | undefined = location === null ? undefined : { lat: location.lat, lng: location.lng, radiusKm };
  const rules = new RuleSet(catalog, {
    at,
    horizonDays,
    near,
    registered: userActivity.registeredEventIds,
    dismissed: userActivity.dismissedEventIds,
    filters: input.filters,
  });
  const window = { from: at, to: rules.to, near };
  // The window query already kept only events within the radius (or online): skip that rule.
  // An event without a place is returned only when no radius applies, so the shortcut is safe.
  const passes = (e: Event): boolean => rules.checkEvent(e, true) === null;

  // 2. The allowed pool, listed only when cheap and useful: a small window with an ANN to run (its ids
  //    let the index scan exactly those vectors), or the old path (`poolScan`, and a popularity the
  //    buckets are not sorted by). Otherwise popular/new walk the catalogue's sorted buckets and the
  //    ANN filters inside the graph walk with the rules.
  const scanPool = input.poolScan === true || (sources.has('popular') && popularity !== catalog.popularity);
  const runAnn = sources.has('ann') && input.userVector !== undefined && index !== undefined && index.size > 0;
  const bound = scanPool ? 0 : catalog.countUpperBound(window);
  let pool: Event[] | undefined;
  let truncated = false;
  // Caller filters (category, price, language) leave few of the window's events: a graph walk under
  // such a filter visits most of the graph (over a second at 1M events), a scan of the window is
  // linear. Without filters the window is listed only while that stays cheaper than the walk.
  const listLimit = rules.hasFilters ? maxScan : Math.min(maxScan, Math.max(exactScanMaxIds, Math.floor((input.exactScanMaxShare ?? 0.2) * (index?.size ?? 0))));
  // A window small enough to list is scanned exactly straight from the catalogue's per-bucket label
  // lists (the rules checked only for events that would enter the top k): the same hits as listing
  // it and scanning the listed ids, without the listing (1M events: ANN ~11 ms instead of ~40 ms
  // listing + ~45 ms scanning). Not under caller filters: when they reject most of the window the
  // top k rarely fills, nearly every event is checked anyway, and listing first is cheaper.
  // Needs the catalogue's own index.
  const listable = runAnn && bound <= listLimit;
  const windowScan = !scanPool && listable && !rules.hasFilters && index === catalog.annIndex;
  if (scanPool || (listable && !windowScan)) {
    const listed: Event[] = [];
    let scanned = 0;
    catalog.forEachInWindow(window, (e) => {
      if (++scanned > maxScan) {
        truncated = true;
        return false;
      }
      if (passes(e)) listed.push(e);
      return true;
    });
    pool = listed;
  } else truncated = !windowScan && bound > maxScan;
  const t2 = performance.now();
  timings.scan = t2 - t1;

  // 3. ANN under the rules.
  const lists = new Map<CandidateSource, SourceHit[]>();
  let annPath: AnnSearchPath | 'none' = 'none';
  if (windowScan && input.userVector !== undefined) {
    annPath = 'exact-labels';
    lists.set('ann', catalog.nearestInWindow(input.userVector, annK, window, passes).hits);
  } else if (runAnn && input.userVector !== undefined && index !== undefined) {
    // A complete pool is the exact allowed set: the index scans it when small, else walks the graph
    // with set membership as the in-search filter (cheaper per node than re-checking the rules).
    // Without one (a big window, or a truncated scan) the rules themselves are the in-search filter.
    // An array, not a Set: the exact scan just iterates it; the index builds a Set only for a graph walk.
    const allowedIds = pool === undefined || truncated ? undefined : pool.map((e) => e.id);
    // On the new path a listed window is always scanned exactly (listing it was the decision); on
    // the old one (`poolScan`) a pool above exactScanMaxIds walks the graph with set membership.
    const scanLimit = input.poolScan === true ? exactScanMaxIds : Math.max(exactScanMaxIds, allowedIds?.length ?? 0);
    const options =
      allowedIds !== undefined
        ? { allowedIds, ef: input.ef, exact: input.annExact, exactScanMaxIds: scanLimit }
        : { filter: rules.accepts, ef: input.ef, exact: input.annExact };
    annPath = index.searchPlan(options);
    lists.set('ann', allowedIds !== undefined && allowedIds.length === 0 ? [] : index.search(input.userVector, annK, options));
  }
  const t3 = performance.now();
  timings.ann = t3 - t2;

  // 4. Friends' registrations (one snapshot per friend; concurrent, so pipelined on Redis).
  if (sources.has('friends') && userActivity.friendIds.length > 0) {
    const friends = userActivity.friendIds.slice(0, input.maxFriends ?? d.maxFriends);
    const snaps = await Promise.all(friends.map((f) => input.activity.snapshot({ userId: f, eventIds: [], at })));
    const counts = new Map<string, number>();
    for (const s of snaps) for (const id of s.user.registeredEventIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const hits: SourceHit[] = [];
    for (const [id, n] of counts) if (rules.check(id) === null) hits.push({ id, score: n });
    lists.set('friends', topBy(hits, input.friendsK ?? d.friendsK, catalog));
  }
  const t4 = performance.now();
  timings.friends = t4 - t3;

  // 5. Popular and brand-new events around the location: from the pool when a small one was listed
  //    anyway (or on the old path), else a walk over the sorted buckets. Both give the same top k,
  //    ties included; the walk touches a few hundred events where ranking a listed pool of 36k took
  //    ~25 ms at 1M events, while ranking a pool of a few thousand is cheaper than walking.
  const rankPool = pool !== undefined && (scanPool || pool.length <= POOL_RANK_MAX);
  const popularK = input.popularK ?? d.popularK;
  if (sources.has('popular')) {
    if (pool !== undefined && rankPool) {
      const hits: SourceHit[] = [];
      for (const e of pool) {
        const s = popularity(catalog.stats(e.id));
        if (s > 0) hits.push({ id: e.id, score: s, startsAt: e.startsAt });
      }
      lists.set('popular', topBy(hits, popularK, catalog));
    } else {
      const top = catalog.topInWindow({ ...window, order: 'popularity', k: popularK, accept: passes });
      lists.set('popular', top.map((h) => ({ id: h.event.id, score: h.key, startsAt: h.event.startsAt })));
    }
  }
  const t5 = performance.now();
  timings.popular = t5 - t4;
  if (sources.has('new')) {
    const windowMs = (input.newWithinDays ?? d.newWithinDays) * MS_PER_DAY;
    const maxRegs = input.newMaxRegistrations ?? d.newMaxRegistrations;
    const newK = input.newK ?? d.newK;
    // Freshness is strictly increasing in createdAt, so newest-first is freshness order.
    const freshness = (createdAt: number): number => 1 - (at - createdAt) / windowMs;
    if (pool !== undefined && rankPool) {
      const hits: SourceHit[] = [];
      for (const e of pool) {
        if (e.createdAt === undefined || e.createdAt < at - windowMs) continue;
        if (catalog.stats(e.id).registrations > maxRegs) continue;
        hits.push({ id: e.id, score: freshness(e.createdAt), startsAt: e.startsAt });
      }
      lists.set('new', topBy(hits, newK, catalog));
    } else {
      const top = catalog.topInWindow({
        ...window,
        order: 'newest',
        k: newK,
        createdFrom: at - windowMs,
        createdTo: at,
        accept: (e) => catalog.stats(e.id).registrations <= maxRegs && passes(e),
      });
      lists.set('new', top.map((h) => ({ id: h.event.id, score: freshness(h.key), startsAt: h.event.startsAt })));
    }
  }
  const t6 = performance.now();
  timings.new = t6 - t5;

  const candidates = mergeSources(lists, { weights: input.weights, rrfK: input.rrfK ?? d.rrfK });
  const t7 = performance.now();
  timings.merge = t7 - t6;
  timings.total = t7 - t0;
  const counts = { ann: 0, friends: 0, popular: 0, new: 0 };
  for (const [s, l] of lists) counts[s] = l.length;
  return { candidates, counts, location, annPath, allowed: pool === undefined || truncated ? null : pool.length, truncated, userActivity, timings };
}

/** Whether hit a ranks before hit b: higher score, then the event starting sooner, then the smaller id. */
function before(a: SourceHit, b: SourceHit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  const sa = a.startsAt ?? Infinity;
  const sb = b.startsAt ?? Infinity;
  if (sa !== sb) return sa < sb;
  return a.id < b.id;
}

/**
 * The k best hits, best first (deterministic ties). A min-heap of k keeps it O(n log k): the popular
 * pool of a big city holds thousands of events and only the top hundred are wanted.
 */
function topBy(hits: SourceHit[], k: number, catalog: Catalog): SourceHit[] {
  for (const h of hits) h.startsAt ??= catalog.get(h.id)?.startsAt ?? Infinity;
  let kept = hits;
  if (hits.length > k) {
    // heap[0] is the worst kept hit.
    const heap: SourceHit[] = [];
    const worse = (a: SourceHit, b: SourceHit): boolean => before(b, a);
    for (const h of hits) {
      if (heap.length < k) {
        heap.push(h);
        siftUp(heap, heap.length - 1, worse);
      } else if (before(h, heap[0])) {
        heap[0] = h;
        siftDown(heap, 0, worse);
      }
    }
    kept = heap;
  }
  return kept.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

export interface MergeOptions {
  /** Weight per source. Default `DEFAULT_SOURCE_WEIGHTS`. */
  weights?: Partial<Record<CandidateSource, number>>;
  /** Reciprocal-rank-fusion constant. Default 10. */
  rrfK?: number;
}

/**
 * Merges per-source lists (each best first) into one deduplicated list ordered by weighted
 * reciprocal-rank fusion — score = Σ over the sources that hold the event of weight / (rrfK + rank + 1) —
 * which needs no calibration between the sources' incomparable scores and rewards agreement.
 * Ties break by the event id so the order is reproducible.
 */
export function mergeSources(lists: ReadonlyMap<CandidateSource, readonly { id: string; score: number }[]>, options: MergeOptions = {}): Candidate[] {
  const rrfK = options.rrfK ?? RETRIEVAL_DEFAULTS.rrfK;
  const byId = new Map<string, Candidate>();
  for (const source of CANDIDATE_SOURCES) {
    const list = lists.get(source);
    if (list === undefined) continue;
    const w = options.weights?.[source] ?? DEFAULT_SOURCE_WEIGHTS[source];
    list.forEach((hit, rank) => {
      let c = byId.get(hit.id);
      if (c === undefined) {
        c = { eventId: hit.id, sources: [], scores: {}, ranks: {}, score: 0 };
        byId.set(hit.id, c);
      }
      if (c.ranks[source] !== undefined) return; // a source listing an id twice counts once
      c.sources.push(source);
      c.scores[source] = hit.score;
      c.ranks[source] = rank;
      c.score += w / (rrfK + rank + 1);
    });
  }
  return [...byId.values()].sort((a, b) => b.score - a.score || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

/** One source's own list (best first) out of a merged result. */
export function sourceList(candidates: readonly Candidate[], source: CandidateSource): string[] {
  return candidates
    .filter((c) => c.ranks[source] !== undefined)
    .sort((a, b) => (a.ranks[source] ?? 0) - (b.ranks[source] ?? 0))
    .map((c) => c.eventId);
}
