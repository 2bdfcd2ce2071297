import { silentProgress, type Event, type ProgressReporter, type RequestContext, type User, type UserActivity } from '@evrec/core';
import { AnnIndex, type AnnIndexOptions } from '@evrec/ann';
import type { InMemoryDataset } from '@evrec/data';
import type { EmbeddingsComponent, TwoTowerModel } from '@evrec/embeddings';
import { ReplayActivity } from '@evrec/features';
import { annParams, vectorsForEvents } from './build-index.ts';
import { Catalog } from './catalog.ts';
import { isLiveAt, liveEventsAt } from './live.ts';
import { RETRIEVAL_DEFAULTS, retrieveCandidates, type RetrievalOptions, type RetrievalResult } from './retrieve.ts';
import type { RetrievalFilters } from './rules.ts';
import { refreshCatalogStats } from './stats.ts';

export interface OpenReplayRetrievalOptions {
  dataset: InMemoryDataset;
  /** The two-tower model and its exported event vectors (`loadEmbeddingsComponent`). */
  embeddings: Pick<EmbeddingsComponent, 'model' | 'eventIds' | 'eventVectors'>;
  /** Requests are made as of this time (epoch ms): events live then, activity strictly before. */
  at: number;
  /**
   * The bundle's index. Live events it lacks are added (bundle vector, else the event tower), so an
   * index built for another moment still serves. Default: one built here over the live events.
   */
  index?: AnnIndex;
  /** Default `Config.retrieval.horizonDays` (30). */
  horizonDays?: number;
  /** Graph parameters when the index is built here. Default `ANN_DEFAULTS`. */
  ann?: Pick<AnnIndexOptions, 'M' | 'efConstruction' | 'ef' | 'seed'>;
  /** Most history items the replay keeps per user. Default 1,000. */
  historyCap?: number;
  progress?: ProgressReporter;
}

/** One request against a replayed moment. */
export interface ReplayRequest {
  /** A dataset user, or an id the dataset does not know (anonymous: context and popularity). */
  userId?: string;
  /** Location and surface; `at` is always the session's. */
  context?: Omit<Partial<RequestContext>, 'at'>;
  filters?: RetrievalFilters;
}

/**
 * Retrieval over a dataset as of any past moment T: the catalogue holds every event (past ones for
 * home inference), popularity counters and friends' registrations come from `ReplayActivity` (only
 * interactions strictly before T), users are embedded from their history as of T, and the index
 * holds the events live at T. `evrec recommend --at T` and the retrieval evaluation run on it.
 */
export class ReplayRetrieval {
  private constructor(
    readonly at: number,
    readonly horizonDays: number,
    readonly dataset: InMemoryDataset,
    readonly catalog: Catalog,
    readonly index: AnnIndex,
    readonly activity: ReplayActivity,
    readonly model: TwoTowerModel,
    /** Ids of the events live at `at` (the recall corpus). */
    readonly liveIds: readonly string[],
  ) {}

  static async open(options: OpenReplayRetrievalOptions): Promise<ReplayRetrieval> {
    const progress = options.progress ?? silentProgress;
    const { dataset, embeddings, at } = options;
    const horizonDays = options.horizonDays ?? RETRIEVAL_DEFAULTS.horizonDays;
    const live = liveEventsAt(dataset.events.values(), at, horizonDays);
    const model = embeddings.model;
    let index = options.index;
    const vectorMap = new Map<string, Float32Array>();
    const missing = index === undefined ? live : live.filter((e) => !index?.has(e.id));
    if (missing.length > 0) {
      const { vectors } = vectorsForEvents(embeddings, missing, progress);
      const d = model.dims;
      missing.forEach((e, i) => vectorMap.set(e.id, vectors.subarray(i * d, (i + 1) * d)));
    }
    index ??= AnnIndex.create({ ...annParams(options.ann, model.dims), maxElements: Math.max(1, live.length) });
    const catalog = new Catalog({ index, embedEvents: (es) => model.embedEvents(es), indexable: (e) => isLiveAt(e, at, horizonDays) });
    catalog.upsertMany(dataset.events.values(), undefined, false);
    catalog.upsertMany(missing, vectorMap);
    progress({ stage: 'replay.index', done: missing.length, total: missing.length, message: `${live.length} live events, ${missing.length} added to the index` });
    const activity = new ReplayActivity(dataset, { historyCap: options.historyCap ?? 1000 });
    await refreshCatalogStats(catalog, activity, { at, ids: live.map((e) => e.id) });
    return new ReplayRetrieval(at, horizonDays, dataset, catalog, index, activity, model, live.map((e) => e.id));
  }

  /** The user's activity as of the session time (empty for unknown ids). */
  userActivity(userId: string | undefined): UserActivity {
    if (userId === undefined) return { userId: '', friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] };
    return this.activity.snapshotSync({ userId, eventIds: [], at: this.at }).user;
  }

  /** The events of the user's history the model pools (its history types, distinct, most recent first). */
  historyEvents(activity: UserActivity): Event[] {
    const types = new Set<string>(this.model.architecture.historyTypes);
    const seen = new Set<string>();
    const out: Event[] = [];
    for (const h of activity.history) {
      if (out.length >= this.model.architecture.historyCap) break;
      if (!types.has(h.type) || seen.has(h.eventId)) continue;
      seen.add(h.eventId);
      const e = this.dataset.events.get(h.eventId);
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** User-tower vectors for several requests in one forward pass. */
  userVectors(requests: readonly { user?: User; activity: UserActivity; context?: Omit<Partial<RequestContext>, 'at'> }[]): Float32Array[] {
    return this.model.embedUsers(
      requests.map((r) => ({ user: r.user, history: this.historyEvents(r.activity), context: { ...r.context, at: this.at } })),
    );
  }

  /** Retrieval for several requests (users embedded in one batch). */
  async retrieveMany(requests: readonly ReplayRequest[], options: RetrievalOptions = {}): Promise<RetrievalResult[]> {
    const prepared = requests.map((r) => {
      const user = r.userId === undefined ? undefined : this.dataset.users.get(r.userId);
      return { request: r, user, activity: this.userActivity(r.userId), context: r.context };
    });
    const vectors = this.userVectors(prepared);
    const out: RetrievalResult[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i];
      out.push(
        await retrieveCandidates({
          ...options,
          horizonDays: options.horizonDays ?? this.horizonDays,
          user: p.user,
          userId: p.request.userId,
          userVector: vectors[i],
          context: { ...p.context, at: this.at },
          filters: p.request.filters,
          activity: this.activity,
          userActivity: p.activity,
          catalog: this.catalog,
          index: this.index,
        }),
      );
    }
    return out;
  }

  async retrieve(request: ReplayRequest, options: RetrievalOptions = {}): Promise<RetrievalResult> {
    const [r] = await this.retrieveMany([request], options);
    return r;
  }
}
