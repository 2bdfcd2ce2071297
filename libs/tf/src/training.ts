/**
 * A training loop over `model.trainOnBatch`: seeded shuffling, per-epoch progress (loss, metrics,
 * examples/s, backend), validation, extra metrics such as AUC computed in JS, and early stopping
 * that can restore the best weights (tf.callbacks.earlyStopping cannot).
 *
 * Reproducibility: batches are drawn from a permutation made by the seeded evrec Rng, and
 * {@link seededInitializer} seeds layer initialisers, so runs on the WASM and CPU backends repeat
 * exactly. Limits: Dropout masks come from TF.js's unseeded generator (a seeded Dropout layer
 * would reuse one mask every step, so it is not offered); the native tensorflow backends may use
 * non-deterministic reductions on GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { EvrecError, createRng, silentProgress, type ProgressReporter, type Rng } from '@evrec/core';
import { activeBackendName } from './backend.ts';

export interface FitData {
  /** Model input(s), first dimension = examples. */
  x: tf.Tensor | tf.Tensor[];
  /** Labels, first dimension = examples. */
  y: tf.Tensor;
}

/** A metric computed in JS from labels and predictions (e.g. AUC from @evrec/metrics). */
export type EpochMetric = (labels: Float32Array, predictions: Float32Array) => number;

export interface EarlyStoppingOptions {
  /** Metric to watch. Default `val_loss` with validation data, else `loss`. */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** `min`, `max`, or `auto` (max for auc/acc/precision/recall/ndcg/map/mrr, else min). Default `auto`. */
  mode?: 'min' | 'max' | 'auto';
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the best epoch's weights when training ends. Default true. */
  restoreBestWeights?: boolean;
}

export interface FitOptions {
  /** Maximum epochs. */
  epochs: number;
  /** Examples per step. Default 256. */
  batchSize?: number;
  /** Held-out data evaluated after each epoch (metrics prefixed `val_`). */
  validation?: FitData;
  /** Shuffle examples each epoch with the seeded Rng. Default true. */
  shuffle?: boolean;
  /** Seed for the shuffle. Default 42. */
  seed?: number;
  /**
   * Extra metrics per epoch, computed on the validation set (`val_<name>`) or, without one, on
   * the training set (`<name>`). Predictions are the model's first output.
   */
  epochMetrics?: Record<string, EpochMetric>;
  /** Early stopping; off when absent. */
  earlyStopping?: EarlyStoppingOptions;
  /** Progress per epoch. Default silent. */
  progress?: ProgressReporter;
  /** Progress stage name. Default `train.epoch`. */
  stage?: string;
  /** Batch size for evaluation and prediction. Default 1024. */
  evalBatchSize?: number;
}

export interface EpochLog {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch. */
  loss: number;
  /** Compiled metrics (training means), `val_*` and epoch metrics. */
  metrics: Record<string, number>;
  /** Training examples per second (training steps only). */
  examplesPerSecond: number;
  /** Wall time of the epoch including validation. */
  seconds: number;
  backend: string;
}

export interface FitResult {
  history: EpochLog[];
  stoppedEarly: boolean;
  /** Monitored metric, its best value and epoch (early stopping only). */
  monitor?: string;
  bestEpoch?: number;
  bestValue?: number;
  restoredBestWeights: boolean;
  /** Over all epochs. */
  examplesPerSecond: number;
  backend: string;
}

const MAX_MODE = /auc|acc|precision|recall|ndcg|map|mrr/i;

function firstDim(t: tf.Tensor | tf.Tensor[]): number {
  return (Array.isArray(t) ? t[0] : t).shape[0];
}

function readScalars(out: tf.Scalar | tf.Scalar[]): number[] {
  const list = Array.isArray(out) ? out : [out];
  const values = list.map((s) => s.dataSync()[0]);
  list.forEach((s) => s.dispose());
  return values;
}

async function predictFirst(model: tf.LayersModel, x: tf.Tensor | tf.Tensor[], batchSize: number): Promise<Float32Array> {
  const out = model.predict(x, { batchSize });
  const list = Array.isArray(out) ? out : [out];
  const data = Float32Array.from(await list[0].data());
  list.forEach((t) => t.dispose());
  return data;
}

/**
 * Trains a compiled model. Throws INVALID_INPUT for an uncompiled model, mismatched data sizes
 * or an early-stopping monitor that no epoch reports.
 */
export async function fitModel(model: tf.LayersModel, data: FitData, options: FitOptions): Promise<FitResult> {
  if (!model.optimizer) throw new EvrecError('INVALID_INPUT', 'fitModel: compile the model first');
  const n = firstDim(data.x);
  if (n === 0 || data.y.shape[0] !== n || (Array.isArray(data.x) && data.x.some((t) => t.shape[0] !== n))) {
    throw new EvrecError('INVALID_INPUT', `fitModel: inputs and labels must have the same, non-zero number of rows`);
  }
  if (!Number.isInteger(options.epochs) || options.epochs < 1) throw new EvrecError('INVALID_INPUT', 'epochs must be a positive integer', { field: 'epochs' });
  const batchSize = options.batchSize ?? 256;
  const evalBatchSize = options.evalBatchSize ?? 1024;
  const progress = options.progress ?? silentProgress;
  const stage = options.stage ?? 'train.epoch';
  const rng: Rng = createRng(options.seed ?? 42);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const backend = activeBackendName();

  const es = options.earlyStopping;
  const monitor = es ? (es.monitor ?? (options.validation ? 'val_loss' : 'loss')) : undefined;
  const mode = es && monitor ? (es.mode === undefined || es.mode === 'auto' ? (MAX_MODE.test(monitor) ? 'max' : 'min') : es.mode) : 'min';
  const patience = es?.patience ?? 3;
  const minDelta = Math.abs(es?.minDelta ?? 0);
  const restore = es?.restoreBestWeights ?? true;
  let best: { value: number; epoch: number; weights?: tf.Tensor[] } | undefined;
  let wait = 0;
  let stoppedEarly = false;

  const metricNames = model.metricsNames;
  const history: EpochLog[] = [];
  let trainSeconds = 0;
  const labelsFor = new Map<FitData, Float32Array>();

  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const t0 = performance.now();
      if (options.shuffle ?? true) {
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          const tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
        }
      }
      const sums = new Float64Array(metricNames.length);
      for (let start = 0; start < n; start += batchSize) {
        const end = Math.min(n, start + batchSize);
        const [xb, yb] = tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, end), 'int32');
          const xs = Array.isArray(data.x) ? data.x.map((t) => tf.gather(t, idx)) : tf.gather(data.x, idx);
          return [xs, tf.gather(data.y, idx)] as [tf.Tensor | tf.Tensor[], tf.Tensor];
        });
        const out = await model.trainOnBatch(xb, yb);
        tf.dispose([xb, yb]);
        const values = Array.isArray(out) ? out : [out];
        values.forEach((v, k) => (sums[k] += v * (end - start)));
      }
      const trainMs = performance.now() - t0;
      trainSeconds += trainMs / 1000;

      const metrics: Record<string, number> = {};
      metricNames.forEach((name, k) => {
        if (k > 0) metrics[name] = sums[k] / n;
      });
      const loss = sums[0] / n;
      const evalData = options.validation;
      if (evalData) {
        const values = readScalars(model.evaluate(evalData.x, evalData.y, { batchSize: evalBatchSize }));
        metricNames.forEach((name, k) => (metrics[`val_${name}`] = values[k]));
      }
      if (options.epochMetrics && Object.keys(options.epochMetrics).length > 0) {
        const target = evalData ?? data;
        let labels = labelsFor.get(target);
        if (!labels) labelsFor.set(target, (labels = Float32Array.from(await target.y.data())));
        const predictions = await predictFirst(model, target.x, evalBatchSize);
        for (const [name, fn] of Object.entries(options.epochMetrics)) metrics[evalData ? `val_${name}` : name] = fn(labels, predictions);
      }
      const log: EpochLog = {
        epoch,
        loss,
        metrics,
        examplesPerSecond: n / (trainMs / 1000),
        seconds: (performance.now() - t0) / 1000,
        backend,
      };
      history.push(log);
      progress({
        stage,
        done: epoch,
        total: options.epochs,
        metrics: { loss, ...metrics, 'ex/s': Math.round(log.examplesPerSecond), backend },
      });

      if (monitor) {
        const value = monitor === 'loss' ? loss : metrics[monitor];
        if (value === undefined || !Number.isFinite(value)) {
          throw new EvrecError('INVALID_INPUT', `early stopping monitors "${monitor}", which epoch ${epoch} did not report (have: loss, ${Object.keys(metrics).join(', ')})`, { field: 'earlyStopping.monitor' });
        }
        const improved = !best || (mode === 'min' ? value < best.value - minDelta : value > best.value + minDelta);
        if (improved) {
          best?.weights?.forEach((w) => w.dispose());
          best = { value, epoch, weights: restore ? model.getWeights().map((w) => tf.clone(w)) : undefined };
          wait = 0;
        } else if (++wait >= patience) {
          stoppedEarly = true;
          break;
        }
      }
    }
    const last = history[history.length - 1];
    const restoredBestWeights = Boolean(best?.weights && last && best.epoch !== last.epoch);
    if (restoredBestWeights && best?.weights) model.setWeights(best.weights);
    return {
      history,
      stoppedEarly,
      monitor,
      bestEpoch: best?.epoch,
      bestValue: best?.value,
      restoredBestWeights,
      examplesPerSecond: trainSeconds > 0 ? (n * history.length) / trainSeconds : 0,
      backend,
    };
  } finally {
    best?.weights?.forEach((w) => w.dispose());
  }
}

export type InitializerKind = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'leCunNormal';

/**
 * A layer initialiser whose seed comes from `rng`: build every layer with one from the same Rng
 * and the initial weights repeat exactly (TF.js generates seeded random values in JS, so they are
 * the same on every backend).
 */
export function seededInitializer(rng: Rng, kind: InitializerKind = 'glorotUniform'): ReturnType<typeof tf.initializers.glorotUniform> {
  const seed = rng.int(2 ** 31 - 1);
  switch (kind) {
    case 'glorotUniform': return tf.initializers.glorotUniform({ seed });
    case 'glorotNormal': return tf.initializers.glorotNormal({ seed });
    case 'heUniform': return tf.initializers.heUniform({ seed });
    case 'heNormal': return tf.initializers.heNormal({ seed });
    case 'leCunNormal': return tf.initializers.leCunNormal({ seed });
  }
}
