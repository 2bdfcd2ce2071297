/**
 * @evrec/serving — the request pipeline and the artefact bundle it serves, with hot swap, and the
 * Fastify server of the ranking API (apps may not be imported, so the server is built here;
 * apps/api and `evrec serve` start it).
 */
export { startServing, resolveClock, defaultReplicaId, type StartServingOptions, type ServingHandle, type ClockChoice, type ReplicaOptions } from './boot.ts';
export { createServer, type ServerOptions, type DashboardHooks, type RouteAccess } from './server.ts';
export {
  ServingEngine,
  type ServingEngineOptions,
  type RecommendationsResponse,
  type RecommendationItem,
  type RankResponse,
  type FeedbackResponse,
  type EventView,
  type StageTimings,
} from './engine.ts';
export { BundleManager, announceBundle, type BundleManagerOptions, type ReloadOutcome } from './bundle-manager.ts';
export { ServingBundle, isIndexable, withDeadline, type LoadServingBundleOptions, type LoadInfo } from './serving-bundle.ts';
export { EventRecords, type CatalogChange } from './event-records.ts';
export { ServingMetrics } from './metrics.ts';
export { BatchActivity, batchSnapshot, isStoreOutage } from './batch-activity.ts';
export { dedupeListings, diversify, reasonsFor, DIVERSITY_DEFAULTS, type DiversityOptions, type Reason, type ReasonCode, type ReasonOptions, type ScoredItem } from './post-process.ts';
export {
  MemoryListStore,
  resolveCursor,
  serializeRankedList,
  parseRankedList,
  encodeCursor,
  decodeCursor,
  newRecommendationId,
  modelVersionOf,
  DEFAULT_LIST_TTL_MS,
  type RecommendationListStore,
  type RankedList,
  type ListItem,
  type ListCacheOptions,
} from './recommendation-lists.ts';
export { AttributionLedger, MemoryAttributionStore, DEFAULT_ATTRIBUTION_TTL_MS, type AttributionCounts, type AttributionDelta, type AttributionStore, type AttributionOptions } from './attribution.ts';
export { RedisListStore, RedisAttributionStore, ServingRedisKeys, connectServingRedis, type RedisListStoreOptions, type RedisAttributionStoreOptions, type ConnectServingRedisOptions } from './shared-state.ts';
export { CatalogChangeFeed, parseFeedEntry, compareStreamIds, type CatalogFeedChange, type CatalogChangePublisher, type CatalogChangeFeedOptions, type CatalogFeedHandlers } from './catalog-feed.ts';
export {
  parseInput,
  RecommendationsQuerySchema,
  RankBodySchema,
  FeedbackBodySchema,
  EventBodySchema,
  UserBodySchema,
  FriendsBodySchema,
  MAX_FEEDBACK_BATCH,
  MAX_RANK_EVENTS,
  MAX_LIMIT,
  DEFAULT_LIMIT,
  type RecommendationsQuery,
  type RankBody,
  type FeedbackBody,
} from './input.ts';
export { ScoringThread, type ScoringThreadOptions } from './scoring-thread.ts';
export { TtlCache, type TtlCacheOptions } from './ttl-cache.ts';
export { ReplicaSupervisor, replicaIndex, announceReplicaListening, REPLICA_INDEX_ENV, type ReplicaSupervisorOptions, type ReplicaInfo } from './replica-supervisor.ts';
export { RollingStatsRefresh, type RollingStatsRefreshOptions } from './stats-refresh.ts';
