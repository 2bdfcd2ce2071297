import { Redis } from 'ioredis';
import { z } from 'zod';
import { EvrecError, isEvrecError } from '@evrec/core';
import { DEFAULT_ATTRIBUTION_TTL_MS, type AttributionCounts, type AttributionDelta, type AttributionStore } from './attribution.ts';
import { DEFAULT_LIST_TTL_MS, modelVersionOf, parseRankedList, serializeRankedList, type RankedList, type RecommendationListStore } from './recommendation-lists.ts';

/**
 * Serving state the replicas share through Redis: ranked lists behind cursors, attribution
 * counters, and the catalogue change feed (catalog-feed.ts). One place names every key.
 */
export class ServingRedisKeys {
  /** @param prefix prepended to every key, e.g. `evrec:serving:` (the store's prefix + `serving:`). */
  constructor(readonly prefix: string) {
    if (prefix === '') throw new EvrecError('INVALID_INPUT', 'keyPrefix: must be non-empty', { field: 'keyPrefix' });
  }
  list = (recommendationId: string): string => `${this.prefix}list:${recommendationId}`;
  attribution = (recommendationId: string): string => `${this.prefix}attr:${recommendationId}`;
  catalogFeed = (): string => `${this.prefix}catalog-changes`;
}

/** Connection trouble is UNAVAILABLE (503, retryable); anything else from Redis is INTERNAL. */
export function redisError(e: unknown, what: string): EvrecError {
  if (isEvrecError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const unavailable = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|LOADING|READONLY/i.test(message);
  return new EvrecError(unavailable ? 'UNAVAILABLE' : 'INTERNAL', `redis ${what}: ${message}`, { cause: e });
}

export interface ConnectServingRedisOptions {
  /** `redis://[user:pass@]host:port[/db]`. Required. */
  url: string;
  /** Milliseconds to wait for the connection. Default 5,000. */
  connectTimeoutMs?: number;
}

/** A command connection for the shared state (fails a command after 2 retries instead of queueing it while Redis is down). */
export async function connectServingRedis(options: ConnectServingRedisOptions): Promise<Redis> {
  const client = new Redis(options.url, { lazyConnect: true, connectTimeout: options.connectTimeoutMs ?? 5000, maxRetriesPerRequest: 2 });
  // Errors surface on the commands; without a listener ioredis would print every reconnect failure.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw new EvrecError('UNAVAILABLE', `cannot connect to Redis at ${options.url}: ${(e as Error).message}`, { cause: e });
  }
  return client;
}

/** A key TTL option (`PX`/`PEXPIRE` take whole milliseconds), or its default. */
function keyTtlMs(ttlMs: number | undefined, fallback: number): number {
  const ms = ttlMs ?? fallback;
  if (!Number.isInteger(ms) || ms < 1) throw new EvrecError('INVALID_INPUT', `ttlMs: must be a positive integer, got ${ms}`, { field: 'ttlMs' });
  return ms;
}

export interface RedisListStoreOptions {
  /** A connected client; the caller owns (and closes) it. */
  redis: Redis;
  keys: ServingRedisKeys;
  /** How long a cursor stays valid, ms. Default 15 minutes. */
  ttlMs?: number;
}

/** Ranked lists in Redis, shared by every replica: one key per list (JSON, `SET … PX ttl`). */
export class RedisListStore implements RecommendationListStore {
  readonly kind = 'redis' as const;
  private readonly ttlMs: number;

  constructor(private readonly options: RedisListStoreOptions) {
    this.ttlMs = keyTtlMs(options.ttlMs, DEFAULT_LIST_TTL_MS);
  }

  async put(list: RankedList): Promise<void> {
    try {
      await this.options.redis.set(this.options.keys.list(list.recommendationId), serializeRankedList(list), 'PX', this.ttlMs);
    } catch (e) {
      throw redisError(e, 'storing a ranked list');
    }
  }

  async get(recommendationId: string): Promise<RankedList | undefined> {
    let json: string | null;
    try {
      json = await this.options.redis.get(this.options.keys.list(recommendationId));
    } catch (e) {
      throw redisError(e, 'reading a ranked list');
    }
    return json === null ? undefined : parseRankedList(json);
  }
}

export interface RedisAttributionStoreOptions {
  /** A connected client; the caller owns (and closes) it. */
  redis: Redis;
  keys: ServingRedisKeys;
  /** Counters are kept this long after their last feedback, ms. Default 24 h. */
  ttlMs?: number;
}

const count = z.coerce.number().int().min(0).default(0);
/** A counters hash as read back (strings from Redis; absent fields are 0). */
const CountersHashSchema = z.object({ impressions: count, clicks: count, registrations: count, revenueUsd: z.coerce.number().finite().default(0) });

/**
 * Attribution counters in Redis, shared by every replica: one hash per recommendation (HINCRBY,
 * HINCRBYFLOAT for revenue), its TTL restarted on every write; a batch is one MULTI.
 */
export class RedisAttributionStore implements AttributionStore {
  readonly kind = 'redis' as const;
  private readonly ttlMs: number;

  constructor(private readonly options: RedisAttributionStoreOptions) {
    this.ttlMs = keyTtlMs(options.ttlMs, DEFAULT_ATTRIBUTION_TTL_MS);
  }

  async add(deltas: ReadonlyMap<string, AttributionDelta>): Promise<void> {
    if (deltas.size === 0) return;
    const m = this.options.redis.multi();
    for (const [rid, d] of deltas) {
      const key = this.options.keys.attribution(rid);
      // Every field is written (even by 0) so the hash exists once any feedback was counted.
      m.hincrby(key, 'impressions', d.impressions);
      m.hincrby(key, 'clicks', d.clicks);
      m.hincrby(key, 'registrations', d.registrations);
      if (d.revenueUsd !== 0) m.hincrbyfloat(key, 'revenueUsd', d.revenueUsd);
      m.pexpire(key, this.ttlMs);
    }
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await m.exec();
    } catch (e) {
      throw redisError(e, 'counting attribution');
    }
    const failed = replies?.find(([err]) => err !== null)?.[0];
    if (replies === null || failed != null) throw redisError(failed ?? new Error('transaction aborted'), 'counting attribution');
  }

  async get(recommendationId: string): Promise<AttributionCounts | undefined> {
    let hash: Record<string, string>;
    try {
      hash = await this.options.redis.hgetall(this.options.keys.attribution(recommendationId));
    } catch (e) {
      throw redisError(e, 'reading attribution');
    }
    if (Object.keys(hash).length === 0) return undefined;
    const r = CountersHashSchema.safeParse(hash);
    if (!r.success) throw new EvrecError('INTERNAL', `attribution counters of ${recommendationId} are malformed: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return { recommendationId, modelVersion: modelVersionOf(recommendationId), ...r.data };
  }
}
