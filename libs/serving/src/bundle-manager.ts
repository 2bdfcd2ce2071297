import { watch, type FSWatcher } from 'node:fs';
import { Redis } from 'ioredis';
import { EventTextCache } from '@evrec/features';
import { BUNDLE_PUBLISHED_CHANNEL, EvrecError, isEvrecError, readCurrentPointer, type ActivityReader, type Logger, type ProgressReporter, type TfBackendChoice } from '@evrec/core';
import type { CatalogChange, EventRecords } from './event-records.ts';
import type { ScoringThread } from './scoring-thread.ts';
import { ServingBundle, isIndexable } from './serving-bundle.ts';


export interface BundleManagerOptions {
  /** Artefact root holding versions/ and the current.json pointer. */
  artifactsDir: string;
  /** The live catalogue; the manager keeps every bundle in step with its changes. */
  records: EventRecords;
  /** The serving clock (epoch ms). */
  clock: () => number;
  /** Popularity counters for a newly loaded bundle. Default none. */
  stats?: ActivityReader;
  /** TF.js backend. Default auto. */
  backend?: TfBackendChoice;
  /** Every bundle runs its ranker's forward pass on this thread (see ServingBundle). Default none. */
  scoringThread?: ScoringThread;
  /**
   * Entries of the event text cache shared by every bundle version (about 1 KB each). Default
   * max(200,000, 1.1 × the catalogue at start): every event can stay cached, so no request pays
   * for hashing a description after the warm-up.
   */
  textCacheEntries?: number;
  /** Hash the text of every upcoming event in the background after `start` (slices of 10 ms). Default true. */
  warmTextCache?: boolean;
  /** Poll current.json this often (ms), beside fs.watch (which misses changes on some network file systems). 0 disables. Default 5,000. */
  pollMs?: number;
  /** Watch the artefact directory with fs.watch. Default true. */
  watch?: boolean;
  /** Subscribe to `channel` on this Redis for publish announcements. Default none. */
  redisUrl?: string;
  /** Default `evrec:bundle:published`. */
  channel?: string;
  /** Told about every reload attempt (metrics). */
  onReload?: (outcome: ReloadOutcome) => void;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  progress?: ProgressReporter;
}

export interface ReloadOutcome {
  /** `loaded`: swapped in; `refused`: failed to load or verify, the old bundle keeps serving; `unchanged`: already serving that version. */
  result: 'loaded' | 'refused' | 'unchanged';
  /** What triggered it: `start`, `watch`, `poll`, `pubsub`, `manual`. */
  trigger: string;
  /** The version the pointer named. */
  version?: string;
  /** The version serving before. */
  previous: string;
  error?: EvrecError;
  ms: number;
}

function asEvrecError(e: unknown): EvrecError {
  if (isEvrecError(e)) return e;
  return new EvrecError('CORRUPT_ARTIFACT', `bundle failed to load: ${(e as Error).message}`, { cause: e });
}

/**
 * Serves one bundle at a time and swaps in new ones without dropping a request. It follows the
 * `current.json` pointer (fs.watch with a poll fallback, plus Redis pub/sub when configured); a new
 * version is loaded BESIDE the serving one (checksums verified by openBundle, catalogue brought up
 * to date, smoke-scored), catalogue changes made meanwhile are replayed onto it, and then one
 * synchronous assignment swaps it in. Requests lease the bundle they start with, so in-flight
 * requests finish on the old one, which frees its models after the last of them. A bundle that
 * fails any step is refused (logged, counted) and not retried until the pointer names another
 * version; the old one keeps serving.
 */
export class BundleManager {
  private bundle: ServingBundle;
  private running: Promise<ReloadOutcome> | undefined;
  private queued: { trigger: string; promise: Promise<ReloadOutcome> } | undefined;
  /** Changes made while a new bundle loads, replayed onto it before the swap. */
  private journal: CatalogChange[] | undefined;
  private readonly refused = new Set<string>();
  private readonly unsubscribe: () => void;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private closed = false;
  /** The last refusal, for readiness output. */
  lastError: EvrecError | undefined;
  /** Progress of the background text-cache warm-up (`finished` once every upcoming event was hashed). */
  readonly textCacheWarmUp = { done: 0, total: 0, finished: false, ms: 0 };

  private constructor(
    private readonly options: BundleManagerOptions,
    first: ServingBundle,
    /** Event text vectors shared by every bundle version: a hot swap keeps the warmed cache. */
    readonly textCache: EventTextCache,
  ) {
    this.bundle = first;
    this.unsubscribe = options.records.onChange((change) => {
      this.textCache.invalidate(change.event.id);
      this.bundle.applyChange(change);
      this.journal?.push(change);
    });
  }

  /** Loads the current bundle; throws (NOT_FOUND, CORRUPT_ARTIFACT) when there is none that loads. */
  static async open(options: BundleManagerOptions): Promise<BundleManager> {
    const textCache = new EventTextCache({ maxEntries: options.textCacheEntries ?? Math.max(200_000, Math.ceil(options.records.size * 1.1)) });
    const first = await ServingBundle.load({ ...options, textCache, logger: options.logger });
    options.logger?.info({ version: first.version, ...first.loadInfo }, 'bundle loaded');
    return new BundleManager(options, first, textCache);
  }

  /**
   * Hashes the text of every upcoming event into the shared cache, 10 ms at a time between
   * requests, so that after the warm-up no request pays ~0.2 ms per uncached candidate.
   */
  private async warmTextCache(): Promise<void> {
    const started = performance.now();
    const w = this.textCacheWarmUp;
    const at = this.options.clock();
    const events = [...this.options.records.values()].filter((e) => isIndexable(e, at));
    w.total = events.length;
    let slice = performance.now();
    for (const e of events) {
      if (this.closed) return;
      this.textCache.warm(e);
      w.done++;
      if (performance.now() - slice > 10) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
    }
    w.finished = true;
    w.ms = Math.round(performance.now() - started);
    this.options.logger?.info({ events: w.total, ms: w.ms, cached: this.textCache.size }, 'event text cache warm');
  }

  /** The bundle new requests get. */
  get current(): ServingBundle {
    return this.bundle;
  }

  /** Runs `fn` with a lease on the current bundle (it stays alive until `fn` settles). */
  async withBundle<T>(fn: (bundle: ServingBundle) => Promise<T> | T): Promise<T> {
    const b = this.bundle;
    b.acquire();
    try {
      return await fn(b);
    } finally {
      b.release();
    }
  }

  /**
   * Checks the pointer and swaps in the version it names when that differs from the serving one.
   * Reloads run one at a time; calls during a reload share one follow-up check.
   */
  reload(trigger = 'manual'): Promise<ReloadOutcome> {
    if (this.running === undefined) {
      this.running = this.doReload(trigger).finally(() => (this.running = undefined));
      return this.running;
    }
    if (this.queued === undefined) {
      const after = this.running;
      const promise = after.then(() => {
        this.queued = undefined;
        return this.reload(trigger);
      });
      this.queued = { trigger, promise };
    }
    return this.queued.promise;
  }

  private async doReload(trigger: string): Promise<ReloadOutcome> {
    const started = performance.now();
    const previous = this.bundle.version;
    const done = (o: Omit<ReloadOutcome, 'ms' | 'trigger' | 'previous'>): ReloadOutcome => {
      const outcome: ReloadOutcome = { ...o, trigger, previous, ms: performance.now() - started };
      if (outcome.result !== 'unchanged') this.options.onReload?.(outcome);
      return outcome;
    };
    let version: string | undefined;
    try {
      version = (await readCurrentPointer(this.options.artifactsDir))?.version;
    } catch (e) {
      const error = asEvrecError(e);
      this.lastError = error;
      this.options.logger?.error({ error: error.message, trigger }, 'bundle pointer unreadable: keeping the serving bundle');
      return done({ result: 'refused', error });
    }
    if (version === undefined || version === previous) return done({ result: 'unchanged', version });
    if (this.refused.has(version) && trigger !== 'manual') return done({ result: 'unchanged', version });
    this.journal = [];
    let next: ServingBundle;
    try {
      next = await ServingBundle.load({ ...this.options, version, previous: this.bundle });
    } catch (e) {
      this.journal = undefined;
      const error = asEvrecError(e);
      this.refused.add(version);
      this.lastError = error;
      this.options.logger?.error({ version, previous, trigger, error: error.message }, 'bundle refused: the serving bundle stays');
      return done({ result: 'refused', version, error });
    }
    // Synchronous from here to the swap: no request or catalogue change can interleave.
    for (const change of this.journal) next.applyChange(change);
    this.journal = undefined;
    if (this.closed) {
      next.retire();
      return done({ result: 'refused', version, error: new EvrecError('UNAVAILABLE', 'bundle manager closed during the load') });
    }
    const old = this.bundle;
    this.bundle = next;
    old.retire();
    this.refused.delete(version);
    this.lastError = undefined;
    this.options.logger?.info({ version, previous, trigger, ...next.loadInfo }, 'bundle swapped in');
    return done({ result: 'loaded', version });
  }

  /** Starts following the pointer: fs.watch, polling and Redis pub/sub as configured. */
  async start(): Promise<void> {
    const o = this.options;
    if (o.warmTextCache !== false && this.bundle.ranker !== undefined) {
      this.warmTextCache().catch((e: unknown) => o.logger?.warn({ error: (e as Error).message }, 'text cache warm-up failed'));
    }
    const trigger = (t: string): void => {
      if (this.closed) return;
      this.reload(t).catch((e: unknown) => o.logger?.error({ error: (e as Error).message }, 'bundle reload crashed'));
    };
    if (o.watch !== false) {
      try {
        this.watcher = watch(o.artifactsDir, (_event, filename) => {
          if (filename !== null && !String(filename).startsWith('current.json')) return;
          // Coalesce the burst of events one rename makes.
          clearTimeout(this.watchTimer);
          this.watchTimer = setTimeout(() => trigger('watch'), 50);
        });
        this.watcher.on('error', (e) => o.logger?.warn({ error: e.message }, 'fs.watch failed: relying on polling'));
      } catch (e) {
        o.logger?.warn({ error: (e as Error).message }, 'fs.watch unavailable: relying on polling');
      }
    }
    const pollMs = o.pollMs ?? 5000;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => trigger('poll'), pollMs);
      this.pollTimer.unref();
    }
    if (o.redisUrl !== undefined) {
      const sub = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
      sub.on('error', (e: Error) => o.logger?.warn({ error: e.message }, 'bundle announcement subscriber: redis error'));
      sub.on('message', () => trigger('pubsub'));
      this.subscriber = sub;
      try {
        await sub.connect();
        await sub.subscribe(o.channel ?? BUNDLE_PUBLISHED_CHANNEL);
      } catch (e) {
        // Not fatal: the watcher and the poll still follow the pointer; ioredis keeps reconnecting.
        o.logger?.warn({ error: (e as Error).message }, 'cannot subscribe to bundle announcements yet');
      }
    }
  }

  /** Stops following the pointer and frees the serving bundle once its requests are done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.watcher?.close();
    clearTimeout(this.watchTimer);
    clearInterval(this.pollTimer);
    if (this.subscriber !== undefined) this.subscriber.disconnect();
    await this.running?.catch(() => undefined);
    this.bundle.retire();
  }
}

/** Announces a published version to every serving replica subscribed on `channel`. */
export async function announceBundle(redisUrl: string, version: string, channel = BUNDLE_PUBLISHED_CHANNEL): Promise<number> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.publish(channel, JSON.stringify({ version, publishedAt: new Date().toISOString() }));
  } catch (e) {
    throw new EvrecError('UNAVAILABLE', `cannot announce bundle ${version} on Redis: ${(e as Error).message}`, { cause: e });
  } finally {
    client.disconnect();
  }
}
