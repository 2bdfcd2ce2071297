import {
  EvrecError,
  emptyEventActivity,
  openBundle,
  silentProgress,
  type ActivityReader,
  type Event,
  type Logger,
  type OpenedBundle,
  type ProgressReporter,
  type TfBackendChoice,
} from '@evrec/core';
import { AnnIndex, ANN_DEFAULTS } from '@evrec/ann';
import { loadEmbeddingsComponent, type EmbedUserInput, type EmbeddingsComponent } from '@evrec/embeddings';
import { join } from 'node:path';
import type { EventTextCache } from '@evrec/features';
import { applyCalibration, loadRankerComponent, RANKER_COMPONENT, RANKER_FILES, type Ranker, type RankerScoreInput } from '@evrec/ranker';
import { ANN_COMPONENT, Catalog, loadAnnComponent, refreshCatalogStats, type EventStats } from '@evrec/retrieval';
import type { CatalogChange, EventRecords } from './event-records.ts';
import type { ScoringThread } from './scoring-thread.ts';
import { verifyBundleOffThread } from './verify-off-thread.ts';

export interface LoadServingBundleOptions {
  /** Artefact root (versions/, current.json). */
  artifactsDir: string;
  /** Version to load. Default: the one `current.json` points at. */
  version?: string;
  /** The live catalogue the bundle's retrieval catalogue is built from. */
  records: EventRecords;
  /** The serving clock (epoch ms): which events are upcoming, when stats are read. */
  clock: () => number;
  /** Popularity counters (registrations, 7-day velocity) come from here at load. Default none. */
  stats?: ActivityReader;
  /** Give up reading counters from `stats` after this long (the previous bundle's are kept). Default 10,000 ms. */
  statsTimeoutMs?: number;
  /** The bundle being replaced: its counters are copied first, so a store outage keeps batch popularity. */
  previous?: ServingBundle;
  /** TF.js backend. Default auto. */
  backend?: TfBackendChoice;
  /**
   * Runs the neural ranker's forward pass on this worker thread (the bundle loads its model there
   * and unloads it when it retires). Default none: scoring on the calling thread.
   */
  scoringThread?: ScoringThread;
  /** Event text vectors shared across bundle versions (the ranker's own cache when absent or of other dimensions). */
  textCache?: EventTextCache;
  /** Longest synchronous slice of catalogue work before yielding to the event loop (keeps the old bundle serving), ms. Default 20. */
  sliceMs?: number;
  progress?: ProgressReporter;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** What loading a bundle did and where the time went (ms per phase), for logs, metrics and `/v1/bundle`. */
export interface LoadInfo {
  ms: number;
  phases: Record<'verify' | 'models' | 'index' | 'catalog' | 'stats' | 'smoke', number>;
  /** The ranker's forward pass runs on the scoring thread (false: on the serving thread). */
  scoringThread: boolean;
  /** Events in the catalogue records. */
  events: number;
  /** Events added to (or re-embedded in) the index at load. */
  added: number;
  /** …of which embedded by the event tower (no exported vector, or changed at run time). */
  embedded: number;
  /** Events taken out of the index (cancelled or over). */
  removed: number;
  ranker: boolean;
  annComponent: boolean;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Scheduled, with a start time, not over yet: kept in the index (the rules pick the window per request). */
export function isIndexable(e: Event, at: number): boolean {
  return e.status !== 'cancelled' && e.startsAt !== undefined && e.startsAt >= at;
}

/**
 * One loaded artefact bundle, ready to serve: the two-tower model and its exported vectors, the
 * ranker (optional: without one the retrieval order stands), the ANN index brought up to date with
 * the live catalogue (events the index lacks or that changed at run time are embedded by this
 * bundle's event tower), and a retrieval `Catalog` over every known event with popularity counters.
 *
 * Requests hold a lease (`acquire`/`release`) for their whole duration; a bundle replaced by a hot
 * swap is `retire`d and frees its tensors only when its last lease is released, so in-flight
 * requests finish on the bundle they started with.
 */
export class ServingBundle {
  private refs = 0;
  private retired = false;
  private disposed = false;
  /** Where the ranker's forward pass runs; undefined: on the calling thread. */
  private thread: ScoringThread | undefined;
  /** Shared event text vectors for the ranker's features (see LoadServingBundleOptions.textCache). */
  private textCache: EventTextCache | undefined;

  private constructor(
    readonly version: string,
    readonly opened: OpenedBundle,
    readonly embeddings: EmbeddingsComponent,
    readonly ranker: Ranker | undefined,
    readonly index: AnnIndex,
    readonly catalog: Catalog,
    private readonly userRows: ReadonlyMap<string, number>,
    private readonly clock: () => number,
    /** What load did, for logs and `/v1/bundle`. */
    readonly loadInfo: LoadInfo,
  ) {}

  /**
   * Opens (verifying every checksum), loads and smoke-tests a bundle. Throws CORRUPT_ARTIFACT (or
   * NOT_FOUND) without side effects on anything already serving.
   */
  static async load(options: LoadServingBundleOptions): Promise<ServingBundle> {
    const started = performance.now();
    const phases: LoadInfo['phases'] = { verify: 0, models: 0, index: 0, catalog: 0, stats: 0, smoke: 0 };
    let mark = started;
    const phase = (name: keyof LoadInfo['phases']): void => {
      const now = performance.now();
      phases[name] = Math.round(now - mark);
      mark = now;
    };
    const progress = options.progress ?? silentProgress;
    const sliceMs = Math.max(1, options.sliceMs ?? 20);
    // Checksums on a worker thread, then the manifest here (the version is pinned first, so a
    // pointer moving meanwhile cannot make us verify one bundle and load another).
    const version = options.version ?? (await openBundle(options.artifactsDir, { verify: false })).version;
    const unverified = await openBundle(options.artifactsDir, { version, verify: false });
    await verifyBundleOffThread(unverified.dir);
    const opened = unverified;
    phase('verify');
    let ranker: Ranker | undefined;
    let embeddings: EmbeddingsComponent | undefined;
    let ownEmbeddings = false;
    try {
      if (opened.has(RANKER_COMPONENT)) ranker = await loadRankerComponent(opened, { backend: options.backend });
      else options.logger?.warn({ version: opened.version }, 'bundle has no ranker: serving retrieval order');
      embeddings = ranker?.towers?.component;
      if (embeddings === undefined) {
        embeddings = await loadEmbeddingsComponent(opened, { backend: options.backend });
        ownEmbeddings = true;
      }
      const emb = embeddings;
      const model = emb.model;
      phase('models');
      const hasAnn = opened.has(ANN_COMPONENT);
      const index = hasAnn
        ? (await loadAnnComponent(opened)).index
        : AnnIndex.create({ dims: model.dims, M: ANN_DEFAULTS.M, efConstruction: ANN_DEFAULTS.efConstruction, ef: ANN_DEFAULTS.ef, maxElements: Math.max(1024, options.records.size) });
      if (index.dims !== model.dims) throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${opened.version}: index has ${index.dims} dims, embeddings ${model.dims}`);
      if (!hasAnn) options.logger?.warn({ version: opened.version }, 'bundle has no ann component: indexing the upcoming events in memory');
      phase('index');

      const at = options.clock();
      const catalog = new Catalog({ index, embedEvents: (es) => model.embedEvents(es), indexable: (e) => isIndexable(e, options.clock()) });
      const eventRows = new Map<string, number>();
      emb.eventIds.forEach((id, i) => eventRows.set(id, i));
      const d = model.dims;
      let embedded = 0;
      let indexed = 0;
      let removed = 0;
      let done = 0;
      let batch: Event[] = [];
      const flush = (): void => {
        // Events with an exported vector that did not change reuse it; the rest go through the event tower.
        const toEmbed: Event[] = [];
        for (const e of batch) {
          const row = eventRows.get(e.id);
          if (row !== undefined && !options.records.changed(e.id)) index.add(e.id, emb.eventVectors.subarray(row * d, (row + 1) * d));
          else toEmbed.push(e);
        }
        if (toEmbed.length > 0) {
          const vs = model.embedEvents(toEmbed);
          toEmbed.forEach((e, i) => index.add(e.id, vs[i]));
          embedded += toEmbed.length;
        }
        indexed += batch.length;
        batch = [];
      };
      const total = options.records.size;
      let sliceStart = performance.now();
      for (const e of options.records.values()) {
        catalog.upsert(e, { syncIndex: false });
        if (isIndexable(e, at)) {
          if (!index.has(e.id) || options.records.changed(e.id)) batch.push(e);
        } else if (index.remove(e.id)) removed++;
        if (batch.length >= 1024) flush();
        if (++done % 256 === 0 && performance.now() - sliceStart > sliceMs) {
          progress({ stage: 'bundle.catalog', done, total });
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      flush();
      progress({ stage: 'bundle.catalog', done, total });
      phase('catalog');

      if (options.previous !== undefined) {
        const previous = options.previous.catalog;
        const carried: Array<[string, EventStats]> = [];
        for (const e of previous.values()) {
          const s = previous.stats(e.id);
          if (s.registrations > 0 || s.registrations7d > 0) carried.push([e.id, s]);
        }
        catalog.setStatsMany(carried);
      }
      if (options.stats !== undefined) {
        const ids = [...catalog.values()].filter((e) => isIndexable(e, at)).map((e) => e.id);
        try {
          await withDeadline(refreshCatalogStats(catalog, options.stats, { at, ids }), options.statsTimeoutMs ?? 10_000, 'reading popularity counters');
        } catch (e) {
          options.logger?.warn({ version: opened.version, error: (e as Error).message }, 'popularity counters unavailable at load: keeping the previous bundle\'s');
        }
      }
      // Sort the popularity and newest-first bucket orders and list the buckets' index labels now,
      // not on the first requests.
      catalog.reorderBuckets();
      catalog.prepareLabelLists();
      const userRows = new Map<string, number>();
      emb.userIds.forEach((id, i) => userRows.set(id, i));
      phase('stats');
      const info: LoadInfo = { ms: 0, phases, events: total, added: indexed, embedded, removed, ranker: ranker !== undefined, annComponent: hasAnn, scoringThread: false };
      const bundle = new ServingBundle(opened.version, opened, emb, ranker, index, catalog, userRows, options.clock, info);
      bundle.textCache = options.textCache;
      const smoke = bundle.smokeTest(at);
      if (smoke !== undefined && options.scoringThread?.alive === true) await bundle.attachScoringThread(options.scoringThread, smoke, options.logger);
      info.scoringThread = bundle.thread !== undefined;
      phase('smoke');
      info.ms = Math.round(performance.now() - started);
      return bundle;
    } catch (e) {
      ranker?.dispose();
      if (ownEmbeddings) embeddings?.model.dispose();
      throw e;
    }
  }

  get dims(): number {
    return this.embeddings.model.dims;
  }

  /** The user vector exported with the bundle (as of its training cut), if it has one. */
  exportedUserVector(userId: string): Float32Array | undefined {
    const row = this.userRows.get(userId);
    if (row === undefined) return undefined;
    const d = this.dims;
    return this.embeddings.userVectors.subarray(row * d, (row + 1) * d);
  }

  embedUser(input: EmbedUserInput): Float32Array {
    return this.embeddings.model.embedUser(input);
  }

  /** Two-tower vectors of events, in order: the index's (kept current on upsert), else embedded now. */
  eventVectors(events: readonly Event[]): Float32Array[] {
    const d = this.dims;
    // One buffer for all, each vector a view of it: a copy per event would be 500 small
    // ArrayBuffers per request for the garbage collector.
    const block = new Float32Array(events.length * d);
    const out = new Array<Float32Array>(events.length);
    const missing: number[] = [];
    events.forEach((e, i) => {
      if (this.index.copyVector(e.id, block, i * d)) out[i] = block.subarray(i * d, (i + 1) * d);
      else missing.push(i);
    });
    if (missing.length > 0) {
      const vs = this.embeddings.model.embedEvents(missing.map((i) => events[i]));
      missing.forEach((i, k) => (out[i] = vs[k]));
    }
    return out;
  }

  /** Applies a run-time catalogue change: an upcoming event is (re-)embedded and indexed at once; others leave the index. */
  applyChange(change: CatalogChange): void {
    const e = change.event;
    // The ranker caches text vectors by event id: a changed title or description must be re-read.
    this.ranker?.textCache.invalidate(e.id);
    if (change.op === 'upsert' && isIndexable(e, this.clock())) {
      const [v] = this.embeddings.model.embedEvents([e]);
      this.catalog.upsert(e, { vector: v });
    } else {
      this.catalog.upsert(e);
      this.index.remove(e.id);
    }
  }

  /**
   * Checks the loaded parts answer sensibly before the bundle may serve: a user vector of the
   * right size with finite values, an index search, and finite calibrated scores in [0, 1].
   * Returns the ranker's smoke request (undefined without a ranker).
   */
  smokeTest(at: number): RankerScoreInput | undefined {
    const fail = (why: string): never => {
      throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${this.version} failed its smoke test: ${why}`);
    };
    const uv = this.embedUser({ history: [], context: { at } });
    if (uv.length !== this.dims || !uv.every(Number.isFinite)) fail('the user tower returned a non-finite vector');
    const hits = this.index.size > 0 ? this.index.search(uv, Math.min(5, this.index.size)) : [];
    if (hits.some((h) => !Number.isFinite(h.score))) fail('the index returned non-finite scores');
    if (this.ranker === undefined) return undefined;
    const input = this.smokeInput(at, uv, hits);
    const scores = this.ranker.score(input);
    if (scores.length !== input.events.length || ![...scores].every((s) => Number.isFinite(s) && s >= 0 && s <= 1)) fail('the ranker returned scores outside [0, 1]');
    return input;
  }

  /**
   * Loads the ranker's network on `thread` and checks that it answers what the serving thread
   * computes for the smoke request; on any failure the bundle keeps scoring on its own thread.
   */
  private async attachScoringThread(thread: ScoringThread, smoke: RankerScoreInput, logger: LoadServingBundleOptions['logger']): Promise<void> {
    const ranker = this.ranker;
    if (ranker === undefined) return;
    try {
      await thread.load(this.version, join(this.opened.path(RANKER_COMPONENT), RANKER_FILES.nn), ranker.layout);
      const x = ranker.modelInput(smoke);
      const here = ranker.logits('nn', x);
      const there = await thread.logits(this.version, x);
      const worst = here.reduce((m, v, i) => Math.max(m, Math.abs(v - there[i])), 0);
      if (!(worst <= 1e-3)) throw new EvrecError('CORRUPT_ARTIFACT', `scoring thread disagrees with the serving thread by ${worst} on the smoke request`);
      this.thread = thread;
    } catch (e) {
      thread.unload(this.version);
      logger?.warn({ version: this.version, error: (e as Error).message }, 'scoring thread unavailable for this bundle: ranking on the serving thread');
    }
  }

  /**
   * Calibrated P(register) of the neural ranker for one request's candidates: the input is prepared
   * here, the forward pass runs on the scoring thread when there is one (falling back to this
   * thread if it fails), calibration here. Tower inputs only when the ranker uses them: the user
   * vector as given, event vectors as given or from this bundle's index.
   */
  async score(input: RankerScoreInput): Promise<Float32Array> {
    const ranker = this.ranker;
    if (ranker === undefined) throw new EvrecError('INTERNAL', `bundle ${this.version} has no ranker`);
    const towers = ranker.towers !== undefined;
    const x = ranker.modelInput({
      ...input,
      userVector: towers ? input.userVector : undefined,
      eventVectors: towers ? (input.eventVectors ?? this.eventVectors(input.events)) : undefined,
      textCache: input.textCache ?? this.textCache,
    });
    const thread = this.thread;
    if (thread !== undefined && thread.alive) {
      try {
        return applyCalibration(ranker.calibration.nn, await thread.logits(this.version, x));
      } catch {
        // A timeout or a dead thread: this request is scored here (the thread reports its own death).
      }
    }
    return ranker.probabilities('nn', x);
  }

  /** A request of an anonymous user (vector `uv`) for the indexed events `hits` (or one made-up event in an empty index). */
  private smokeInput(at: number, uv: Float32Array, hits: readonly { id: string }[]): RankerScoreInput {
    let events = hits.map((h) => this.catalog.get(h.id)).filter((e): e is Event => e !== undefined);
    if (events.length === 0) events = [{ id: '__smoke_event__', startsAt: at + 86_400_000 }];
    const userId = '__smoke_user__';
    const snapshot = {
      at,
      user: { userId, friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] },
      events: Object.fromEntries(events.map((e) => [e.id, emptyEventActivity()])),
    };
    return { user: { id: userId }, events, context: { at }, snapshot, catalog: this.catalog, userVector: uv, eventVectors: this.eventVectors(events) };
  }

  /** Takes a lease for one request. */
  acquire(): void {
    if (this.disposed) throw new EvrecError('INTERNAL', `bundle ${this.version} was already disposed`);
    this.refs++;
  }

  release(): void {
    this.refs--;
    if (this.retired && this.refs <= 0) this.dispose();
  }

  get leases(): number {
    return this.refs;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Marks the bundle replaced: it frees its models once the last in-flight request releases it. */
  retire(): void {
    this.retired = true;
    if (this.refs <= 0) this.dispose();
  }

  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.thread?.unload(this.version);
    if (this.ranker !== undefined) this.ranker.dispose();
    // The ranker owns the embeddings it loaded for its towers; otherwise they are ours.
    if (this.ranker?.towers?.component !== this.embeddings) this.embeddings.model.dispose();
  }
}

/** Rejects with TIMEOUT when `promise` has not settled within `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EvrecError('TIMEOUT', `${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
