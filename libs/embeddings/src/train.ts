import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import {
  EvrecError,
  INTERACTION_TYPES,
  TF_BACKENDS,
  createRng,
  parseWith,
  silentProgress,
  type InteractionType,
  type ProgressReporter,
  type TfBackendChoice,
} from '@evrec/core';
import type { InMemoryDataset } from '@evrec/data';
import { initTf, logQFromCounts } from '@evrec/tf';
import { DEFAULT_ARCHITECTURE, type TwoTowerArchitecture } from './config.ts';
import { EVENT_SLOTS, TowerBatchBuilder, addEventExample, addUserExample, eventDenseWidth, userDenseWidth, type EncodedEvent } from './encoders.ts';
import { PopularityAt, liveCatalogue, recallAtK, recallCases, type LiveCatalogue, type RecallCase } from './evaluate.ts';
import { sampledSoftmaxLoss } from './loss.ts';
import { TwoTowerModel } from './model.ts';
import { buildPairSet, type PairSet, type TrainingPair } from './pairs.ts';
import { RowGradients, bagSums, tableOf, towerForward, type TowerInput } from './towers.ts';

export interface TwoTowerTrainOptions {
  /** Train on interactions strictly before this time (epoch ms). Default: after the last interaction. */
  until?: number;
  /** Output dimensions of both towers. Default 64. */
  dims?: number;
  /** Hidden width of each tower's MLP. Default 128. */
  hidden?: number;
  /** Width of the hashed text vector of title + description. Default 256. */
  textDims?: number;
  /** Maximum epochs. Default 10. */
  epochs?: number;
  /** Positives per step; every other positive in the step is a negative. Default 512. */
  batchSize?: number;
  /** Softmax temperature over cosine similarities. Default 0.05. */
  temperature?: number;
  /** Rows of the hashed event-id table. Default 65,536 (2^16). */
  eventIdBuckets?: number;
  /** Width of an event-id embedding. Default 32. */
  eventIdDims?: number;
  /** Probability that an event's id is left out of a training example (content path alone). Default 0.5. */
  eventIdDropout?: number;
  /**
   * False trains the ID-only model: no content inputs in either tower, events are their hashed id
   * and users their pooled history ids (a baseline; set `eventIdDropout` 0 with it). Default true.
   */
  contentInputs?: boolean;
  /** Rows of an optional hashed user-id table for warm users; 0 = none. Default 0. */
  userIdBuckets?: number;
  /**
   * Interaction types that count as positives. Default register and attend; `interested` when the
   * data before `until` has no registrations (Kaggle 2013).
   */
  positiveTypes?: InteractionType[];
  /** Interaction types that make up the user's history. Default: `positiveTypes`. */
  historyTypes?: InteractionType[];
  /** Most recent history events pooled into the user tower. Default 50. */
  historyCap?: number;
  /** Extra uniformly drawn negatives per step, beside the in-batch ones. Default 0. */
  randomNegatives?: number;
  /** Subtract log q (event frequency among training positives) from in-batch logits. Default true. */
  logQCorrection?: boolean;
  /** Adam learning rate of the towers' MLPs. Default 0.002. */
  learningRate?: number;
  /** Adagrad learning rate of the embedding tables. Default 0.5. */
  tableLearningRate?: number;
  /** Share of the latest positives held out for validation; 0 turns validation off. Default 0.1. */
  validFraction?: number;
  /** Most validation cases evaluated per epoch (seeded sample). Default 2,000. */
  validationPairs?: number;
  /** K values of recall@K. Default [10, 50, 100]. */
  recallK?: number[];
  /** Early stopping watches recall at this K. Default 50. */
  monitorK?: number;
  /** Epochs without a better validation recall before stopping. Default 2. */
  patience?: number;
  /** Seed of every random choice (initialisation, shuffles, dropout, negatives). Default 42. */
  seed?: number;
  /** TF.js backend. Default auto (tensorflow → wasm → cpu). */
  backend?: TfBackendChoice;
  /** Per-epoch progress (stage `train.embeddings`) with loss, recall@K, examples/s and the backend. */
  progress?: ProgressReporter;
}

const positiveInt = z.number().int().positive();
const OptionsSchema = z.object({
  until: z.number().finite().optional(),
  dims: z.number().int().min(2).max(1024).optional(),
  hidden: positiveInt.max(4096).optional(),
  textDims: positiveInt.max(1 << 16).optional(),
  epochs: positiveInt.max(10_000).optional(),
  batchSize: z.number().int().min(2).max(65_536).optional(),
  temperature: z.number().positive().optional(),
  eventIdBuckets: positiveInt.max(1 << 24).optional(),
  eventIdDims: positiveInt.max(512).optional(),
  eventIdDropout: z.number().min(0).max(1).optional(),
  contentInputs: z.boolean().optional(),
  userIdBuckets: z.number().int().min(0).max(1 << 24).optional(),
  positiveTypes: z.array(z.enum(INTERACTION_TYPES)).min(1).optional(),
  historyTypes: z.array(z.enum(INTERACTION_TYPES)).min(1).optional(),
  historyCap: positiveInt.max(10_000).optional(),
  randomNegatives: z.number().int().min(0).max(65_536).optional(),
  logQCorrection: z.boolean().optional(),
  learningRate: z.number().positive().optional(),
  tableLearningRate: z.number().positive().optional(),
  validFraction: z.number().min(0).max(0.9).optional(),
  validationPairs: positiveInt.optional(),
  recallK: z.array(positiveInt).min(1).optional(),
  monitorK: positiveInt.optional(),
  patience: positiveInt.optional(),
  seed: z.number().int().optional(),
  backend: z.enum(TF_BACKENDS).optional(),
});

export interface TwoTowerTrainResult {
  model: TwoTowerModel;
  /**
   * Best epoch's validation recall@K (`recall@K`) beside the random and point-in-time popularity
   * baselines (`random_recall@K`, `popular_recall@K`), and training figures.
   */
  metrics: Record<string, number>;
  /** TF.js backend the model trained on. */
  backend: string;
}

/** Default `until`: just after the last interaction. */
export function defaultUntil(ds: InMemoryDataset): number {
  const last = ds.manifest.timeRange?.[1] ?? ds.interactions[ds.interactions.length - 1]?.at;
  if (last === undefined) throw new EvrecError('INVALID_INPUT', 'the dataset has no interactions to train on');
  return last + 1;
}

/** register + attend, or `interested` when the data before `until` has no registrations but has those. */
export function defaultPositiveTypes(ds: InMemoryDataset, until: number): InteractionType[] {
  let interested = false;
  for (const x of ds.interactions) {
    if (x.at >= until) continue;
    if (x.type === 'register' || x.type === 'attend') return ['register', 'attend'];
    if (x.type === 'interested') interested = true;
  }
  return interested ? ['interested'] : ['register', 'attend'];
}

interface Validation {
  catalogue: LiveCatalogue;
  cases: RecallCase[];
  notLive: number;
}

/**
 * Trains the two towers on `ds`'s positives before `until` with in-batch sampled softmax and
 * log-q correction; validates on the latest positives (recall@K against every live event) after
 * each epoch and stops early when recall@monitorK stops improving, keeping the best epoch.
 */
export async function trainTwoTower(ds: InMemoryDataset, options: TwoTowerTrainOptions = {}): Promise<TwoTowerTrainResult> {
  const { progress: progressOption, ...rest } = options;
  const o = parseWith(OptionsSchema, rest, 'options');
  const progress = progressOption ?? silentProgress;
  const runtime = await initTf({ backend: o.backend });
  const backend = runtime.backend;
  const until = o.until ?? defaultUntil(ds);
  const positiveTypes = o.positiveTypes ?? defaultPositiveTypes(ds, until);
  const architecture: TwoTowerArchitecture = {
    ...DEFAULT_ARCHITECTURE,
    dims: o.dims ?? DEFAULT_ARCHITECTURE.dims,
    hidden: o.hidden ?? DEFAULT_ARCHITECTURE.hidden,
    textDims: o.textDims ?? DEFAULT_ARCHITECTURE.textDims,
    eventIdBuckets: o.eventIdBuckets ?? DEFAULT_ARCHITECTURE.eventIdBuckets,
    eventIdDims: o.eventIdDims ?? DEFAULT_ARCHITECTURE.eventIdDims,
    userIdBuckets: o.userIdBuckets ?? DEFAULT_ARCHITECTURE.userIdBuckets,
    historyCap: o.historyCap ?? DEFAULT_ARCHITECTURE.historyCap,
    historyTypes: o.historyTypes ?? positiveTypes,
    contentInputs: o.contentInputs ?? true,
  };
  const epochs = o.epochs ?? 10;
  const batchSize = o.batchSize ?? 512;
  const temperature = o.temperature ?? 0.05;
  const dropout = o.eventIdDropout ?? 0.5;
  const randomNegatives = o.randomNegatives ?? 0;
  const logQCorrection = o.logQCorrection ?? true;
  const tableLearningRate = o.tableLearningRate ?? 0.5;
  const ks = [...new Set(o.recallK ?? [10, 50, 100])].sort((a, b) => a - b);
  const monitorK = o.monitorK ?? (ks.includes(50) ? 50 : ks[ks.length - 1]);
  if (!ks.includes(monitorK)) ks.push(monitorK);
  const patience = o.patience ?? 2;

  const pairs = buildPairSet(ds, {
    until,
    positiveTypes,
    historyTypes: architecture.historyTypes,
    historyCap: architecture.historyCap,
    validFraction: o.validFraction ?? 0.1,
    progress,
  });
  if (pairs.train.length < 2) {
    throw new EvrecError('INVALID_INPUT', `only ${pairs.train.length} training positive(s) before ${new Date(until).toISOString()}: need at least 2`);
  }

  const rng = createRng(o.seed ?? 42);
  const model = TwoTowerModel.initialise(architecture, rng.fork('init'));
  const encoded = new Map<string, EncodedEvent>();
  const encode = (id: string): EncodedEvent => {
    let e = encoded.get(id);
    if (e === undefined) {
      const event = ds.events.get(id);
      if (event === undefined) throw new EvrecError('INTERNAL', `event ${id} is not in the dataset`);
      e = model.encodeEvent(event);
      encoded.set(id, e);
    }
    return e;
  };

  // Ids whose rows training touches; everything else is placed by content at inference.
  for (const p of pairs.train) {
    model.knownEventIds.add(p.eventId);
    for (const h of p.history) model.knownEventIds.add(h);
  }
  const eventIds = [...ds.events.keys()];
  const eventIndex = new Map(eventIds.map((id, i) => [id, i]));
  const counts = new Float64Array(eventIds.length);
  for (const p of pairs.train) counts[eventIndex.get(p.eventId) as number]++;
  const logQ = logQFromCounts(counts);

  const validation = prepareValidation(pairs, o.validationPairs ?? 2000, rng.fork('validation'));
  const baselines = validation === undefined ? {} : baselineMetrics(pairs, validation, ks);

  const optimizer = tf.train.adam(o.learningRate ?? 0.002);
  const mlpVariables = [...model.eventTower.trainableWeights, ...model.userTower.trainableWeights].map((w) => w.read() as tf.Variable);
  const shuffleRng = rng.fork('shuffle');
  const dropRng = rng.fork('dropout');
  const negativeRng = rng.fork('negatives');
  const keep = (): boolean => dropout === 0 || dropRng.next() >= dropout;

  const step = (batch: readonly TrainingPair[]): number => {
    const b = batch.length;
    const eb = new TowerBatchBuilder(EVENT_SLOTS.length, eventDenseWidth(architecture), b + randomNegatives);
    const ub = new TowerBatchBuilder(model.userSlots.length, userDenseWidth(architecture), b);
    const itemIds = new Int32Array(b + randomNegatives);
    const rowLogQ = new Float32Array(b);
    batch.forEach((p, i) => {
      const k = eventIndex.get(p.eventId) as number;
      addEventExample(eb, encode(p.eventId), keep());
      itemIds[i] = k;
      rowLogQ[i] = logQ[k];
      addUserExample(architecture, ub, { user: ds.users.get(p.userId), at: p.at, history: p.history.map(encode), useHistoryId: keep, useUserId: keep() });
    });
    for (let r = 0; r < randomNegatives; r++) {
      const k = negativeRng.int(eventIds.length);
      addEventExample(eb, encode(eventIds[k]), keep());
      itemIds[b + r] = k;
    }
    const inputs: [TowerInput, TowerInput] = [
      { batch: eb.build(), slots: EVENT_SLOTS },
      { batch: ub.build(), slots: model.userSlots },
    ];
    // Bags are computed in JS; their [batch, dims] tensors are the variables whose gradients
    // flow back onto the table rows (see towers.ts).
    const bags = inputs.map((input) => bagSums(model.tables, input).map((values, s) => tf.variable(tf.tensor2d(values, [input.batch.size, tableOf(model.tables, input.slots[s].table).dims]), true)));
    const bagVariables = bags.flat();
    const { value, grads } = tf.variableGrads(
      () =>
        sampledSoftmaxLoss({
          users: towerForward(model.userTower, bags[1], inputs[1].batch),
          items: towerForward(model.eventTower, bags[0], inputs[0].batch),
          temperature,
          itemIds,
          logQ: logQCorrection ? rowLogQ : undefined,
          extraProbability: 1 / eventIds.length,
        }),
      [...mlpVariables, ...bagVariables],
    );
    optimizer.applyGradients(mlpVariables.map((v) => ({ name: v.name, tensor: grads[v.name] })));
    const rowGradients = new RowGradients();
    inputs.forEach((input, t) =>
      input.slots.forEach((slot, s) => {
        const entries = input.batch.slots[s];
        if (entries.row.length > 0) rowGradients.add(tableOf(model.tables, slot.table), entries, grads[bags[t][s].name].dataSync() as Float32Array);
      }),
    );
    rowGradients.applyAdagrad(tableLearningRate);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads), ...bagVariables]);
    return loss;
  };

  const order = pairs.train.map((_, i) => i);
  const history: Array<Record<string, number>> = [];
  let best: { epoch: number; value: number; metrics: Record<string, number>; tables: Map<string, Float32Array>; towers: tf.Tensor[] } | undefined;
  let wait = 0;
  let trainSeconds = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleRng.shuffle(order);
      const t0 = performance.now();
      let lossSum = 0;
      let seen = 0;
      const steps = Math.ceil(order.length / batchSize);
      for (let s = 0; s < steps; s++) {
        const batch = order.slice(s * batchSize, (s + 1) * batchSize).map((i) => pairs.train[i]);
        // A one-row batch has no negatives; its loss is 0 and teaches nothing.
        if (batch.length < 2) continue;
        lossSum += step(batch) * batch.length;
        seen += batch.length;
        if ((s + 1) % 20 === 0 && s + 1 < steps) progress({ stage: 'train.embeddings.steps', done: s + 1, total: steps });
        // Yield now and then so a server or progress printer in this process is not starved.
        if ((s + 1) % 8 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - t0) / 1000;
      trainSeconds += seconds;
      const log: Record<string, number> = { epoch, loss: lossSum / Math.max(1, seen), examples_per_s: Math.round(seen / Math.max(seconds, 1e-9)) };
      if (validation !== undefined) Object.assign(log, evaluateModel(model, pairs, validation, ks));
      history.push(log);
      const shown: Record<string, number | string> = { loss: log.loss };
      for (const k of ks) if (log[`recall@${k}`] !== undefined) shown[`recall@${k}`] = log[`recall@${k}`];
      progress({ stage: 'train.embeddings', done: epoch, total: epochs, metrics: { ...shown, 'ex/s': log.examples_per_s, backend } });

      if (validation === undefined) continue;
      const value = log[`recall@${monitorK}`];
      if (best === undefined || value > best.value) {
        best?.towers.forEach((t) => t.dispose());
        best = {
          epoch,
          value,
          metrics: log,
          tables: new Map([...model.tables].map(([name, t]) => [name, t.snapshot()])),
          towers: [...model.eventTower.getWeights(), ...model.userTower.getWeights()].map((w) => tf.clone(w)),
        };
        wait = 0;
      } else if (++wait >= patience) {
        stoppedEarly = true;
        break;
      }
    }
    const last = history[history.length - 1];
    if (best !== undefined && best.epoch !== last.epoch) {
      for (const [name, values] of best.tables) model.tables.get(name)?.restore(values);
      const nEvent = model.eventTower.getWeights().length;
      model.eventTower.setWeights(best.towers.slice(0, nEvent));
      model.userTower.setWeights(best.towers.slice(nEvent));
    }
    const chosen = best?.metrics ?? last;
    const metrics: Record<string, number> = {
      ...baselines,
      ...Object.fromEntries(Object.entries(chosen).filter(([k]) => k.startsWith('recall@'))),
      loss: chosen.loss,
      best_epoch: chosen.epoch,
      epochs: history.length,
      stopped_early: stoppedEarly ? 1 : 0,
      train_pairs: pairs.train.length,
      valid_pairs: pairs.valid.length,
      val_cases: validation?.cases.length ?? 0,
      val_not_live: validation?.notLive ?? 0,
      known_events: model.knownEventIds.size,
      examples_per_s: Math.round((pairs.train.length * history.length) / Math.max(trainSeconds, 1e-9)),
    };
    model.info = {
      backend,
      trainedAt: new Date().toISOString(),
      until,
      dataset: ds.manifest.name,
      positiveTypes,
      epochs: history.length,
      bestEpoch: chosen.epoch,
      temperature,
      eventIdDropout: dropout,
      seed: o.seed ?? 42,
    };
    return { model, metrics, backend };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    best?.towers.forEach((t) => t.dispose());
    optimizer.dispose();
  }
}

function prepareValidation(pairs: PairSet, maxCases: number, rng: ReturnType<typeof createRng>): Validation | undefined {
  if (pairs.valid.length === 0) return undefined;
  const catalogue = liveCatalogue(pairs.events.values(), pairs.trainEnd, pairs.until);
  const { cases, notLive } = recallCases(catalogue, pairs.valid);
  if (cases.length === 0) return undefined;
  const sample = cases.length > maxCases ? rng.shuffle(cases.slice()).slice(0, maxCases) : cases;
  return { catalogue, cases: sample, notLive };
}

/** Random and point-in-time popularity recall@K on the validation cases (model-independent). */
function baselineMetrics(pairs: PairSet, v: Validation, ks: readonly number[]): Record<string, number> {
  const popularity = new PopularityAt(pairs.positives);
  const ids = v.catalogue.events.map((e) => e.id);
  const pop = recallAtK(v.catalogue, v.cases, ks, (ci, i) => popularity.countBefore(ids[i], v.cases[ci].pair.at));
  const out: Record<string, number> = { mean_live_candidates: pop.meanCandidates };
  for (const k of ks) {
    out[`random_recall@${k}`] = pop.randomRecall[k];
    out[`popular_recall@${k}`] = pop.recall[k];
  }
  return out;
}

function evaluateModel(model: TwoTowerModel, pairs: PairSet, v: Validation, ks: readonly number[]): Record<string, number> {
  const d = model.dims;
  const eventVectors = model.embedEncodedEvents(v.catalogue.events.map((e) => model.encodeEvent(e)), (e) => model.knownEventIds.has(e.id));
  const userVectors = model.embedUserExamples(
    v.cases.map(({ pair }) => ({
      user: pairs.users.get(pair.userId),
      at: pair.at,
      history: pair.history.flatMap((id) => {
        const e = pairs.events.get(id);
        return e === undefined ? [] : [model.encodeEvent(e)];
      }),
    })),
  );
  const r = recallAtK(v.catalogue, v.cases, ks, (ci, i) => {
    let s = 0;
    const u = ci * d;
    const e = i * d;
    for (let k = 0; k < d; k++) s += userVectors[u + k] * eventVectors[e + k];
    return s;
  });
  const out: Record<string, number> = {};
  for (const k of ks) out[`recall@${k}`] = r.recall[k];
  return out;
}
