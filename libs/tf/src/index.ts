/**
 * @evrec/tf — the TensorFlow.js runtime: backend choice (tfjs-node-gpu → tfjs-node → WASM → CPU),
 * the kernels WASM lacks, losses, a training loop with progress and early stopping, and model
 * save/load to folders without tfjs-node.
 */
export { initTf, activeBackendName, type InitTfOptions, type TfRuntime, type TfRuntimeDetails, type TfAttempt, type TfBackendName } from './backend.ts';
export { registerMissingWasmKernels, WASM_KERNELS_ADDED } from './wasm-kernels.ts';
export {
  sigmoidCrossEntropyWithLogits,
  binaryCrossEntropy,
  focalLoss,
  classBalancedWeights,
  classBalancedLoss,
  inBatchSoftmaxLoss,
  logQFromCounts,
  type LossFn,
  type BinaryLossOptions,
  type FocalLossOptions,
  type ClassBalancedLossOptions,
  type InBatchSoftmaxOptions,
} from './losses.ts';
export {
  fitModel,
  seededInitializer,
  type FitData,
  type FitOptions,
  type FitResult,
  type EpochLog,
  type EpochMetric,
  type EarlyStoppingOptions,
  type InitializerKind,
} from './training.ts';
export { fileSystemModelHandler, saveModel, loadModel, MODEL_JSON, WEIGHTS_BIN, type SavedModelInfo } from './model-io.ts';
