import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@evrec/core';
import type { FeatureSpec } from '@evrec/features';
import { seededInitializer } from '@evrec/tf';

/**
 * `wide-deep`: logit = wide part (exactly the LR baseline's inputs: dense columns, one scalar per
 * hashed id, the tower dot) + deep MLP (dense, hashed-id embeddings, tower vectors, their dot and,
 * with `crosses`, their element-wise product). `mlp`: the deep MLP alone (the first ranker).
 */
export const RANKER_ARCHITECTURES = ['wide-deep', 'mlp'] as const;
export type RankerArchitecture = (typeof RANKER_ARCHITECTURES)[number];

/** Shape of the neural ranker; defaults in brackets. */
export interface RankerNetworkOptions {
  /** Network family. ['wide-deep'] */
  architecture?: RankerArchitecture;
  /** Hidden layer widths of the deep part (ReLU). [128, 64] */
  hidden?: number[];
  /** Dropout after each hidden layer (seeded: {@link SeededDropout}). [0.3] */
  dropout?: number;
  /** L2 penalty on every kernel and embedding table of the network (wide part included, when trained). [1e-4] */
  l2?: number;
  /** Width of each hashed categorical's embedding (with `embedIds`, or `mlp`). [4] */
  categoricalDims?: number;
  /** Adam learning rate. [0.001] */
  learningRate?: number;
  /** Deep part also gets user_vector ⊙ event_vector (towers only). [true] */
  crosses?: boolean;
  /**
   * The deep part also embeds the hashed ids (`wide-deep` only; `mlp` always does). Off by default:
   * the wide part already has one scalar per id, and embeddings in the deep part memorised ids
   * rather than learning crosses (chosen on validation, see the README). [false]
   */
  embedIds?: boolean;
}

export const DEFAULT_NETWORK: Readonly<Required<RankerNetworkOptions>> = Object.freeze({
  architecture: 'wide-deep',
  hidden: [128, 64],
  dropout: 0.3,
  l2: 1e-4,
  categoricalDims: 4,
  learningRate: 1e-3,
  crosses: true,
  embedIds: false,
});

interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

/**
 * Inverted dropout whose masks come from a seeded stream: the n-th training call draws its mask
 * with seed `seed + n` (TF.js's own Dropout draws from an unseeded generator, so runs differ).
 * Identity outside training. Serialisable, so saved rankers load without it being special.
 */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'EvrecSeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs.training !== true || this.rate <= 0) return x;
    const seed = (this.seed + this.calls++) % 2 ** 31;
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);

/** Input layout shared by the NN and the LR baseline (derived from the spec and the towers). */
export interface InputLayout {
  denseWidth: number;
  /** Start row of each hashed column in the one shared embedding table. */
  categoricalOffsets: number[];
  /** Rows of the shared table (Σ buckets). */
  categoricalRows: number;
  /** Tower vector width; 0 without towers. */
  towerDims: number;
}

export function inputLayout(spec: FeatureSpec, towerDims: number): InputLayout {
  const offsets: number[] = [];
  let rows = 0;
  for (const c of spec.categoricalColumns) {
    offsets.push(rows);
    rows += c.buckets;
  }
  return { denseWidth: spec.denseWidth, categoricalOffsets: offsets, categoricalRows: rows, towerDims };
}

interface Inputs {
  list: tf.SymbolicTensor[];
  dense: tf.SymbolicTensor;
  categorical?: tf.SymbolicTensor;
  user?: tf.SymbolicTensor;
  event?: tf.SymbolicTensor;
}

function inputs(layout: InputLayout): Inputs {
  const dense = tf.input({ shape: [layout.denseWidth], name: 'dense' });
  const list = [dense];
  const K = layout.categoricalOffsets.length;
  const categorical = K > 0 ? tf.input({ shape: [K], dtype: 'int32', name: 'categorical' }) : undefined;
  if (categorical) list.push(categorical);
  let user: tf.SymbolicTensor | undefined;
  let event: tf.SymbolicTensor | undefined;
  if (layout.towerDims > 0) {
    user = tf.input({ shape: [layout.towerDims], name: 'user_vector' });
    event = tf.input({ shape: [layout.towerDims], name: 'event_vector' });
    list.push(user, event);
  }
  return { list, dense, categorical, user, event };
}

function concat(parts: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
  return parts.length === 1 ? parts[0] : (tf.layers.concatenate({ name }).apply(parts) as tf.SymbolicTensor);
}

function wideInputs(layout: InputLayout, inp: Inputs, l2: number, prefix: string): tf.SymbolicTensor {
  const reg = l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
  const parts: tf.SymbolicTensor[] = [inp.dense];
  if (inp.categorical) {
    const emb = tf.layers.embedding({ inputDim: layout.categoricalRows, outputDim: 1, embeddingsInitializer: 'zeros', embeddingsRegularizer: reg, name: `${prefix}categorical_weight` });
    parts.push(tf.layers.flatten({ name: `${prefix}categorical_flat` }).apply(emb.apply(inp.categorical) as tf.SymbolicTensor) as tf.SymbolicTensor);
  }
  if (inp.user && inp.event) parts.push(tf.layers.dot({ axes: 1, name: `${prefix}tower_dot` }).apply([inp.user, inp.event]) as tf.SymbolicTensor);
  return concat(parts, `${prefix}features`);
}

/**
 * The neural ranker. Deep part: dense encoded features, one embedding per hashed categorical (one
 * shared table, each column in its own row range) and — with towers — the user and event vectors,
 * their dot product and (`crosses`) their element-wise product, through an MLP with seeded dropout
 * and L2. `wide-deep` adds the LR baseline's linear part (layers `wide_*`, the same shapes as the
 * baseline's, see {@link copyWideFromBaseline}) to the deep logit.
 */
export function buildRankerNetwork(layout: InputLayout, options: RankerNetworkOptions, rng: Rng): tf.LayersModel {
  const o = { ...DEFAULT_NETWORK, ...options };
  const reg = o.l2 > 0 ? tf.regularizers.l2({ l2: o.l2 }) : undefined;
  const inp = inputs(layout);
  const parts: tf.SymbolicTensor[] = [inp.dense];
  if (inp.categorical && (o.embedIds || o.architecture === 'mlp')) {
    const emb = tf.layers.embedding({ inputDim: layout.categoricalRows, outputDim: o.categoricalDims, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: rng.int(2 ** 31 - 1) }), embeddingsRegularizer: reg, name: 'categorical_embedding' });
    parts.push(tf.layers.flatten({ name: 'categorical_flat' }).apply(emb.apply(inp.categorical) as tf.SymbolicTensor) as tf.SymbolicTensor);
  }
  if (inp.user && inp.event) {
    const dot = tf.layers.dot({ axes: 1, name: 'tower_dot' }).apply([inp.user, inp.event]) as tf.SymbolicTensor;
    parts.push(inp.user, inp.event, dot);
    if (o.crosses) parts.push(tf.layers.multiply({ name: 'tower_product' }).apply([inp.user, inp.event]) as tf.SymbolicTensor);
  }
  let x = concat(parts, 'features');
  const dropoutSeed = rng.int(2 ** 30);
  o.hidden.forEach((units, i) => {
    x = tf.layers.dense({ units, activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal'), kernelRegularizer: reg, name: `hidden_${i + 1}` }).apply(x) as tf.SymbolicTensor;
    if (o.dropout > 0) x = new SeededDropout({ rate: o.dropout, seed: dropoutSeed + i * 1_000_003, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor;
  });
  if (o.architecture === 'mlp') {
    const logit = tf.layers.dense({ units: 1, kernelInitializer: seededInitializer(rng), name: 'logit' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: inp.list, outputs: logit, name: 'ranker_nn' });
  }
  // The deep logit starts at zero, so an untrained network is its wide (LR) part.
  const deep = tf.layers.dense({ units: 1, kernelInitializer: 'zeros', useBias: false, name: 'deep_logit' }).apply(x) as tf.SymbolicTensor;
  const wide = tf.layers.dense({ units: 1, kernelInitializer: seededInitializer(rng), kernelRegularizer: reg, name: 'wide_logit' }).apply(wideInputs(layout, inp, o.l2, 'wide_')) as tf.SymbolicTensor;
  const logit = tf.layers.add({ name: 'logit' }).apply([wide, deep]) as tf.SymbolicTensor;
  return tf.model({ inputs: inp.list, outputs: logit, name: 'ranker_nn' });
}

/**
 * The logistic-regression baseline on the same inputs: one weight per dense column, one learned
 * scalar per hashed id (a one-hot of each hashed categorical) and, with towers, the dot product.
 */
export function buildLogisticRegression(layout: InputLayout, l2: number, rng: Rng): tf.LayersModel {
  const reg = l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined;
  const inp = inputs(layout);
  const logit = tf.layers.dense({ units: 1, kernelInitializer: seededInitializer(rng), kernelRegularizer: reg, name: 'logit' }).apply(wideInputs(layout, inp, l2, '')) as tf.SymbolicTensor;
  return tf.model({ inputs: inp.list, outputs: logit, name: 'ranker_lr' });
}

/**
 * Sets the wide part of a `wide-deep` network to a trained baseline's weights (same layout), so
 * the network starts as the LR and its deep part learns what the LR cannot express. Returns false
 * (and changes nothing) when the network has no wide part.
 */
export function copyWideFromBaseline(nn: tf.LayersModel, lr: tf.LayersModel): boolean {
  const pairs: Array<[string, string]> = [['wide_logit', 'logit'], ['wide_categorical_weight', 'categorical_weight']];
  const names = new Set(nn.layers.map((l) => l.name));
  if (!names.has('wide_logit')) return false;
  for (const [to, from] of pairs) {
    if (!names.has(to)) continue;
    nn.getLayer(to).setWeights(lr.getLayer(from).getWeights());
  }
  return true;
}

/** Keeps the wide part's weights fixed in later training (call before compiling). */
export function freezeWide(nn: tf.LayersModel): void {
  for (const layer of nn.layers) if (layer.name.startsWith('wide_')) layer.trainable = false;
}

/** The training graph: the same layers, output [logit, logit] to match [label, weight] targets (see weightedRankerLoss). */
export function trainingGraph(model: tf.LayersModel): tf.LayersModel {
  const logit = model.outputs[0];
  const both = tf.layers.concatenate({ name: 'logit_pair' }).apply([logit, logit]) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: both, name: `${model.name}_training` });
}

/** Plain-array model input, in the order of the model's inputs. */
export interface ModelInput {
  rows: number;
  dense: Float32Array;
  categorical: Int32Array;
  userVectors?: Float32Array;
  eventVectors?: Float32Array;
}

/** Input tensors (caller disposes, or call inside tf.tidy). Categorical ids are moved into their column's table rows. */
export function inputTensors(layout: InputLayout, x: ModelInput): tf.Tensor[] {
  const K = layout.categoricalOffsets.length;
  const out: tf.Tensor[] = [tf.tensor2d(x.dense, [x.rows, layout.denseWidth])];
  if (K > 0) {
    const ids = new Int32Array(x.rows * K);
    for (let r = 0; r < x.rows; r++) for (let c = 0; c < K; c++) ids[r * K + c] = x.categorical[r * K + c] + layout.categoricalOffsets[c];
    out.push(tf.tensor2d(ids, [x.rows, K], 'int32'));
  }
  if (layout.towerDims > 0) {
    const zeros = new Float32Array(x.rows * layout.towerDims);
    out.push(tf.tensor2d(x.userVectors ?? zeros, [x.rows, layout.towerDims]), tf.tensor2d(x.eventVectors ?? zeros, [x.rows, layout.towerDims]));
  }
  return out;
}

/** Rows per predict call for large inputs (request-sized inputs go in one call). */
const PREDICT_CHUNK = 8192;

/** Logits for rows: one predict call per ≤ 8,192 rows (batch = all of them) inside tf.tidy. */
export function predictLogits(model: tf.LayersModel, layout: InputLayout, x: ModelInput): Float32Array {
  const out = new Float32Array(x.rows);
  for (let start = 0; start < x.rows; start += PREDICT_CHUNK) {
    const end = Math.min(x.rows, start + PREDICT_CHUNK);
    const part = start === 0 && end === x.rows ? x : sliceInput(layout, x, start, end);
    const values = tf.tidy(() => (model.predict(inputTensors(layout, part), { batchSize: part.rows }) as tf.Tensor).dataSync());
    out.set(values, start);
  }
  return out;
}

function sliceInput(layout: InputLayout, x: ModelInput, start: number, end: number): ModelInput {
  const K = layout.categoricalOffsets.length;
  const D = layout.towerDims;
  return {
    rows: end - start,
    dense: x.dense.subarray(start * layout.denseWidth, end * layout.denseWidth),
    categorical: x.categorical.subarray(start * K, end * K),
    userVectors: x.userVectors?.subarray(start * D, end * D),
    eventVectors: x.eventVectors?.subarray(start * D, end * D),
  };
}
