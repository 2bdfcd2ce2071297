// Retrieval evaluation (candidate sources, merged set, baselines on a temporal split).
export { randomRanking, popularityRanking, popularNearbyRanking, type PopularNearbyInput } from './baselines.ts';
export {
  evaluateRetrieval,
  defaultRetrievalSplit,
  formatRetrievalReport,
  testRegistrations,
  scoreRetrievalMethod,
  annOverlap,
  eventsSeenBefore,
  splitColdWarm,
  topKByDot,
  segmentTableRows,
  type SegmentScore,
  type TestRegistrationsInput,
  type TestRegistrations,
  type ScoredMethod,
  type EvaluateRetrievalOptions,
  type RetrievalEvalReport,
  type RetrievalMethodRow,
  type RetrievalMethodKind,
} from './retrieval-eval.ts';
// Ranker evaluation (funnel candidates and test exposures at a temporal split, ablations, HTML report).
export {
  evaluateRanker,
  figuresForOrderings,
  formatRankerReport,
  headline,
  metricTable,
  twoTowerCandidateSource,
  RANKER_EVAL_MODELS,
  type RankerEvalModel,
  type AtK,
  type ModelFigures,
  type CandidateSetReport,
  type FunnelReport,
  type PairedComparison,
  type RankerEvalReport,
  type EvaluateRankerOptions,
} from './ranker-eval.ts';
export { ablationDrops, type AblationReport, type AblationRow } from './ablation.ts';
export { rankerReportHtml, retrievalReportHtml, lineChartSvg, reliabilitySvg, ablationSvg, escapeHtml, SERIES_COLORS, type LineChartOptions } from './report-html.ts';
