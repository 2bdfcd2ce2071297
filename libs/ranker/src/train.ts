import * as tf from '@tensorflow/tfjs';
import {
  EvrecError,
  MS_PER_DAY,
  createRng,
  silentProgress,
  type Logger,
  type ProgressReporter,
  type Rng,
  type TfBackendChoice,
} from '@evrec/core';
import { interactionsBefore, splitCutsByQuantile, type InMemoryDataset } from '@evrec/data';
import type { EmbeddingsComponent } from '@evrec/embeddings';
import { EventTextCache, FeatureSpecBuilder, ReplayActivity, type FeatureGroup } from '@evrec/features';
import { logLoss, prAuc, rocAuc } from '@evrec/metrics';
import { fitModel, initTf, type FitData, type FitResult } from '@evrec/tf';
import { applyCalibration, fitCalibration, type Calibration, type CalibrationMethod } from './calibration.ts';
import { Ranker, type RankerMeta } from './component.ts';
import { evaluateExposures, type ExposureReport } from './evaluate.ts';
import { ContextInvites, assembleExamples, encodeGroups, selectRows, type ExampleMatrix, type FeatureContext } from './featurize.ts';
import { weightedRankerLoss, type RankerLossName, type RankerLossOptions } from './loss.ts';
import {
  DEFAULT_NETWORK,
  buildLogisticRegression,
  buildRankerNetwork,
  copyWideFromBaseline,
  freezeWide,
  inputLayout,
  inputTensors,
  predictLogits,
  trainingGraph,
  type InputLayout,
  type RankerNetworkOptions,
} from './network.ts';
import { PopularityIndex } from './popularity.ts';
import { resolvePositiveWeights, type PositiveWeights } from './positives.ts';
import { LiveEventSampler, buildExamples, type ExampleStats, type NegativeSources } from './training-set.ts';
import { TowerVectors } from './towers.ts';

/** How the wide part of a `wide-deep` network starts (see {@link TrainRankerOptions.wideStart}). */
export type WideStart = 'frozen' | 'tuned' | 'scratch';
export const WIDE_STARTS: readonly WideStart[] = ['frozen', 'tuned', 'scratch'];

export interface TrainRankerOptions {
  /** Use interactions strictly before this time (epoch ms). Default: after the last one. */
  until?: number;
  /** Share of interactions (latest, before `until` and any test part) for validation: early stopping, calibration, the NN-vs-LR table. Default 0.15. */
  validFraction?: number;
  /** Share of the latest interactions held out as a test part, scored after training (NN, LR, popularity). Default 0 (none). */
  testFraction?: number;
  /**
   * Random live events added per positive to the test part's candidates (for data whose exposures
   * are mostly positive, e.g. Meetup RSVPs). Default 0: exposures only.
   */
  testRandomNegatives?: number;
  /** Positive types and sample weights. Default: register/attend at 1, else interested (Kaggle 2013). */
  positives?: PositiveWeights;
  /** A positive counts for an impression only within this many days after it. Default: no limit (up to the part's end). */
  labelWindowDays?: number;
  /** Negative sources and ratios (impression down-sampling, random live events, hard negatives from a candidate source). */
  negatives?: NegativeSources;
  /** Users whose interactions carry no labels (e.g. the Kaggle test users): they make no examples. */
  unlabelledUsers?: ReadonlySet<string>;
  /** Training loss of the NN (class imbalance). Default `bce` (focal, α 0.25 γ 2, lost 0.01–0.015 validation AUC against it on synthetic small with the wide & deep network). */
  loss?: RankerLossName | RankerLossOptions;
  /** Oversample positives (seeded duplicates) to this share of the NN's training rows, instead of or beside the loss. Default off. */
  resamplePositiveShare?: number;
  network?: RankerNetworkOptions;
  /**
   * The wide part of a `wide-deep` network: `frozen` (default) — set to the trained LR baseline's
   * weights (the baseline trains first) and kept fixed, so the network starts as the LR and its deep
   * part learns only the residual a linear model cannot express (on synthetic small's validation
   * part this beat tuning it and training it from scratch, which let the id weights overfit);
   * `tuned` — started from the baseline, then trained with the rest; `scratch` — trained from a
   * random start.
   */
  wideStart?: WideStart;
  /** Cut-offs of MAP and nDCG on the test part. Default [10, 200] (200: the Kaggle 2013 metric). */
  testKs?: number[];
  /** L2 penalty of the logistic-regression baseline. Default 1e-4. */
  baselineL2?: number;
  /** Adam learning rate of the baseline. Default 0.01. */
  baselineLearningRate?: number;
  /** Maximum epochs (both models). Default 20. */
  epochs?: number;
  /** Examples per step. Default 512. */
  batchSize?: number;
  /** Early stopping: validation AUC (`auc`, default) or log-loss of the uncalibrated sigmoid (`logloss`). */
  monitor?: 'auc' | 'logloss';
  /** Epochs without improvement before stopping. Default 3. */
  patience?: number;
  /** Calibration method; `auto` picks the lower cross-fitted log-loss. Default `auto`. */
  calibration?: CalibrationMethod | 'auto';
  /** Feature groups left out (ablations). Default none. */
  excludeGroups?: FeatureGroup[];
  /** Two-tower component whose vectors (and their dot product) become inputs. Default none. */
  embeddings?: EmbeddingsComponent;
  /** Fingerprint of the bundle's embeddings files (recorded so a changed bundle is refused). */
  embeddingsFingerprint?: string;
  /** Seed of every random choice. Default 42. */
  seed?: number;
  /** TF.js backend. Default auto. */
  backend?: TfBackendChoice;
  progress?: ProgressReporter;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** Figures of one model on the validation exposures. */
export interface ValidationFigures {
  auc: number;
  prAuc: number;
  /** Log-loss of calibrated probabilities, each half calibrated on the other (honest). */
  logLoss: number;
  /** Mean calibrated probability (compare with the positive rate). */
  meanPredicted: number;
}

export interface RankerTrainingReport {
  backend: string;
  positivesOrigin: string;
  cuts: { trainEnd: number; validEnd: number; until: number };
  train: ExampleStats;
  valid: ExampleStats;
  test?: ExampleStats;
  validation: { rows: number; positiveRate: number; nn: ValidationFigures; lr: ValidationFigures };
  nnFit: FitSummary;
  lrFit: FitSummary;
  calibration: { nn: CalibrationMethod; lr: CalibrationMethod };
  /** Exposure ranking on the test part (with `testFraction`). */
  testReport?: ExposureReport;
  towers: 'none' | 'embeddings';
  seconds: { features: number; nn: number; lr: number; total: number };
}

export interface FitSummary {
  epochs: number;
  bestEpoch?: number;
  stoppedEarly: boolean;
  examplesPerSecond: number;
  rows: number;
}

export interface TrainRankerResult {
  ranker: Ranker;
  report: RankerTrainingReport;
}

const EVEN = (xs: Float32Array): Float32Array => {
  const out = new Float32Array(xs.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = xs[2 * i];
  return out;
};

function sigmoidAll(xs: Float32Array): Float64Array {
  return Float64Array.from(xs, (z) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z))));
}

function fitData(layout: InputLayout, m: ExampleMatrix): FitData {
  const y = new Float32Array(m.rows * 2);
  for (let i = 0; i < m.rows; i++) {
    y[2 * i] = m.labels[i];
    y[2 * i + 1] = m.weights[i];
  }
  return { x: inputTensors(layout, m), y: tf.tensor2d(y, [m.rows, 2]) };
}

function disposeFitData(d: FitData): void {
  tf.dispose(Array.isArray(d.x) ? d.x : [d.x]);
  d.y.dispose();
}

/** Row indices with positives duplicated (seeded) until they make `share` of the rows. */
function oversample(labels: Float32Array, share: number, rng: Rng): number[] {
  const pos: number[] = [];
  const rows: number[] = [];
  labels.forEach((l, i) => {
    rows.push(i);
    if (l === 1) pos.push(i);
  });
  if (pos.length === 0) return rows;
  const neg = labels.length - pos.length;
  const target = Math.ceil((share * neg) / (1 - share));
  for (let k = pos.length; k < target; k++) rows.push(pos[rng.int(pos.length)]);
  return rng.shuffle(rows);
}

function summarize(r: FitResult, rows: number): FitSummary {
  return { epochs: r.history.length, bestEpoch: r.bestEpoch, stoppedEarly: r.stoppedEarly, examplesPerSecond: r.examplesPerSecond, rows };
}

function figures(labels: Float32Array, logits: Float32Array, calibration: Calibration): ValidationFigures {
  const p = applyCalibration(calibration, logits);
  let mean = 0;
  for (const v of p) mean += v;
  const cf = calibration.crossFitLogLoss;
  return {
    auc: rocAuc(labels, logits),
    prAuc: prAuc(labels, logits),
    logLoss: cf === undefined ? logLoss(labels, p) : cf[calibration.method],
    meanPredicted: mean / Math.max(1, p.length),
  };
}

/** Where the ranker's parts begin and end: train [.., trainEnd), validation [trainEnd, validEnd), test [validEnd, until). */
export interface RankerCuts {
  until: number;
  trainEnd: number;
  validEnd: number;
}

/** The cuts {@link trainRanker} uses for these options (quantiles of the interaction times before `until`). */
export function rankerCuts(ds: InMemoryDataset, options: Pick<TrainRankerOptions, 'until' | 'validFraction' | 'testFraction'> = {}): RankerCuts {
  const lastAt = ds.interactions[ds.interactions.length - 1]?.at;
  if (lastAt === undefined) throw new EvrecError('INVALID_INPUT', 'the dataset has no interactions to train on');
  const until = options.until ?? lastAt + 1;
  const before = interactionsBefore(ds, until);
  if (before.length === 0) throw new EvrecError('INVALID_INPUT', `no interactions before ${new Date(until).toISOString()}`, { field: 'until' });
  const testFraction = options.testFraction ?? 0;
  const cuts = splitCutsByQuantile(before, { validFraction: options.validFraction ?? 0.15, testFraction });
  return { until, trainEnd: cuts.trainEnd, validEnd: testFraction > 0 ? cuts.validEnd : until };
}

/**
 * Trains the neural ranker and the logistic-regression baseline on one dataset:
 * 1. cuts the interactions before `until` by time into train | validation (| test);
 * 2. builds examples per part (labels never cross the part's end; random and hard negatives for
 *    training only) and point-in-time features through @evrec/features (spec fitted on training rows);
 * 3. trains both models with early stopping on validation AUC (or log-loss);
 * 4. calibrates each on the validation exposures (Platt or isotonic, after the down-sampling correction);
 * 5. with `testFraction`, ranks the test exposures per user (NN, LR, popularity).
 */
export async function trainRanker(ds: InMemoryDataset, options: TrainRankerOptions = {}): Promise<TrainRankerResult> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const runtime = await initTf({ backend: options.backend, logger: options.logger });
  const { until, trainEnd, validEnd } = rankerCuts(ds, options);
  const testFraction = options.testFraction ?? 0;
  const before = interactionsBefore(ds, until);
  const positives = resolvePositiveWeights(before, options.positives);
  const seed = options.seed ?? 42;
  const rng = createRng(seed);
  const impressionRate = options.negatives?.impressionRate ?? 1;
  const labelWindowMs = options.labelWindowDays === undefined ? undefined : options.labelWindowDays * MS_PER_DAY;
  const common = { positives: positives.weights, labelWindowMs, unlabelledUsers: options.unlabelledUsers };
  const notes: string[] = [];

  const sampler = new LiveEventSampler(ds.events.values(), before);
  const train = await buildExamples(before, ds.events, { ...common, from: -Infinity, to: trainEnd, labelUntil: trainEnd, negatives: options.negatives, sampled: true, rng: rng.fork('train') }, sampler);
  const valid = await buildExamples(before, ds.events, { ...common, from: trainEnd, to: validEnd, labelUntil: validEnd, sampled: false, rng: rng.fork('valid') });
  const testRandom = options.testRandomNegatives ?? 0;
  const test = testFraction > 0
    ? await buildExamples(before, ds.events, { ...common, from: validEnd, to: until, labelUntil: until, sampled: testRandom > 0, negatives: { randomPerPositive: testRandom }, rng: rng.fork('test') }, sampler)
    : undefined;
  if (train.stats.positives === 0 || train.stats.positives === train.stats.examples) {
    throw new EvrecError('INVALID_INPUT', `the training part has ${train.stats.positives} positives among ${train.stats.examples} examples: need both classes (check --until and the positive types)`);
  }
  if (valid.stats.positives === 0 || valid.stats.positives === valid.stats.examples) {
    throw new EvrecError('INVALID_INPUT', `the validation part has ${valid.stats.positives} positives among ${valid.stats.examples} exposures: need both classes (raise validFraction)`);
  }
  options.logger?.info({ train: train.stats.bySource, valid: valid.stats.bySource, positives: Object.fromEntries(positives.weights), positivesOrigin: positives.origin, trainEnd: new Date(trainEnd).toISOString(), validEnd: new Date(validEnd).toISOString() }, 'ranker training set');

  const towers = options.embeddings === undefined ? undefined : new TowerVectors(options.embeddings);
  if (options.embeddings !== undefined && options.embeddings.meta.until > trainEnd) {
    const note = `the embeddings were trained on interactions up to ${new Date(options.embeddings.meta.until).toISOString()}, after the validation cut ${new Date(trainEnd).toISOString()}: validation figures are optimistic`;
    notes.push(note);
    options.logger?.warn({}, note);
  }
  const ctx: FeatureContext = {
    dataset: ds,
    reader: new ReplayActivity(ds),
    textCache: new EventTextCache(),
    contextInvites: new ContextInvites(ds.interactions),
    towers,
  };

  const tFeatures = performance.now();
  const trainGroups = await assembleExamples(ctx, train.examples, progress, 'ranker.features.train');
  const builder = new FeatureSpecBuilder({ excludeGroups: options.excludeGroups });
  for (const g of trainGroups) builder.add(g.batch);
  const spec = builder.build();
  const trainM = encodeGroups(spec, trainGroups, ctx);
  trainGroups.length = 0;
  const validM = encodeGroups(spec, await assembleExamples(ctx, valid.examples, progress, 'ranker.features.valid'), ctx);
  const featureSeconds = (performance.now() - tFeatures) / 1000;

  const layout = inputLayout(spec, towers?.dims ?? 0);
  const network = { ...DEFAULT_NETWORK, ...options.network };
  const lossOptions: RankerLossOptions = typeof options.loss === 'object' ? options.loss : { name: options.loss ?? 'bce' };
  const trainRows = options.resamplePositiveShare === undefined ? trainM : selectRows(trainM, oversample(trainM.labels, options.resamplePositiveShare, rng.fork('resample')));
  let positivesN = 0;
  for (const l of trainRows.labels) positivesN += l;
  const counts: [number, number] = [trainRows.rows - positivesN, positivesN];
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 512;
  const monitor = options.monitor ?? 'auc';
  const validLabels = validM.labels;
  const epochMetrics = {
    auc: (_labels: Float32Array, pred: Float32Array) => rocAuc(validLabels, EVEN(pred)),
    logloss: (_labels: Float32Array, pred: Float32Array) => logLoss(validLabels, sigmoidAll(EVEN(pred))),
  };
  const earlyStopping = { monitor: monitor === 'auc' ? 'val_auc' : 'val_logloss', patience: options.patience ?? 3, restoreBestWeights: true };

  const trainData = fitData(layout, trainRows);
  const validData = fitData(layout, validM);
  let nn: tf.LayersModel | undefined;
  let lr: tf.LayersModel | undefined;
  try {
    // The baseline first: the network's wide part starts from its weights (warmStartWide).
    const tLr = performance.now();
    lr = buildLogisticRegression(layout, options.baselineL2 ?? 1e-4, rng.fork('lr'));
    const lrGraph = trainingGraph(lr);
    lrGraph.compile({ optimizer: tf.train.adam(options.baselineLearningRate ?? 0.01), loss: weightedRankerLoss({ name: 'bce' }) });
    // The baseline is trained on the same rows (before any oversampling) with plain weighted BCE.
    const lrData = trainRows === trainM ? trainData : fitData(layout, trainM);
    const lrFit = await fitModel(lrGraph, lrData, { epochs, batchSize, validation: validData, seed, epochMetrics, earlyStopping, progress, stage: 'ranker.lr' });
    if (lrData !== trainData) disposeFitData(lrData);
    const lrSeconds = (performance.now() - tLr) / 1000;

    const tNn = performance.now();
    nn = buildRankerNetwork(layout, network, rng.fork('nn'));
    const wideStart = options.wideStart ?? 'frozen';
    const warmStarted = wideStart !== 'scratch' && copyWideFromBaseline(nn, lr);
    if (warmStarted && wideStart === 'frozen') freezeWide(nn);
    const nnGraph = trainingGraph(nn);
    nnGraph.compile({ optimizer: tf.train.adam(network.learningRate), loss: weightedRankerLoss({ ...lossOptions, counts: lossOptions.counts ?? counts }) });
    options.logger?.info({ backend: runtime.backend, rows: trainRows.rows, inputs: layout, architecture: network.architecture, hidden: network.hidden, wide: warmStarted ? wideStart : 'scratch', loss: lossOptions.name, towers: towers ? towers.dims : 0 }, 'training the neural ranker');
    const nnFit = await fitModel(nnGraph, trainData, { epochs, batchSize, validation: validData, seed, epochMetrics, earlyStopping, progress, stage: 'ranker.nn' });
    const nnSeconds = (performance.now() - tNn) / 1000;

    const method = options.calibration ?? 'auto';
    const nnLogits = predictLogits(nn, layout, validM);
    const lrLogits = predictLogits(lr, layout, validM);
    const calibration = {
      nn: fitCalibration(nnLogits, validLabels, { method, negativeRate: impressionRate }),
      lr: fitCalibration(lrLogits, validLabels, { method, negativeRate: impressionRate }),
    };
    let positiveCount = 0;
    for (const l of validLabels) positiveCount += l;
    const validation = { rows: validM.rows, positiveRate: positiveCount / validM.rows, nn: figures(validLabels, nnLogits, calibration.nn), lr: figures(validLabels, lrLogits, calibration.lr) };

    const meta: RankerMeta = {
      format: 'evrec-ranker',
      formatVersion: 1,
      trainedAt: new Date().toISOString(),
      backend: runtime.backend,
      dataset: ds.manifest.name,
      until,
      trainEnd,
      validEnd,
      positives: Object.fromEntries(positives.weights),
      positivesOrigin: positives.origin,
      loss: lossOptions.name + (options.resamplePositiveShare === undefined ? '' : `+resample(${options.resamplePositiveShare})`),
      network,
      layout,
      towers: towers && options.embeddings ? { dims: towers.dims, embeddingsFingerprint: options.embeddingsFingerprint ?? 'unbundled', embeddingsUntil: options.embeddings.meta.until } : null,
      negatives: { impressionRate, randomPerPositive: options.negatives?.randomPerPositive ?? 1, hardPerPositive: options.negatives?.hard === undefined ? 0 : (options.negatives.hard.perPositive ?? 2) },
      featureFingerprint: spec.fingerprint,
      excludedGroups: [...spec.excludedGroups],
      notes,
    };
    const ranker = new Ranker(spec, meta, nn, lr, calibration, towers);

    let testReport: ExposureReport | undefined;
    if (test !== undefined && test.examples.length > 0) {
      const popularity = new PopularityIndex(before, positives.weights.keys());
      testReport = await evaluateExposures(ranker, ctx, test.examples, popularity, { ks: options.testKs, seed, progress });
    }

    const report: RankerTrainingReport = {
      backend: runtime.backend,
      positivesOrigin: positives.origin,
      cuts: { trainEnd, validEnd, until },
      train: train.stats,
      valid: valid.stats,
      test: test?.stats,
      validation,
      nnFit: summarize(nnFit, trainRows.rows),
      lrFit: summarize(lrFit, trainM.rows),
      calibration: { nn: calibration.nn.method, lr: calibration.lr.method },
      testReport,
      towers: towers ? 'embeddings' : 'none',
      seconds: { features: featureSeconds, nn: nnSeconds, lr: lrSeconds, total: (performance.now() - started) / 1000 },
    };
    ranker.metrics = flattenReport(report);
    return { ranker, report };
  } catch (e) {
    nn?.dispose();
    lr?.dispose();
    throw e;
  } finally {
    disposeFitData(trainData);
    disposeFitData(validData);
  }
}

/** The report's figures as the bundle's flat metrics record. */
export function flattenReport(r: RankerTrainingReport): Record<string, number> {
  const out: Record<string, number> = {
    'train.examples': r.train.examples,
    'train.positives': r.train.positives,
    'valid.exposures': r.validation.rows,
    'valid.positive_rate': r.validation.positiveRate,
    'train.nn.examples_per_second': r.nnFit.examplesPerSecond,
    'train.nn.epochs': r.nnFit.epochs,
    'train.lr.epochs': r.lrFit.epochs,
  };
  for (const m of ['nn', 'lr'] as const) {
    const f = r.validation[m];
    out[`valid.${m}.auc`] = f.auc;
    out[`valid.${m}.pr_auc`] = f.prAuc;
    out[`valid.${m}.log_loss`] = f.logLoss;
    out[`valid.${m}.mean_predicted`] = f.meanPredicted;
  }
  if (r.testReport) {
    out['test.exposures'] = r.testReport.rows;
    out['test.users'] = r.testReport.users;
    for (const [name, f] of Object.entries(r.testReport.models)) {
      out[`test.${name}.auc`] = f.auc;
      for (const [k, a] of Object.entries(f.atK)) {
        out[`test.${name}.map@${k}`] = a.map;
        out[`test.${name}.ndcg@${k}`] = a.ndcg;
      }
      if (f.logLoss !== undefined) out[`test.${name}.log_loss`] = f.logLoss;
    }
  }
  for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k];
  return out;
}
