/**
 * @evrec/embeddings — the two-tower candidate model (collaborative + content): training with
 * in-batch sampled softmax and log-q correction, validation recall@K against the live catalogue,
 * vectors for events and users, and the `embeddings` component of the artefact bundle.
 */
export { DEFAULT_ARCHITECTURE, type TwoTowerArchitecture } from './config.ts';
export { TwoTowerModel, type EmbedUserInput } from './model.ts';
export { trainTwoTower, defaultUntil, type TwoTowerTrainOptions, type TwoTowerTrainResult } from './train.ts';
export {
  trainEmbeddingsIntoBundle,
  loadEmbeddingsComponent,
  embedDataset,
  EMBEDDINGS_COMPONENT,
  EMBEDDINGS_FILES,
  type EmbeddingsComponent,
  type EmbeddingsMeta,
  type DatasetVectors,
  type TrainEmbeddingsIntoBundleOptions,
  type TrainEmbeddingsIntoBundleResult,
} from './bundle.ts';
export { HISTORY_CAPABLE_TYPES } from './pairs.ts';
