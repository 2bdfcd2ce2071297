import { MemoryFeatureStore, type MemoryStoreOptions } from './memory-store.ts';
import { RedisFeatureStore, type RedisStoreOptions } from './redis-store.ts';
import type { FeatureStore } from './types.ts';

export interface CreateFeatureStoreOptions extends Omit<RedisStoreOptions, 'url'>, MemoryStoreOptions {
  /** When set, a `RedisFeatureStore` on this URL; otherwise the in-process `MemoryFeatureStore`. */
  redisUrl?: string;
}

/**
 * The store the configuration asks for: Redis when `redisUrl` is given (`Config.redisUrl`, env
 * `REDIS_URL`), the embedded memory store otherwise (durable when `logPath` is given).
 */
export async function createFeatureStore(options: CreateFeatureStoreOptions = {}): Promise<FeatureStore> {
  const { redisUrl, ...rest } = options;
  if (redisUrl !== undefined && redisUrl !== '') return RedisFeatureStore.connect({ ...rest, url: redisUrl });
  return MemoryFeatureStore.open(rest);
}
