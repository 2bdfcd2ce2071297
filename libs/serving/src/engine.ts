import {
  EvrecError,
  MS_PER_DAY,
  MS_PER_HOUR,
  hashString32,
  loadConfig,
  type Event,
  type HistoryItem,
  type Interaction,
  type Logger,
  type RequestContext,
  type User,
  type UserActivity,
} from '@evrec/core';
import { gatherActivity, type FeatureSnapshot } from '@evrec/features';
import { refreshCatalogStats, retrieveCandidates, type CandidateSource, type RetrievalFilters, type RetrievalOptions, type RetrievalResult } from '@evrec/retrieval';
import type { FeatureStore } from '@evrec/store';
import { AttributionLedger, MemoryAttributionStore, type AttributionCounts, type AttributionOptions, type AttributionStore } from './attribution.ts';
import { BatchActivity, DeadlineReader, batchSnapshot, emptyUser, isStoreOutage } from './batch-activity.ts';
import type { BundleManager } from './bundle-manager.ts';
import type { CatalogChangePublisher } from './catalog-feed.ts';
import type { EventRecords } from './event-records.ts';
import { DEFAULT_LIMIT, type RankBody, type RecommendationsQuery } from './input.ts';
import { ServingMetrics } from './metrics.ts';
import { dedupeListings, diversify, reasonsFor, type DiversityOptions, type Reason, type ReasonOptions, type ScoredItem } from './post-process.ts';
import { MemoryListStore, encodeCursor, newRecommendationId, resolveCursor, type ListCacheOptions, type ListItem, type RankedList, type RecommendationListStore } from './recommendation-lists.ts';
import { withDeadline, type ServingBundle } from './serving-bundle.ts';
import { RollingStatsRefresh } from './stats-refresh.ts';
import { TtlCache } from './ttl-cache.ts';

export interface ServingEngineOptions {
  store: FeatureStore;
  bundles: BundleManager;
  records: EventRecords;
  /** The serving clock (epoch ms): the default request time. Default `Date.now`. */
  clock?: () => number;
  /** Default: a fresh registry with the process metrics. */
  metrics?: ServingMetrics;
  /** Retrieval knobs. Default `Config.retrieval` (annK 500, horizonDays 30, radiusKm 100) and the library's source sizes. */
  retrieval?: RetrievalOptions;
  /** Most candidates the ranker scores per request (retrieval's merged order decides which). Default 500. */
  maxCandidates?: number;
  /** Length of the ranked list kept per recommendation (what cursors page through). Default 200. */
  maxListLength?: number;
  /** A store read slower than this fails over to batch features. Default 250 ms. */
  storeTimeoutMs?: number;
  /** A store write slower than this fails the request (503). Default 2,000 ms. */
  storeWriteTimeoutMs?: number;
  diversity?: DiversityOptions;
  reasons?: ReasonOptions;
  /** Size and lifetime of the default in-process list store. Default {maxLists 5,000, ttlMs 15 min}. */
  lists?: ListCacheOptions;
  /** Where ranked lists live for their cursors. Default `new MemoryListStore(lists)` (this process); a RedisListStore shares them between replicas. */
  listStore?: RecommendationListStore;
  /** Size and lifetime of the default in-process attribution counters. Default {maxRecommendations 100,000, ttlMs 24 h}. */
  attribution?: AttributionOptions;
  /** Where per-recommendation attribution counters live. Default `new MemoryAttributionStore(attribution)`; a RedisAttributionStore shares them. */
  attributionStore?: AttributionStore;
  /** Announces accepted catalogue changes (and events whose registrations changed) to the other replicas. Default none (one process). */
  catalogFeed?: CatalogChangePublisher;
  /** User vectors cached (keyed by bundle, profile, history, hour and place). Default 50,000. */
  userVectorCacheSize?: number;
  /**
   * Every upcoming event's popularity counters are re-read from the store once per this period (ms),
   * a slice per tick (`RollingStatsRefresh`: at 1M events a full pass costs seconds of the serving
   * thread); 0 disables. Feedback refreshes the events it touches at once. Default 300,000.
   */
  statsRefreshMs?: number;
  /** How often a slice of that pass runs (ms). Default 1,000. */
  statsRefreshTickMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
}

/** An event as shown in a response (absent fields are null, so every item has the same shape). */
export interface EventView {
  title: string | null;
  startsAt: number | null;
  city: string | null;
  country: string | null;
  lat: number | null;
  lng: number | null;
  online: boolean;
  price: number | null;
  currency: string | null;
  category: string | null;
  language: string | null;
  hostId: string | null;
}

export interface RecommendationItem {
  eventId: string;
  /** 0-based position in the whole ranked list (send it back with feedback). */
  position: number;
  /** Calibrated P(register) from the ranker (the retrieval fusion score when the bundle has none). */
  score: number;
  reasons: Reason[];
  sources: CandidateSource[];
  event: EventView;
}

export interface RecommendationsResponse {
  recommendationId: string;
  modelVersion: string;
  /** True when the store could not be read and batch features were used. */
  degraded: boolean;
  /** Request time the list was computed for (epoch ms). */
  at: number;
  /** Items in the whole ranked list. */
  total: number;
  items: RecommendationItem[];
  nextCursor: string | null;
}

export interface RankResponse {
  modelVersion: string;
  degraded: boolean;
  at: number;
  /** Known events best first, then unknown ones (`onUnknown: last`, score null) in input order. */
  items: Array<{ eventId: string; position: number; score: number | null; known: boolean }>;
  unknownEventIds: string[];
}

export interface FeedbackResponse {
  accepted: number;
  duplicates: number;
  results: Array<{ id: string; status: 'accepted' | 'duplicate' }>;
}

/** Milliseconds per stage of one request. */
export type StageTimings = Record<string, number>;

const HISTORY_HOST_TYPES = new Set(['register', 'attend']);

function view(e: Event): EventView {
  return {
    title: e.title ?? null,
    startsAt: e.startsAt ?? null,
    city: e.city ?? null,
    country: e.country ?? null,
    lat: e.lat ?? null,
    lng: e.lng ?? null,
    online: e.online === true,
    price: e.price ?? null,
    currency: e.currency ?? null,
    category: e.category ?? null,
    language: e.language ?? null,
    hostId: e.hostId ?? null,
  };
}

/**
 * The request pipeline, independent of HTTP: recommendations (user vector → retrieval → features
 * → ranker → dedupe, diversity, reasons → paging), re-ranking a given list, feedback ingestion with
 * attribution, and catalogue and profile writes that take effect at once. Store reads fail over to
 * the bundle's batch counters (degraded mode); writes need the store.
 */
export class ServingEngine {
  readonly store: FeatureStore;
  readonly bundles: BundleManager;
  readonly records: EventRecords;
  readonly metrics: ServingMetrics;
  readonly lists: RecommendationListStore;
  readonly attribution: AttributionLedger;
  private readonly clock: () => number;
  private readonly reader: DeadlineReader;
  private readonly retrieval: RetrievalOptions & { horizonDays: number; radiusKm: number; annK: number };
  private readonly maxCandidates: number;
  private readonly maxListLength: number;
  private readonly storeWriteTimeoutMs: number;
  private readonly userVectors: TtlCache<string, Float32Array>;
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ServingEngineOptions) {
    this.store = options.store;
    this.bundles = options.bundles;
    this.records = options.records;
    this.clock = options.clock ?? Date.now;
    this.metrics = options.metrics ?? new ServingMetrics();
    this.lists = options.listStore ?? new MemoryListStore(options.lists);
    this.attribution = new AttributionLedger(this.metrics, options.attributionStore ?? new MemoryAttributionStore(options.attribution));
    this.reader = new DeadlineReader(options.store, options.storeTimeoutMs ?? 250);
    const r = loadConfig({ env: {} }).retrieval;
    this.retrieval = { ...options.retrieval, annK: options.retrieval?.annK ?? r.annK, horizonDays: options.retrieval?.horizonDays ?? r.horizonDays, radiusKm: options.retrieval?.radiusKm ?? r.radiusKm };
    this.maxCandidates = options.maxCandidates ?? 500;
    this.maxListLength = options.maxListLength ?? 200;
    this.storeWriteTimeoutMs = options.storeWriteTimeoutMs ?? 2000;
    this.userVectors = new TtlCache({ maxEntries: options.userVectorCacheSize ?? 50_000, ttlMs: MS_PER_HOUR });
    const b = this.bundles.current;
    this.metrics.setBundle(b.version, b.loadInfo.ms);
  }

  now(): number {
    return this.clock();
  }

  /** Starts the periodic popularity refresh (the bundle manager is started by its owner). */
  start(): void {
    const period = this.options.statsRefreshMs ?? 300_000;
    if (period > 0 && this.statsTimer === undefined) {
      const rolling = new RollingStatsRefresh({ periodMs: period, tickMs: this.options.statsRefreshTickMs });
      let running = false;
      this.statsTimer = setInterval(() => {
        // A slow store must not stack ticks up.
        if (running) return;
        running = true;
        // The store itself, not the request path's deadline reader: a slice of a few thousand
        // events may take longer than a request may wait, and nobody waits on it.
        this.bundles
          .withBundle((b) => rolling.tick(b.catalog, this.store, this.clock()))
          .catch((e: unknown) => this.options.logger?.warn({ error: (e as Error).message }, 'popularity refresh failed; keeping the last counters'))
          .finally(() => (running = false));
      }, rolling.tickMs);
      this.statsTimer.unref();
    }
  }

  stop(): void {
    clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }

  // ───────────────────────────── recommendations ─────────────────────────────

  async recommend(userId: string, query: RecommendationsQuery): Promise<{ response: RecommendationsResponse; timings: StageTimings }> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (query.cursor !== undefined) {
      const t0 = performance.now();
      const { list, offset } = await withDeadline(resolveCursor(this.lists, query.cursor, userId), this.options.storeTimeoutMs ?? 250, 'reading the ranked list');
      const response = this.page(list, offset, limit);
      return { response, timings: { page: performance.now() - t0 } };
    }
    return this.bundles.withBundle((bundle) => this.rankedList(bundle, userId, query, limit));
  }

  private markDegraded(reason: unknown): void {
    this.metrics.degraded.inc({ reason: (reason as EvrecError).code === 'TIMEOUT' ? 'store_timeout' : 'store_unavailable' });
    this.options.logger?.warn({ error: (reason as Error).message }, 'store unreachable: serving from batch features');
  }

  private async rankedList(bundle: ServingBundle, userId: string, query: RecommendationsQuery, limit: number): Promise<{ response: RecommendationsResponse; timings: StageTimings }> {
    const timings: StageTimings = {};
    const tStart = performance.now();
    let t = tStart;
    const lap = (stage: string): void => {
      const now = performance.now();
      timings[stage] = now - t;
      t = now;
    };
    const at = query.at ?? this.clock();
    if (query.to !== undefined && query.to <= at) throw new EvrecError('INVALID_INPUT', 'query.to: must be after the request time', { field: 'query.to' });
    const context: RequestContext = { at, lat: query.lat, lng: query.lng, surface: query.surface };
    const filters: RetrievalFilters = { categories: query.categories, languages: query.languages, maxPrice: query.maxPrice, currency: query.currency, free: query.free };

    // 1. The user: profile and activity (one round trip each, concurrently).
    let degraded = false;
    let user: User | undefined;
    let activity: UserActivity = emptyUser(userId);
    try {
      const [u, snap] = await withDeadline(Promise.all([this.store.getUser(userId), this.store.snapshot({ userId, eventIds: [], at })]), this.options.storeTimeoutMs ?? 250, 'reading the user');
      user = u;
      activity = snap.user;
    } catch (e) {
      if (!isStoreOutage(e)) throw e;
      degraded = true;
      this.markDegraded(e);
    }
    lap('user');

    // 2. The user vector: fresh from profile + history (cached), the bundle's exported one, or none (unknown user).
    const userVector = this.userVector(bundle, userId, user, activity, context, degraded);
    lap('embed');

    // 3. Candidates.
    const horizonDays = query.to === undefined ? this.retrieval.horizonDays : (query.to - at) / MS_PER_DAY;
    const retrieve = (reader: BatchActivity | DeadlineReader): Promise<RetrievalResult> =>
      retrieveCandidates({
        ...this.retrieval,
        horizonDays,
        radiusKm: query.radiusKm ?? this.retrieval.radiusKm,
        user,
        userId,
        userVector,
        context,
        filters,
        activity: reader,
        userActivity: activity,
        catalog: bundle.catalog,
        eventLookup: (id) => this.records.get(id),
      });
    let result: RetrievalResult;
    try {
      result = await retrieve(degraded ? new BatchActivity(bundle.catalog) : this.reader);
    } catch (e) {
      if (!isStoreOutage(e)) throw e;
      degraded = true;
      this.markDegraded(e);
      result = await retrieve(new BatchActivity(bundle.catalog));
    }
    for (const [k, v] of Object.entries(result.timings)) if (k !== 'total' && k !== 'activity') timings[`retrieval.${k}`] = v;
    for (const [source, n] of Object.entries(result.counts)) this.metrics.candidates.observe({ source }, n);
    let candidates = result.candidates;
    if (query.from !== undefined) {
      const from = query.from;
      candidates = candidates.filter((c) => (this.records.get(c.eventId)?.startsAt ?? -Infinity) >= from);
    }
    if (candidates.length > this.maxCandidates) candidates = candidates.slice(0, this.maxCandidates);
    this.metrics.candidates.observe({ source: 'ranked' }, candidates.length);
    lap('retrieval');

    // 4. Features: the store snapshot for every candidate (plus the user's history counters).
    const ids = candidates.map((c) => c.eventId);
    let snapshot: FeatureSnapshot;
    if (degraded) snapshot = batchSnapshot(bundle.catalog, { userId, eventIds: ids, at }, activity);
    else {
      try {
        snapshot = await gatherActivity(this.reader, { userId, eventIds: ids, at });
      } catch (e) {
        if (!isStoreOutage(e)) throw e;
        degraded = true;
        this.markDegraded(e);
        snapshot = batchSnapshot(bundle.catalog, { userId, eventIds: ids, at }, activity);
      }
    }
    lap('features');

    // 5. Ranker.
    const events = candidates.map((c) => bundle.catalog.get(c.eventId) ?? this.records.get(c.eventId) ?? { id: c.eventId });
    let scores: ArrayLike<number>;
    if (bundle.ranker !== undefined && events.length > 0) {
      scores = await bundle.score({ user, events, context, snapshot, catalog: this.records, userVector });
    } else scores = candidates.map((c) => c.score);
    lap('rank');

    // 6. Order, dedupe, diversify, keep the list, explain.
    const lookup = (id: string): Event | undefined => this.records.get(id);
    const scored: ScoredItem[] = candidates.map((c, i) => ({ eventId: c.eventId, score: scores[i], sources: c.sources }));
    const order = scored.map((_, i) => i).sort((a, b) => scored[b].score - scored[a].score || a - b);
    let items = dedupeListings(order.map((i) => scored[i]), lookup);
    items = diversify(items, lookup, this.options.diversity).slice(0, this.maxListLength);
    const pastHosts = new Set<string>();
    for (const h of snapshot.user.history) {
      if (!HISTORY_HOST_TYPES.has(h.type)) continue;
      const host = this.records.get(h.eventId)?.hostId;
      if (host !== undefined) pastHosts.add(host);
    }
    const list: RankedList = {
      recommendationId: newRecommendationId(bundle.version),
      userId,
      modelVersion: bundle.version,
      degraded,
      at,
      items: items.map((it): ListItem => {
        const a = snapshot.events[it.eventId];
        return { eventId: it.eventId, score: it.score, sources: it.sources, friendsRegistered: a?.friendsRegistered ?? 0, registrations7d: a?.registrations7d ?? 0 };
      }),
      reasonContext: { at, location: result.location, pastHosts, hasHistory: snapshot.user.history.length > 0 },
    };
    await this.keepList(list);
    const response = this.page(list, 0, limit);
    lap('post');
    timings.total = performance.now() - tStart;
    for (const [stage, ms] of Object.entries(timings)) this.metrics.stage(stage, ms);
    if (degraded) this.metrics.degradedResponses.inc();
    return { response, timings };
  }

  /**
   * Keeps the list for its cursors. A shared list store that fails or is slow does not fail the
   * response: its first page is still right, only its cursor will answer 404 (start again).
   */
  private async keepList(list: RankedList): Promise<void> {
    try {
      await withDeadline(this.lists.put(list), this.options.storeTimeoutMs ?? 250, 'storing the ranked list');
    } catch (e) {
      if (!isStoreOutage(e)) throw e;
      this.options.logger?.warn({ error: (e as Error).message, recommendationId: list.recommendationId }, 'ranked list not kept: its cursor will be unknown');
    }
  }

  private page(list: RankedList, offset: number, limit: number): RecommendationsResponse {
    const items: RecommendationItem[] = [];
    let i = offset;
    for (; i < list.items.length && items.length < limit; i++) {
      const it = list.items[i];
      const e = this.records.get(it.eventId);
      // An event cancelled since the list was made is skipped, not shown.
      if (e === undefined || e.status === 'cancelled') continue;
      const reasons = reasonsFor(e, it, it.sources, list.reasonContext, this.options.reasons);
      items.push({ eventId: it.eventId, position: i, score: it.score, reasons, sources: it.sources, event: view(e) });
    }
    return {
      recommendationId: list.recommendationId,
      modelVersion: list.modelVersion,
      degraded: list.degraded,
      at: list.at,
      total: list.items.length,
      items,
      nextCursor: i < list.items.length ? encodeCursor(list.recommendationId, i) : null,
    };
  }

  /** The events of the user's history the two-tower model pools: its history types, distinct, most recent first. */
  private historyEvents(bundle: ServingBundle, history: readonly HistoryItem[]): Event[] {
    const a = bundle.embeddings.model.architecture;
    const types = new Set<string>(a.historyTypes);
    const seen = new Set<string>();
    const out: Event[] = [];
    for (const h of history) {
      if (out.length >= a.historyCap) break;
      if (!types.has(h.type) || seen.has(h.eventId)) continue;
      seen.add(h.eventId);
      const e = this.records.get(h.eventId);
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  private userVector(bundle: ServingBundle, userId: string, user: User | undefined, activity: UserActivity, context: RequestContext, degraded: boolean): Float32Array | undefined {
    const exported = bundle.exportedUserVector(userId);
    if (degraded) return exported ?? (user === undefined ? undefined : bundle.embedUser({ user, history: [], context }));
    const history = this.historyEvents(bundle, activity.history);
    // Unknown: no profile, no history. The bundle may still know the id from training.
    if (user === undefined && history.length === 0) return exported;
    const place = context.lat === undefined || context.lng === undefined ? '' : `${context.lat.toFixed(2)},${context.lng.toFixed(2)}`;
    const key = [
      bundle.version,
      userId,
      Math.floor(context.at / MS_PER_HOUR),
      place,
      user === undefined ? '' : hashString32(JSON.stringify(user)),
      history.length,
      activity.history[0]?.at ?? '',
      history.map((e) => e.id).join('\u0001').length,
      hashString32(history.map((e) => e.id).join('\u0001')),
    ].join('|');
    const cached = this.userVectors.get(key);
    if (cached !== undefined) return cached;
    const v = bundle.embedUser({ user, history, context });
    this.userVectors.set(key, v);
    return v;
  }

  // ───────────────────────────── re-rank ─────────────────────────────

  async rank(body: RankBody): Promise<{ response: RankResponse; timings: StageTimings }> {
    const unknown = body.eventIds.filter((id) => !this.records.has(id));
    if (unknown.length > 0 && (body.onUnknown ?? 'reject') === 'reject') {
      const first = body.eventIds.indexOf(unknown[0]);
      throw new EvrecError('NOT_FOUND', `body.eventIds: unknown event ids: ${unknown.slice(0, 20).join(', ')}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ''} (send onUnknown: "last" to rank them last)`, {
        field: `body.eventIds[${first}]`,
        details: { unknownEventIds: unknown },
      });
    }
    return this.bundles.withBundle(async (bundle) => {
      const timings: StageTimings = {};
      const t0 = performance.now();
      const at = body.context?.at ?? this.clock();
      const context: RequestContext = { ...body.context, at };
      const { userId } = body;
      const known = body.eventIds.filter((id) => this.records.has(id));
      const events = known.map((id) => this.records.get(id) ?? { id });
      let degraded = false;
      let user: User | undefined;
      let snapshot: FeatureSnapshot;
      try {
        const [u, snap] = await withDeadline(Promise.all([this.store.getUser(userId), gatherActivity(this.reader, { userId, eventIds: known, at })]), this.options.storeTimeoutMs ?? 250, 'reading the user');
        user = u;
        snapshot = snap;
      } catch (e) {
        if (!isStoreOutage(e)) throw e;
        degraded = true;
        this.markDegraded(e);
        snapshot = batchSnapshot(bundle.catalog, { userId, eventIds: known, at });
      }
      const t1 = performance.now();
      timings['rank.features'] = t1 - t0;
      let scores: ArrayLike<number> = new Float32Array(events.length);
      if (events.length > 0) {
        const userVector = this.userVector(bundle, userId, user, snapshot.user, context, degraded);
        if (bundle.ranker !== undefined) {
          scores = await bundle.score({ user, events, context, snapshot, catalog: this.records, userVector });
        } else if (userVector !== undefined) {
          // No ranker: the two-tower similarity orders the list.
          const d = bundle.dims;
          scores = bundle.eventVectors(events).map((v) => {
            let s = 0;
            for (let k = 0; k < d; k++) s += v[k] * userVector[k];
            return s;
          });
        }
      }
      const t2 = performance.now();
      timings['rank.score'] = t2 - t1;
      const order = known.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
      const items: RankResponse['items'] = order.map((i, p) => ({ eventId: known[i], position: p, score: scores[i], known: true }));
      for (const id of unknown) items.push({ eventId: id, position: items.length, score: null, known: false });
      timings['rank.total'] = performance.now() - t0;
      for (const [stage, ms] of Object.entries(timings)) this.metrics.stage(stage, ms);
      if (degraded) this.metrics.degradedResponses.inc();
      return { response: { modelVersion: bundle.version, degraded, at, items, unknownEventIds: unknown }, timings };
    });
  }

  // ───────────────────────────── writes ─────────────────────────────

  private write<T>(promise: Promise<T>, what: string): Promise<T> {
    return withDeadline(promise, this.storeWriteTimeoutMs, what);
  }

  /**
   * Ingests a validated batch: each interaction atomically and idempotently (concurrent calls, so
   * one round trip on Redis), then attribution for the accepted ones and fresh popularity counters
   * for events whose registrations changed. The next request sees all of it.
   */
  async feedback(interactions: readonly Interaction[]): Promise<FeedbackResponse> {
    const results = await this.write(Promise.all(interactions.map((i) => this.store.ingest([i]))), 'ingesting feedback');
    const out: FeedbackResponse = { accepted: 0, duplicates: 0, results: [] };
    const touched = new Set<string>();
    const counted: Interaction[] = [];
    interactions.forEach((x, i) => {
      const accepted = results[i].accepted > 0;
      this.metrics.feedback.inc({ type: x.type, result: accepted ? 'accepted' : 'duplicate' });
      out.results.push({ id: x.id, status: accepted ? 'accepted' : 'duplicate' });
      if (!accepted) {
        out.duplicates++;
        return;
      }
      out.accepted++;
      counted.push(x);
      if (x.type === 'register' || x.type === 'attend' || x.type === 'cancel') touched.add(x.eventId);
    });
    // The interactions are stored: attribution or the feed failing now must not make the client
    // retry (the retry would be a duplicate), so they are logged instead.
    await this.write(this.attribution.record(counted), 'counting attribution').catch((e: unknown) => this.options.logger?.warn({ error: (e as Error).message }, 'attribution not counted'));
    if (touched.size > 0) {
      const ids = [...touched];
      await this.refreshEventStats(ids).catch((e: unknown) => this.options.logger?.warn({ error: (e as Error).message }, 'popularity refresh after feedback failed'));
      // The other replicas re-read these counters from the store too.
      if (this.options.catalogFeed !== undefined) {
        await this.write(this.options.catalogFeed.publish({ op: 'stats', eventIds: ids }), 'announcing popularity changes').catch((e: unknown) => this.options.logger?.warn({ error: (e as Error).message }, 'popularity changes not announced to the other replicas'));
      }
    }
    return out;
  }

  /** Re-reads these events' popularity counters from the store into the serving catalogue (after feedback, here or on another replica). */
  async refreshEventStats(eventIds: readonly string[]): Promise<number> {
    const at = this.clock();
    return this.bundles.withBundle((b) => refreshCatalogStats(b.catalog, this.reader, { at, ids: eventIds.filter((id) => b.catalog.has(id)) }));
  }

  async attributionOf(recommendationId: string): Promise<AttributionCounts> {
    const c = await withDeadline(this.attribution.get(recommendationId), this.storeWriteTimeoutMs, 'reading attribution');
    if (c === undefined) throw new EvrecError('NOT_FOUND', `no feedback recorded for recommendation ${recommendationId} (or it expired)`, { field: 'params.recommendationId' });
    return c;
  }

  /** Creates or replaces an event: stored, then embedded and indexed by the serving bundle (searchable at once). */
  async upsertEvent(event: Event): Promise<{ eventId: string; created: boolean; indexed: boolean; modelVersion: string }> {
    const created = !this.records.has(event.id);
    await this.write(this.store.upsertEvent(event), 'storing the event');
    // Announced before it is applied here: a change that never reached the feed is never served (the client retries the 503).
    const superseded = await this.announce({ op: 'upsert', event });
    if (!superseded) this.records.upsert(event);
    this.metrics.catalogChanges.inc({ op: 'upsert' });
    const b = this.bundles.current;
    return { eventId: event.id, created, indexed: b.index.has(event.id), modelVersion: b.version };
  }

  /** Cancels an event: kept as a cancelled record (history still refers to it), gone from every index at once. */
  async cancelEvent(eventId: string): Promise<{ eventId: string; status: 'cancelled' }> {
    const e = this.records.get(eventId);
    if (e === undefined) throw new EvrecError('NOT_FOUND', `event ${eventId} not found`, { field: 'params.eventId' });
    const cancelled: Event = { ...e, status: 'cancelled' };
    await this.write(this.store.upsertEvent(cancelled), 'storing the cancellation');
    const superseded = await this.announce({ op: 'cancel', event: cancelled });
    if (!superseded) this.records.cancel(eventId);
    this.metrics.catalogChanges.inc({ op: 'cancel' });
    return { eventId, status: 'cancelled' };
  }

  /** Publishes a catalogue change on the feed (when there is one); true when a later change from another replica already won. */
  private async announce(change: { op: 'upsert' | 'cancel'; event: Event }): Promise<boolean> {
    const feed = this.options.catalogFeed;
    if (feed === undefined) return false;
    return (await this.write(feed.publish(change), 'announcing the change to the other replicas')).superseded;
  }

  async upsertUser(user: User): Promise<{ userId: string; created: boolean }> {
    const before = await this.write(this.store.getUser(user.id), 'reading the user');
    await this.write(this.store.upsertUser(user), 'storing the user');
    return { userId: user.id, created: before === undefined };
  }

  async setFriends(userId: string, friendIds: readonly string[]): Promise<{ userId: string; friends: number }> {
    const self = friendIds.indexOf(userId);
    if (self >= 0) throw new EvrecError('INVALID_INPUT', `body.friendIds[${self}]: a user cannot be their own friend`, { field: `body.friendIds[${self}]` });
    const unique = [...new Set(friendIds)];
    await this.write(this.store.setFriends(userId, unique), 'storing friends');
    return { userId, friends: unique.length };
  }

  // ───────────────────────────── health ─────────────────────────────

  async readiness(): Promise<{ ready: boolean; bundle: { version: string; loadedMs: number; events: number; indexed: number; lastReloadError: string | null }; store: { kind: string; ok: boolean; error?: string } }> {
    const b = this.bundles.current;
    let store: { kind: string; ok: boolean; error?: string } = { kind: this.store.kind, ok: true };
    try {
      await withDeadline(this.store.ping(), 1000, 'store ping');
    } catch (e) {
      store = { kind: this.store.kind, ok: false, error: (e as Error).message };
    }
    return {
      ready: store.ok && !b.isDisposed,
      bundle: { version: b.version, loadedMs: Math.round(b.loadInfo.ms), events: b.catalog.size, indexed: b.index.size, lastReloadError: this.bundles.lastError?.message ?? null },
      store,
    };
  }
}
