import { Redis } from 'ioredis';
import type { RedisOptions } from 'bullmq';
import { EvrecError } from '@evrec/core';
import { DEFAULT_QUEUE_PREFIX } from './job-types.ts';

/** How the jobs reach Redis. */
export interface JobsConnectionOptions {
  /** `redis://[user:pass@]host:port[/db]` (or `rediss://`). */
  redisUrl: string;
  /** BullMQ key prefix; tests use a unique one each. Default `evrec-jobs`. */
  prefix?: string;
}

/** BullMQ connection options for a Redis URL (workers need `maxRetriesPerRequest: null`). */
export function bullConnection(redisUrl: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(redisUrl);
  } catch {
    throw new EvrecError('CONFIG', `invalid Redis URL "${redisUrl}"`, { field: 'redisUrl' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new EvrecError('CONFIG', `Redis URL must start with redis:// or rediss://, got "${u.protocol}"`, { field: 'redisUrl' });
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new EvrecError('CONFIG', `invalid Redis database "${u.pathname.slice(1)}" in the URL`, { field: 'redisUrl' });
  return {
    host: u.hostname || '127.0.0.1',
    port: u.port === '' ? 6379 : Number(u.port),
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export function queuePrefix(options: Pick<JobsConnectionOptions, 'prefix'>): string {
  return options.prefix ?? DEFAULT_QUEUE_PREFIX;
}

/** A plain client for the publish lock and announcements; UNAVAILABLE when Redis cannot be reached. */
export async function connectRedis(redisUrl: string, connectTimeoutMs = 5000): Promise<Redis> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 3 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (e) {
    client.disconnect();
    throw new EvrecError('UNAVAILABLE', `cannot connect to Redis: ${(e as Error).message}`, { cause: e });
  }
}
