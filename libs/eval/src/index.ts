// Retrieval evaluation (candidate sources, merged set, baselines on a temporal split).
export { randomRanking, popularityRanking, popularNearbyRanking, type PopularNearbyInput } from './baselines.ts';
export {
  evaluateRetrieval,
  defaultRetrievalSplit,
  formatRetrievalReport,
  testRegistrations,
  scoreRetrievalMethod,
  annOverlap,
  type TestRegistrationsInput,
  type TestRegistrations,
  type ScoredMethod,
  type EvaluateRetrievalOptions,
  type RetrievalEvalReport,
  type RetrievalMethodRow,
  type RetrievalMethodKind,
} from './retrieval-eval.ts';
