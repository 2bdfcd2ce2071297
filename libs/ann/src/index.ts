export {
  AnnIndex,
  ANN_DEFAULTS,
  type AnnItem,
  type AnnIndexOptions,
  type AnnBuildOptions,
  type AnnHit,
  type AnnSearchOptions,
  type AnnSearchPath,
  type AnnLoadOptions,
  type AnnStats,
} from './ann-index.ts';
export { ANN_FILES, ANN_MANIFEST_FILE, ANN_FORMAT, ANN_FORMAT_VERSION, type AnnManifest, type AnnFileEntry } from './artifact.ts';
export type { VectorInput } from './vector-math.ts';
export { VectorArena, type VectorArenaOptions, type VectorArenaStats, type VectorBlock, type VectorKernel } from './vector-arena.ts';
export { clusteredVectors, clusteredVectorsWithQueries, type ClusteredVectorsOptions } from './synthetic.ts';
export { buildIndexInWorker, type BuildInWorkerInput } from './build-in-worker.ts';
