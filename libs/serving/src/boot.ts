import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { EvrecError, openBundle, silentProgress, type Config, type Event, type Logger, type ProgressReporter, type TfBackendChoice } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import { DEFAULT_KEY_PREFIX, RedisFeatureStore, createFeatureStore, type BulkAccess, type FeatureStore } from '@evrec/store';
import type { FastifyInstance } from 'fastify';
import { BundleManager } from './bundle-manager.ts';
import { CatalogChangeFeed } from './catalog-feed.ts';
import { ServingEngine, type ServingEngineOptions } from './engine.ts';
import { EventRecords } from './event-records.ts';
import { ScoringThread } from './scoring-thread.ts';
import { ServingMetrics } from './metrics.ts';
import { createServer, type ServerOptions } from './server.ts';
import { RedisAttributionStore, RedisListStore, ServingRedisKeys, connectServingRedis } from './shared-state.ts';

/**
 * The serving clock. `real`: wall time. A number: the clock starts at that epoch ms and advances in
 * real time (serve a recorded or synthetic world as if it were then). `auto`: real time, unless
 * the bundle's index was built for a moment so long ago that no event it holds is still upcoming;
 * then it starts at that moment.
 */
export type ClockChoice = 'real' | 'auto' | number;

export interface StartServingOptions {
  config: Config;
  /** Native dataset: materialised into the embedded store at start and used to seed the catalogue. */
  dataDir?: string;
  /** Also materialise `dataDir` when the store is Redis (idempotent). Default false: Redis is loaded by `evrec materialize`. */
  materializeIntoRedis?: boolean;
  /** Append-only log for the embedded store (durable feedback across restarts). Default none. */
  memoryLogPath?: string;
  /** Use this store instead of creating one from `config.redisUrl` (it is not closed by `close`). */
  store?: FeatureStore;
  /** Key prefix of the Redis store this creates (as `evrec materialize --key-prefix`). Default `evrec:`. */
  redisKeyPrefix?: string;
  /** Replica identity and the state replicas share (see ReplicaOptions). */
  replica?: ReplicaOptions;
  /** Default `real`. */
  clock?: ClockChoice;
  /** TF.js backend. Default `config.tfBackend`. */
  backend?: TfBackendChoice;
  /**
   * Run the ranker's forward pass on a worker thread beside the serving thread (one request is
   * scored while the next is retrieved: about the model's share of a request more throughput on a
   * multi-core machine). Falls back to the serving thread if the thread fails. Default
   * `config.api.scoringThread` (true; env EVREC_SCORING_THREAD=0 turns it off).
   */
  scoringThread?: boolean;
  /** Bundle following: poll interval (default 5,000 ms) and fs.watch (default on). Pub/sub follows `config.redisUrl`. */
  bundles?: { pollMs?: number; watch?: boolean };
  /** Pipeline knobs (store, bundles, records, clock and metrics are set here). */
  engine?: Omit<ServingEngineOptions, 'store' | 'bundles' | 'records' | 'clock' | 'metrics' | 'logger'>;
  registerDashboard?: ServerOptions['registerDashboard'];
  /** Request and lifecycle logs. Default none. */
  logger?: Logger;
  /** Stages `materialize.*`, `bundle.catalog`. */
  progress?: ProgressReporter;
}

/**
 * Several replicas of the API (processes, hosts) behind one load balancer share, through Redis:
 * the ranked lists behind cursors, the attribution counters, and a catalogue change feed. What
 * stays per process: the loaded bundle (each follows current.json), the user-vector cache, the
 * Prometheus counters (Prometheus sums the replicas).
 */
export interface ReplicaOptions {
  /** This process's id: the `x-evrec-replica` response header, and the mark on its feed entries. Default `<hostname>-<pid>-<4 hex>`. */
  id?: string;
  /**
   * Share lists, attribution and catalogue changes through `config.redisUrl`. Default: true when
   * the feature store is Redis and `config.redisUrl` is set (replicas share a store), else false
   * (everything in this process, as with one replica).
   */
  shared?: boolean;
  /** Prefix of the shared keys. Default the Redis store's prefix + `serving:` (`evrec:serving:`). */
  keyPrefix?: string;
  /** Catalogue feed: approximate stream length (default 10,000) and longest blocking read (default 5,000 ms). */
  feed?: { maxLen?: number; blockMs?: number };
}

/** A replica id: `<hostname>-<pid>-<4 hex>` (unique even for several servers in one process). */
export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
}

export interface ServingHandle {
  app: FastifyInstance;
  engine: ServingEngine;
  bundles: BundleManager;
  store: FeatureStore;
  records: EventRecords;
  clock: () => number;
  /** This process's replica id (the `x-evrec-replica` header). */
  replicaId: string;
  /** The catalogue change feed, when the replica state is shared. */
  catalogFeed?: CatalogChangeFeed;
  /** The ranker's worker thread, when `scoringThread` was asked for. */
  scoringThread?: ScoringThread;
  /** How the clock was chosen, for the start banner. */
  clockNote: string;
  /** Listens on `config.api.host:port`; resolves to the URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Both stores list their events (BulkAccess); a custom FeatureStore may not. */
function canListEvents(store: FeatureStore): store is FeatureStore & Pick<BulkAccess, 'allEvents'> {
  return typeof (store as Partial<BulkAccess>).allEvents === 'function';
}

/** Picks the serving clock (see ClockChoice); `auto` looks at which catalogue events are still upcoming. */
export async function resolveClock(choice: ClockChoice, artifactsDir: string, events: Iterable<Event>): Promise<{ clock: () => number; note: string }> {
  const startedAt = Date.now();
  const shifted = (start: number): (() => number) => () => start + (Date.now() - startedAt);
  if (typeof choice === 'number') return { clock: shifted(choice), note: `starts at ${new Date(choice).toISOString()} (--clock)` };
  if (choice === 'real') return { clock: Date.now, note: 'real time' };
  for (const e of events) if (e.startsAt !== undefined && e.startsAt >= startedAt && e.status !== 'cancelled') return { clock: Date.now, note: 'real time' };
  const manifest = (await openBundle(artifactsDir, { verify: false })).manifest;
  const annAt = manifest.components.ann?.meta.at;
  const until = manifest.components.embeddings?.meta.until;
  const at = typeof annAt === 'number' ? annAt : typeof until === 'number' ? until : undefined;
  if (at === undefined) return { clock: Date.now, note: 'real time (no upcoming events and no index time to start from)' };
  return { clock: shifted(at), note: `starts at ${new Date(at).toISOString()}, when the bundle's index was built: no catalogue event is upcoming in real time (--clock real to override)` };
}

/**
 * Wires the whole serving process from configuration: the store (Redis with `config.redisUrl`,
 * else the embedded one, materialised from `dataDir`), the catalogue records, the bundle manager
 * (following current.json, and Redis pub/sub when configured), the engine and the HTTP server.
 * Used by `apps/api` and `evrec serve`.
 */
export async function startServing(options: StartServingOptions): Promise<ServingHandle> {
  const { config } = options;
  const progress = options.progress ?? silentProgress;
  const log = options.logger;
  if (config.api.apiKey === undefined && !LOOPBACK.has(config.api.host)) {
    throw new EvrecError('CONFIG', `refusing to listen on ${config.api.host} without an API key: set EVREC_API_KEY (writes must be authenticated off loopback)`, { field: 'api.apiKey' });
  }
  if (config.api.apiKey === undefined) log?.warn('no API key configured: writes are open to anyone who can reach 127.0.0.1');

  const ownStore = options.store === undefined;
  const store = options.store ?? (await createFeatureStore({ redisUrl: config.redisUrl, keyPrefix: options.redisKeyPrefix ?? DEFAULT_KEY_PREFIX, logPath: options.memoryLogPath, logFsync: 'never' }));
  const records = new EventRecords();
  const replicaId = options.replica?.id ?? defaultReplicaId();
  const metrics = new ServingMetrics();
  let scoringThread: ScoringThread | undefined;
  let sharedRedis: Redis | undefined;
  let catalogFeed: CatalogChangeFeed | undefined;
  try {
    const shared = options.replica?.shared ?? (store.kind === 'redis' && config.redisUrl !== undefined);
    let keys: ServingRedisKeys | undefined;
    if (shared) {
      if (config.redisUrl === undefined) throw new EvrecError('CONFIG', 'replica.shared needs config.redisUrl (REDIS_URL): replicas share their state through Redis', { field: 'redisUrl' });
      const storePrefix = store instanceof RedisFeatureStore ? store.keys.prefix : (options.redisKeyPrefix ?? DEFAULT_KEY_PREFIX);
      keys = new ServingRedisKeys(options.replica?.keyPrefix ?? `${storePrefix}serving:`);
      sharedRedis = await connectServingRedis({ url: config.redisUrl });
      // Pinned before the store's events are read: a change made meanwhile is read again (idempotent), never missed.
      catalogFeed = await CatalogChangeFeed.open({ redis: sharedRedis, keys, replicaId, records, maxLen: options.replica?.feed?.maxLen, blockMs: options.replica?.feed?.blockMs, metrics, logger: log });
      log?.info({ replicaId, keyPrefix: keys.prefix, feedPosition: catalogFeed.position }, 'replica state shared through Redis');
    }
    scoringThread = (options.scoringThread ?? config.api.scoringThread) ? ScoringThread.start({ backend: options.backend ?? config.tfBackend, logger: log }) : undefined;
    if (options.dataDir !== undefined) {
      const ds = await loadDataset(options.dataDir, { progress });
      if (store.kind === 'memory' || options.materializeIntoRedis === true) {
        const r = await store.materialize(ds, { progress });
        log?.info({ users: r.users, events: r.events, friendships: r.friendships, interactions: r.interactions.accepted, ms: Math.round(r.ms) }, 'store materialised');
      }
      records.load(ds.events.values());
    }
    if (store.kind === 'redis' || options.dataDir === undefined) {
      // Run-time changes persisted in the store win over the dataset's records.
      if (canListEvents(store)) for await (const e of store.allEvents()) records.load([e]);
    }
    log?.info({ events: records.size }, 'catalogue records loaded');
    if (records.size === 0) log?.warn('the catalogue is empty: add events with PUT /v1/events/{id} or pass a dataset');

    const { clock, note } = await resolveClock(options.clock ?? 'real', config.artifactsDir, records.values());
    const bundles = await BundleManager.open({
      artifactsDir: config.artifactsDir,
      records,
      clock,
      stats: store,
      backend: options.backend ?? config.tfBackend,
      scoringThread,
      pollMs: options.bundles?.pollMs,
      watch: options.bundles?.watch,
      redisUrl: config.redisUrl,
      logger: log,
      progress,
      onReload: (o) => {
        metrics.bundleReloads.inc({ result: o.result, trigger: o.trigger });
        if (o.result === 'loaded') metrics.setBundle(bundles.current.version, bundles.current.loadInfo.ms);
      },
    });
    await bundles.start();
    const engine = new ServingEngine({
      ...options.engine,
      retrieval: { annK: config.retrieval.annK, horizonDays: config.retrieval.horizonDays, radiusKm: config.retrieval.radiusKm, ...options.engine?.retrieval },
      ...(sharedRedis !== undefined && keys !== undefined
        ? {
            listStore: new RedisListStore({ redis: sharedRedis, keys, ttlMs: options.engine?.lists?.ttlMs }),
            attributionStore: new RedisAttributionStore({ redis: sharedRedis, keys, ttlMs: options.engine?.attribution?.ttlMs }),
            catalogFeed,
          }
        : {}),
      store,
      bundles,
      records,
      clock,
      metrics,
      logger: log,
    });
    engine.start();
    catalogFeed?.start({ refreshStats: (ids) => engine.refreshEventStats(ids) });
    const app = await createServer({ engine, api: config.api, logger: log, registerDashboard: options.registerDashboard, replicaId });
    return {
      app,
      engine,
      bundles,
      store,
      records,
      clock,
      replicaId,
      catalogFeed,
      scoringThread,
      clockNote: note,
      listen: () => app.listen({ host: config.api.host, port: config.api.port }),
      close: async () => {
        await app.close();
        engine.stop();
        await catalogFeed?.close();
        await bundles.close();
        await scoringThread?.close();
        await sharedRedis?.quit().catch(() => sharedRedis?.disconnect());
        if (ownStore) await store.close();
      },
    };
  } catch (e) {
    await catalogFeed?.close();
    sharedRedis?.disconnect();
    await scoringThread?.close();
    if (ownStore) await store.close();
    throw e;
  }
}
