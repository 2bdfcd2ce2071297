import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EvrecError, WorkBundle, silentProgress, type OpenedBundle, type ProgressReporter, type TfBackendChoice } from '@evrec/core';
import { loadDataset, type InMemoryDataset } from '@evrec/data';
import { ReplayActivity } from '@evrec/features';
import { float32ToLittleEndian, littleEndianToFloat32 } from './binary-io.ts';
import { TwoTowerModel } from './model.ts';
import { historyAt } from './pairs.ts';
import { defaultUntil, trainTwoTower, type TwoTowerTrainOptions } from './train.ts';

/** Name of the bundle component. */
export const EMBEDDINGS_COMPONENT = 'embeddings';
/** Files inside the component folder. */
export const EMBEDDINGS_FILES = {
  model: 'model',
  eventIds: 'event-ids.json',
  eventVectors: 'event-vectors.f32',
  userIds: 'user-ids.json',
  userVectors: 'user-vectors.f32',
} as const;

export interface EmbeddingsMeta {
  dims: number;
  /** Training and the exported user vectors use interactions strictly before this time (epoch ms). */
  until: number;
  backend: string;
  dataset: string;
  trainedAt: string;
  events: number;
  users: number;
  /** Vector files: raw little-endian float32, n × dims, row-major, rows in id-list order. */
  vectorFormat: 'float32-le';
  /** Interaction types that form the history passed to `embedUser`. */
  historyTypes: string[];
  historyCap: number;
}

const MetaSchema = z.object({
  dims: z.number().int().positive(),
  until: z.number(),
  backend: z.string(),
  dataset: z.string(),
  trainedAt: z.string(),
  events: z.number().int().min(0),
  users: z.number().int().min(0),
  vectorFormat: z.literal('float32-le'),
  historyTypes: z.array(z.string()),
  historyCap: z.number().int().positive(),
});

export interface EmbeddingsComponent {
  model: TwoTowerModel;
  eventIds: string[];
  /** eventIds.length × dims, row-major. */
  eventVectors: Float32Array;
  userIds: string[];
  /** userIds.length × dims, row-major. */
  userVectors: Float32Array;
  meta: EmbeddingsMeta;
}

export interface DatasetVectors {
  eventIds: string[];
  eventVectors: Float32Array;
  userIds: string[];
  userVectors: Float32Array;
}

/**
 * Vectors for every event of `ds` (events the model never trained on by content alone) and for
 * every user as of `until`: profile, plus history from the interactions strictly before `until`.
 */
export function embedDataset(model: TwoTowerModel, ds: InMemoryDataset, options: { until: number; progress?: ProgressReporter }): DatasetVectors {
  const progress = options.progress ?? silentProgress;
  const eventIds = [...ds.events.keys()];
  const events = [...ds.events.values()];
  const encoded = events.map((e) => model.encodeEvent(e));
  const eventVectors = model.embedEncodedEvents(encoded, (e) => model.knownEventIds.has(e.id));
  progress({ stage: 'embed.events', done: events.length, total: events.length });

  const a = model.architecture;
  const before = ds.interactions.filter((x) => x.at < options.until);
  const activity = new ReplayActivity({ events: ds.events, friends: new Map(), interactions: before }, { historyCap: Math.max(100, a.historyCap * 4) });
  const types = new Set(a.historyTypes);
  const userIds = [...ds.users.keys()];
  const userVectors = new Float32Array(userIds.length * model.dims);
  const chunk = 4096;
  for (let start = 0; start < userIds.length; start += chunk) {
    const ids = userIds.slice(start, start + chunk);
    const examples = ids.map((id) => ({
      user: ds.users.get(id),
      at: options.until,
      history: historyAt(activity, id, options.until, types, a.historyCap, (e) => ds.events.has(e)).history.flatMap((eid) => {
        const e = ds.events.get(eid);
        return e === undefined ? [] : [model.encodeEvent(e)];
      }),
    }));
    userVectors.set(model.embedUserExamples(examples), start * model.dims);
    progress({ stage: 'embed.users', done: Math.min(userIds.length, start + chunk), total: userIds.length });
  }
  return { eventIds, eventVectors, userIds, userVectors };
}

export interface TrainEmbeddingsIntoBundleOptions {
  /** A loaded dataset or a native dataset directory. */
  data: InMemoryDataset | string;
  /** Artefacts root (holds work/, versions/, current.json). */
  artifactsDir: string;
  /** Train on (and embed users as of) interactions strictly before this time. Default: after the last one. */
  until?: number;
  /** Publish a new bundle version after writing the component. Default true. */
  publish?: boolean;
  progress?: ProgressReporter;
  /** Training options (`until` and `progress` come from above). */
  train?: Omit<TwoTowerTrainOptions, 'until' | 'progress'>;
}

export interface TrainEmbeddingsIntoBundleResult {
  /** The published version (absent with `publish: false`). */
  version?: string;
  metrics: Record<string, number>;
  meta: EmbeddingsMeta;
  /** Components dropped from the work bundle because they were built from the old vectors. */
  removed: string[];
}

/** Components derived from the event vectors: stale the moment the vectors change. */
/** Components built from the embeddings: stale once they are retrained (the index holds old vectors, the ranker takes them as inputs). */
const DERIVED_COMPONENTS = ['ann', 'ranker'];

/**
 * Trains the two towers, writes the `embeddings` component (model, event and user vectors, id
 * lists) into the work bundle under `artifactsDir`, and publishes a version unless told not to.
 * An `ann` component built from older vectors is removed: rebuild the index before serving.
 */
export async function trainEmbeddingsIntoBundle(options: TrainEmbeddingsIntoBundleOptions): Promise<TrainEmbeddingsIntoBundleResult> {
  const progress = options.progress ?? silentProgress;
  const ds = typeof options.data === 'string' ? await loadDataset(options.data, { progress }) : options.data;
  const until = options.until ?? defaultUntil(ds);
  const { model, metrics, backend } = await trainTwoTower(ds, { ...options.train, until, progress });
  try {
    const vectors = embedDataset(model, ds, { until, progress });
    const work = await WorkBundle.open(options.artifactsDir);
    const dir = await work.componentDir(EMBEDDINGS_COMPONENT);
    await model.save(join(dir, EMBEDDINGS_FILES.model));
    await writeFile(join(dir, EMBEDDINGS_FILES.eventIds), JSON.stringify(vectors.eventIds));
    await writeFile(join(dir, EMBEDDINGS_FILES.eventVectors), float32ToLittleEndian(vectors.eventVectors));
    await writeFile(join(dir, EMBEDDINGS_FILES.userIds), JSON.stringify(vectors.userIds));
    await writeFile(join(dir, EMBEDDINGS_FILES.userVectors), float32ToLittleEndian(vectors.userVectors));
    const meta: EmbeddingsMeta = {
      dims: model.dims,
      until,
      backend,
      dataset: ds.manifest.name,
      trainedAt: String(model.info.trainedAt ?? new Date().toISOString()),
      events: vectors.eventIds.length,
      users: vectors.userIds.length,
      vectorFormat: 'float32-le',
      historyTypes: [...model.architecture.historyTypes],
      historyCap: model.architecture.historyCap,
    };
    await work.commitComponent(EMBEDDINGS_COMPONENT, { meta: { ...meta }, metrics });
    await work.setData({ dataset: ds.manifest.name, until });
    const removed: string[] = [];
    for (const name of DERIVED_COMPONENTS) {
      if (work.has(name)) {
        await work.removeComponent(name);
        removed.push(name);
      }
    }
    const published = options.publish === false ? undefined : await work.publish();
    return { version: published?.version, metrics, meta, removed };
  } finally {
    model.dispose();
  }
}

async function readComponentFile(bundle: OpenedBundle, file: string): Promise<Buffer> {
  const path = bundle.path(EMBEDDINGS_COMPONENT, file);
  try {
    return await readFile(path);
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${path} unreadable: ${(e as Error).message}`, { cause: e });
  }
}

function parseIds(bytes: Buffer, where: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${where} is not valid JSON`, { cause: e });
  }
  const r = z.array(z.string()).safeParse(json);
  if (!r.success) throw new EvrecError('CORRUPT_ARTIFACT', `${where} is not a list of ids`);
  return r.data;
}

/**
 * Loads the `embeddings` component of an opened bundle (checksums were verified by `openBundle`):
 * the model and the exported vectors. NOT_FOUND when the bundle has no such component;
 * CORRUPT_ARTIFACT when sizes disagree with the id lists.
 */
export async function loadEmbeddingsComponent(bundle: OpenedBundle, options: { backend?: TfBackendChoice } = {}): Promise<EmbeddingsComponent> {
  const component = bundle.manifest.components[EMBEDDINGS_COMPONENT];
  if (component === undefined) throw new EvrecError('NOT_FOUND', `bundle ${bundle.version} has no ${EMBEDDINGS_COMPONENT} component; run \`evrec train embeddings\``);
  const m = MetaSchema.safeParse(component.meta);
  if (!m.success) throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: invalid ${EMBEDDINGS_COMPONENT} meta: ${m.error.issues[0]?.message ?? ''}`);
  const meta = m.data as EmbeddingsMeta;
  const eventIds = parseIds(await readComponentFile(bundle, EMBEDDINGS_FILES.eventIds), EMBEDDINGS_FILES.eventIds);
  const userIds = parseIds(await readComponentFile(bundle, EMBEDDINGS_FILES.userIds), EMBEDDINGS_FILES.userIds);
  const eventVectors = littleEndianToFloat32(await readComponentFile(bundle, EMBEDDINGS_FILES.eventVectors));
  const userVectors = littleEndianToFloat32(await readComponentFile(bundle, EMBEDDINGS_FILES.userVectors));
  if (eventVectors.length !== eventIds.length * meta.dims || userVectors.length !== userIds.length * meta.dims) {
    throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: vector files do not match the id lists × ${meta.dims} dims`);
  }
  const model = await TwoTowerModel.load(bundle.path(EMBEDDINGS_COMPONENT, EMBEDDINGS_FILES.model), options);
  if (model.dims !== meta.dims) {
    model.dispose();
    throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: model has ${model.dims} dims, meta says ${meta.dims}`);
  }
  return { model, eventIds, eventVectors, userIds, userVectors, meta };
}
