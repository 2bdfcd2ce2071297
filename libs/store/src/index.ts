export * from './types.ts';
export { MemoryFeatureStore, type MemoryStoreOptions } from './memory-store.ts';
export {
  RedisFeatureStore,
  RedisKeys,
  DEFAULT_KEY_PREFIX,
  DEFAULT_DEDUPE_TTL_SECONDS,
  DEFAULT_LOG_MAX_LEN,
  type RedisStoreOptions,
} from './redis-store.ts';
export { createFeatureStore, type CreateFeatureStoreOptions } from './factory.ts';
export type { FsyncPolicy } from './jsonl-log.ts';
