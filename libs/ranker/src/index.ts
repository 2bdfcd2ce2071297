/**
 * @evrec/ranker — the pointwise ranker: point-in-time training sets (impressions, organic
 * positives, dismissals, random and hard negatives), a wide & deep neural ranker (the baseline's
 * linear part, warm-started from it, plus an MLP over encoded features and optional two-tower
 * vectors and their product) beside a logistic-regression baseline,
 * calibration to P(register | exposure), the `ranker` bundle component and fast scoring.
 */
export {
  POSITIVE_CAPABLE_TYPES,
  DEFAULT_POSITIVE_WEIGHTS,
  resolvePositiveWeights,
  parsePositiveWeights,
  type PositiveType,
  type PositiveWeights,
  type ResolvedPositives,
} from './positives.ts';
export {
  buildExamples,
  LiveEventSampler,
  EXPOSURE_SOURCES,
  type RankerExample,
  type ExampleSource,
  type ExampleSet,
  type ExampleStats,
  type BuildExamplesOptions,
  type NegativeSources,
  type CandidateSource,
  type CandidateQuery,
} from './training-set.ts';
export { ContextInvites, assembleExamples, encodeGroups, type FeatureContext, type AssembledGroup, type ExampleMatrix } from './featurize.ts';
export { TowerVectors, type TowerUserInput } from './towers.ts';
export {
  fitPlatt,
  fitIsotonic,
  predictIsotonic,
  fitCalibration,
  applyCalibration,
  correctForNegativeSampling,
  CalibrationSchema,
  type Calibration,
  type CalibrationMethod,
  type PlattParams,
  type IsotonicParams,
  type FitCalibrationOptions,
} from './calibration.ts';
export { weightedRankerLoss, RANKER_LOSSES, type RankerLossName, type RankerLossOptions } from './loss.ts';
export {
  DEFAULT_NETWORK,
  RANKER_ARCHITECTURES,
  SeededDropout,
  buildRankerNetwork,
  buildLogisticRegression,
  copyWideFromBaseline,
  freezeWide,
  inputLayout,
  predictLogits,
  type RankerArchitecture,
  type RankerNetworkOptions,
  type InputLayout,
  type ModelInput,
} from './network.ts';
export { PopularityIndex } from './popularity.ts';
export {
  Ranker,
  loadRankerComponent,
  loadRankerFromDir,
  saveRanker,
  componentFingerprint,
  RANKER_COMPONENT,
  RANKER_FILES,
  RankerMetaSchema,
  type RankerComponent,
  type RankerScoreInput,
  type RankerMeta,
  type LoadRankerOptions,
} from './component.ts';
export {
  trainRanker,
  rankerCuts,
  flattenReport,
  WIDE_STARTS,
  type WideStart,
  type TrainRankerOptions,
  type TrainRankerResult,
  type RankerTrainingReport,
  type RankerCuts,
  type ValidationFigures,
  type FitSummary,
} from './train.ts';
export { trainRankerIntoBundle, type TrainRankerIntoBundleOptions, type TrainRankerIntoBundleResult, type TowerSource } from './bundle.ts';
export { evaluateExposures, type ExposureReport, type ExposureFigures, type ExposureComparison, type EvaluateExposuresOptions } from './evaluate.ts';
export { rankCandidates, type CandidateRow, type RankCandidatesOptions, type RankedUser } from './rank-candidates.ts';
