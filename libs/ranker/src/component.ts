import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { EvrecError, writeFileAtomic, type Event, type OpenedBundle, type RequestContext, type TfBackendChoice, type User } from '@evrec/core';
import { loadEmbeddingsComponent } from '@evrec/embeddings';
import {
  EventTextCache,
  assembleFeatures,
  encodeBatch,
  loadFeatureSpec,
  saveFeatureSpec,
  type EventLookup,
  type FeatureSnapshot,
  type FeatureSpec,
} from '@evrec/features';
import { initTf, loadModel, saveModel } from '@evrec/tf';
import { CalibrationSchema, applyCalibration, type Calibration } from './calibration.ts';
import { predictLogits, type InputLayout, type ModelInput } from './network.ts';
import { TowerVectors } from './towers.ts';

/** Name of the bundle component. */
export const RANKER_COMPONENT = 'ranker';
/** Files inside the component folder. */
export const RANKER_FILES = {
  meta: 'ranker.json',
  spec: 'feature-spec.json',
  nn: 'nn',
  lr: 'lr',
  calibration: 'calibration.json',
  metrics: 'metrics.json',
} as const;

export const RankerMetaSchema = z.object({
  format: z.literal('evrec-ranker'),
  formatVersion: z.literal(1),
  trainedAt: z.string(),
  /** TF.js backend it trained on. */
  backend: z.string(),
  dataset: z.string(),
  /** Training used interactions strictly before this time; train/validation cut; validation/test cut. */
  until: z.number(),
  trainEnd: z.number(),
  validEnd: z.number(),
  /** Positive types and their sample weights, and how they were chosen. */
  positives: z.record(z.string(), z.number()),
  positivesOrigin: z.string(),
  loss: z.string(),
  /** Rankers trained before the wide & deep network were a plain MLP (the defaults of the two new fields). */
  network: z.object({
    architecture: z.enum(['wide-deep', 'mlp']).default('mlp'),
    hidden: z.array(z.number().int().positive()),
    dropout: z.number(),
    l2: z.number(),
    categoricalDims: z.number().int().positive(),
    learningRate: z.number(),
    crosses: z.boolean().default(false),
    embedIds: z.boolean().default(true),
  }),
  layout: z.object({ denseWidth: z.number().int().min(0), categoricalOffsets: z.array(z.number().int().min(0)), categoricalRows: z.number().int().min(0), towerDims: z.number().int().min(0) }),
  /** Two-tower inputs: null when trained without them. */
  towers: z
    .object({
      dims: z.number().int().positive(),
      /** Fingerprint of the bundle's embeddings files the ranker trained with (refused if they change). */
      embeddingsFingerprint: z.string(),
      embeddingsUntil: z.number(),
    })
    .nullable(),
  negatives: z.object({ impressionRate: z.number(), randomPerPositive: z.number(), hardPerPositive: z.number() }),
  featureFingerprint: z.string(),
  excludedGroups: z.array(z.string()),
  notes: z.array(z.string()).default([]),
});
export type RankerMeta = z.infer<typeof RankerMetaSchema>;

const CalibrationFileSchema = z.object({ nn: CalibrationSchema, lr: CalibrationSchema });

/** What `score` needs: the request, its activity snapshot (from `gatherActivity`) and the catalogue. */
export interface RankerScoreInput {
  /** The user's profile; absent for an anonymous visitor (the snapshot's user id is used). */
  user?: User;
  /** Candidates; one score each, in this order. */
  events: readonly Event[];
  context: RequestContext;
  /** Activity as of `context.at` for the user and every candidate (`gatherActivity`). */
  snapshot: FeatureSnapshot;
  /** Finds the history's events (categories, prices, text, venues). */
  catalog: EventLookup;
  /** Two-tower user vector; computed from the snapshot's history when absent (towers only). */
  userVector?: Float32Array;
  /** Two-tower event vectors, one per candidate; looked up or embedded when absent (towers only). */
  eventVectors?: readonly Float32Array[];
  /**
   * Event text vectors to use instead of the ranker's own cache (a server shares one warmed cache
   * across bundle versions). Must have the ranker's text dimensions; default the ranker's cache.
   */
  textCache?: EventTextCache;
}

/** The serving face of a trained ranker. */
export interface RankerComponent {
  readonly spec: FeatureSpec;
  readonly meta: RankerMeta;
  /** Training report, flattened (`valid.nn.auc`, ...). */
  readonly metrics: Record<string, number>;
  /** Calibrated P(positive | exposure) of the neural ranker, one per candidate. */
  score(input: RankerScoreInput): Float32Array;
  /** The same from the logistic-regression baseline. */
  scoreBaseline(input: RankerScoreInput): Float32Array;
  /** Frees the models' tensors. */
  dispose(): void;
}

/**
 * A trained ranker: both networks, the feature spec, calibrations and optional towers. Returned by
 * training and by {@link loadRankerComponent}; one instance serves many requests (keeps a text cache).
 */
export class Ranker implements RankerComponent {
  /** Event text vectors shared across requests (hashing a description dominates a cold request). */
  readonly textCache = new EventTextCache();
  metrics: Record<string, number>;
  /** Dispose the towers' model with the ranker (true when the loader loaded them for it). */
  ownsTowers = false;

  constructor(
    readonly spec: FeatureSpec,
    readonly meta: RankerMeta,
    readonly nn: tf.LayersModel,
    readonly lr: tf.LayersModel,
    readonly calibration: { nn: Calibration; lr: Calibration },
    readonly towers: TowerVectors | undefined,
    metrics: Record<string, number> = {},
  ) {
    this.metrics = metrics;
    if ((meta.towers === null) !== (towers === undefined)) {
      throw new EvrecError('INTERNAL', `ranker towers mismatch: meta says ${meta.towers === null ? 'none' : `${meta.towers.dims} dims`}, ${towers === undefined ? 'none' : 'some'} given`);
    }
  }

  get layout(): InputLayout {
    return this.meta.layout;
  }

  /** Model input for a request: the serving feature path (assemble → encode → tower vectors). */
  modelInput(input: RankerScoreInput): ModelInput {
    const user = input.user ?? { id: input.snapshot.user.userId };
    const batch = assembleFeatures({ user, events: input.events, context: input.context, snapshot: input.snapshot, catalog: input.catalog, textCache: input.textCache?.dims === this.textCache.dims ? input.textCache : this.textCache });
    const enc = encodeBatch(this.spec, batch);
    const x: ModelInput = { rows: enc.rows, dense: enc.dense, categorical: enc.categorical };
    if (this.towers) {
      const d = this.towers.dims;
      const n = input.events.length;
      const uv = input.userVector ?? this.towers.users([{ user: input.user, snapshot: input.snapshot, context: input.context }], input.catalog)[0];
      if (uv.length !== d) throw new EvrecError('INVALID_INPUT', `userVector has ${uv.length} dims, the ranker needs ${d}`, { field: 'userVector' });
      if (input.eventVectors !== undefined && input.eventVectors.length !== n) throw new EvrecError('INVALID_INPUT', `${input.eventVectors.length} eventVectors for ${n} events`, { field: 'eventVectors' });
      const ev = input.eventVectors ?? this.towers.events(input.events);
      const userVectors = new Float32Array(n * d);
      const eventVectors = new Float32Array(n * d);
      for (let i = 0; i < n; i++) {
        if (ev[i].length !== d) throw new EvrecError('INVALID_INPUT', `eventVectors[${i}] has ${ev[i].length} dims, the ranker needs ${d}`, { field: 'eventVectors' });
        userVectors.set(uv, i * d);
        eventVectors.set(ev[i], i * d);
      }
      x.userVectors = userVectors;
      x.eventVectors = eventVectors;
    }
    return x;
  }

  /** Raw logits of either network for prepared input. */
  logits(which: 'nn' | 'lr', x: ModelInput): Float32Array {
    return predictLogits(which === 'nn' ? this.nn : this.lr, this.layout, x);
  }

  /** Calibrated probabilities of either network for prepared input. */
  probabilities(which: 'nn' | 'lr', x: ModelInput): Float32Array {
    return applyCalibration(this.calibration[which], this.logits(which, x));
  }

  score(input: RankerScoreInput): Float32Array {
    return this.probabilities('nn', this.modelInput(input));
  }

  scoreBaseline(input: RankerScoreInput): Float32Array {
    return this.probabilities('lr', this.modelInput(input));
  }

  dispose(): void {
    this.nn.dispose();
    this.lr.dispose();
    if (this.ownsTowers) this.towers?.component.model.dispose();
  }
}

/** A stable fingerprint of a bundle component's files (their checksums). */
export function componentFingerprint(files: Record<string, { sha256: string }>): string {
  const canonical = JSON.stringify(Object.keys(files).sort().map((f) => [f, files[f].sha256]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Writes the ranker's files into a component folder (see RANKER_FILES). */
export async function saveRanker(ranker: Ranker, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await saveFeatureSpec(join(dir, RANKER_FILES.spec), ranker.spec);
  await saveModel(ranker.nn, join(dir, RANKER_FILES.nn));
  await saveModel(ranker.lr, join(dir, RANKER_FILES.lr));
  await writeFileAtomic(join(dir, RANKER_FILES.calibration), JSON.stringify(ranker.calibration, null, 1) + '\n');
  await writeFileAtomic(join(dir, RANKER_FILES.metrics), JSON.stringify(ranker.metrics, null, 1) + '\n');
  await writeFileAtomic(join(dir, RANKER_FILES.meta), JSON.stringify(ranker.meta, null, 1) + '\n');
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${path} unreadable: ${(e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${path} is not valid JSON`, { cause: e });
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EvrecError('CORRUPT_ARTIFACT', `${where}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
  }
  return r.data;
}

/**
 * Loads a ranker from a component folder. `towers` must be given when it was trained with them
 * (the loader of a bundle passes the bundle's embeddings).
 */
export async function loadRankerFromDir(dir: string, towers?: TowerVectors): Promise<Ranker> {
  const meta = parse(RankerMetaSchema, await readJson(join(dir, RANKER_FILES.meta)), join(dir, RANKER_FILES.meta));
  const spec = await loadFeatureSpec(join(dir, RANKER_FILES.spec));
  if (spec.fingerprint !== meta.featureFingerprint || spec.denseWidth !== meta.layout.denseWidth) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: feature spec does not match the ranker (fingerprint ${spec.fingerprint} vs ${meta.featureFingerprint})`);
  }
  const calibration = parse(CalibrationFileSchema, await readJson(join(dir, RANKER_FILES.calibration)), join(dir, RANKER_FILES.calibration));
  const metrics = parse(z.record(z.string(), z.number()), await readJson(join(dir, RANKER_FILES.metrics)), join(dir, RANKER_FILES.metrics));
  if (meta.towers !== null && towers === undefined) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: the ranker was trained with two-tower inputs but no embeddings were given`);
  }
  const nn = await loadModel(join(dir, RANKER_FILES.nn));
  const lr = await loadModel(join(dir, RANKER_FILES.lr));
  return new Ranker(spec, meta, nn, lr, calibration, meta.towers === null ? undefined : towers, metrics);
}

export interface LoadRankerOptions {
  /** TF.js backend. Default auto. */
  backend?: TfBackendChoice;
}

/**
 * Loads the `ranker` component of an opened bundle (checksums verified by `openBundle`), with the
 * bundle's embeddings when the ranker uses two-tower inputs. NOT_FOUND without a ranker component;
 * CORRUPT_ARTIFACT when files are malformed or the embeddings are not the ones it trained with.
 */
export async function loadRankerComponent(bundle: OpenedBundle, options: LoadRankerOptions = {}): Promise<Ranker> {
  const component = bundle.manifest.components[RANKER_COMPONENT];
  if (component === undefined) throw new EvrecError('NOT_FOUND', `bundle ${bundle.version} has no ${RANKER_COMPONENT} component; run \`evrec train ranker\``);
  await initTf({ backend: options.backend });
  const dir = bundle.path(RANKER_COMPONENT);
  const meta = parse(RankerMetaSchema, await readJson(join(dir, RANKER_FILES.meta)), join(dir, RANKER_FILES.meta));
  let towers: TowerVectors | undefined;
  if (meta.towers !== null) {
    const emb = bundle.manifest.components.embeddings;
    if (emb === undefined) throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: the ranker uses two-tower inputs but the bundle has no embeddings component`);
    const fp = componentFingerprint(emb.files);
    if (fp !== meta.towers.embeddingsFingerprint) {
      throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: the embeddings changed since the ranker was trained (${fp} vs ${meta.towers.embeddingsFingerprint}); retrain the ranker`);
    }
    towers = new TowerVectors(await loadEmbeddingsComponent(bundle, { backend: options.backend }));
  }
  try {
    const ranker = await loadRankerFromDir(dir, towers);
    ranker.ownsTowers = true;
    return ranker;
  } catch (e) {
    towers?.component.model.dispose();
    throw e;
  }
}
