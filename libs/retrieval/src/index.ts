/**
 * @evrec/retrieval — candidate generation: the two-tower ANN under rule filters applied inside the
 * search, friends' registrations, popular and brand-new events nearby, merged and tagged by source;
 * the incrementally updated event catalogue; the `ann` bundle component; dataset replay at any T.
 */
export {
  Catalog,
  type BucketOrder,
  type CatalogOptions,
  type Popularity,
  type TopInWindowHit,
  type TopInWindowQuery,
  type EventEmbedder,
  type EventStats,
  type GeoCircle,
  type UpsertOptions,
  type WindowQuery,
} from './catalog.ts';
export {
  RuleSet,
  RetrievalFiltersSchema,
  parseRetrievalFilters,
  type ExclusionReason,
  type RetrievalFilters,
  type RuleSetInput,
} from './rules.ts';
export { resolveLocation, type RequestLocation } from './location.ts';
export {
  CANDIDATE_SOURCES,
  RETRIEVAL_DEFAULTS,
  defaultPopularity,
  emptyUserActivity,
  DEFAULT_SOURCE_WEIGHTS,
  mergeSources,
  retrieveCandidates,
  sourceList,
  type Candidate,
  type CandidateSource,
  type MergeOptions,
  type RetrievalOptions,
  type RetrievalResult,
  type RetrieveInput,
} from './retrieve.ts';
export { refreshCatalogStats, type RefreshStatsOptions } from './stats.ts';
export { isLiveAt, liveEventsAt } from './live.ts';
export {
  ANN_COMPONENT,
  buildIndexIntoBundle,
  loadAnnComponent,
  vectorsForEvents,
  writeAnnComponent,
  type AnnComponentMeta,
  type WriteAnnComponentOptions,
  type BuildIndexIntoBundleOptions,
  type BuildIndexIntoBundleResult,
} from './build-index.ts';
export { ReplayRetrieval, type OpenReplayRetrievalOptions, type ReplayRequest } from './replay.ts';
export {
  recommendFromRetrieval,
  type RankCandidates,
  type RankRequest,
  type Recommendation,
  type RecommendOptions,
} from './recommend.ts';
