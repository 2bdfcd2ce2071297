import { z } from 'zod';
import {
  EvrecError,
  WorkBundle,
  loadConfig,
  openBundle,
  silentProgress,
  type Event,
  type OpenedBundle,
  type ProgressReporter,
} from '@evrec/core';
import { ANN_DEFAULTS, AnnIndex, buildIndexInWorker, type AnnIndexOptions } from '@evrec/ann';
import { loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, type EmbeddingsComponent } from '@evrec/embeddings';
import { liveEventsAt } from './live.ts';

/** Name of the bundle component holding the index. */
export const ANN_COMPONENT = 'ann';

export interface AnnComponentMeta {
  /** The moment the index was built for: it holds the events live then. */
  at: number;
  horizonDays: number;
  count: number;
  dims: number;
  M: number;
  efConstruction: number;
  ef: number;
  /** Events that had no vector in the bundle and were embedded with the event tower. */
  embedded: number;
  /** `trainedAt` / `until` of the embeddings the vectors came from (a mismatch means a stale index). */
  embeddingsTrainedAt: string;
  embeddingsUntil: number;
}

const AnnMetaSchema = z.object({
  at: z.number(),
  horizonDays: z.number().positive(),
  count: z.number().int().min(0),
  dims: z.number().int().positive(),
  M: z.number().int(),
  efConstruction: z.number().int(),
  ef: z.number().int(),
  embedded: z.number().int().min(0),
  embeddingsTrainedAt: z.string(),
  embeddingsUntil: z.number(),
});

export interface BuildIndexIntoBundleOptions {
  /** Artefacts root; the index is written into its work bundle next to the `embeddings` component. */
  artifactsDir: string;
  /** The events: a loaded dataset, a native dataset directory, or any list of events. */
  data: InMemoryDataset | string | Iterable<Event>;
  /** Index the events live at this time (epoch ms). Default: the embeddings' `until` (end of training data). */
  at?: number;
  /** Events starting up to this many days after `at`. Default `Config.retrieval.horizonDays` (30). */
  horizonDays?: number;
  /** Graph parameters. Default M 16, efConstruction 200, ef 100 (`ANN_DEFAULTS`). */
  ann?: Pick<AnnIndexOptions, 'M' | 'efConstruction' | 'ef' | 'seed'>;
  /** Build on a worker thread (keeps this event loop free; for services). Default false. */
  worker?: boolean;
  /** Publish a new bundle version afterwards. Default true. */
  publish?: boolean;
  /** Receives `index.embed` and `ann.build` events. Default silent. */
  progress?: ProgressReporter;
}

export interface BuildIndexIntoBundleResult {
  meta: AnnComponentMeta;
  /** Published version (absent with `publish: false`). */
  version?: string;
  seconds: number;
}

const EMBED_CHUNK = 1024;

async function eventsOf(data: BuildIndexIntoBundleOptions['data'], progress: ProgressReporter): Promise<Iterable<Event>> {
  if (typeof data === 'string') return (await loadDataset(data, { progress })).events.values();
  if (isDataset(data)) return data.events.values();
  return data;
}

function isDataset(d: InMemoryDataset | Iterable<Event>): d is InMemoryDataset {
  return typeof d === 'object' && d !== null && 'events' in d && d.events instanceof Map;
}

/**
 * Vectors for `events`, rows in order: the bundle's exported vector when it has one, else the event
 * tower's (new events placed by content). Returns how many were embedded.
 */
export function vectorsForEvents(
  emb: Pick<EmbeddingsComponent, 'model' | 'eventIds' | 'eventVectors'>,
  events: readonly Event[],
  progress: ProgressReporter = silentProgress,
): { vectors: Float32Array; embedded: number } {
  const d = emb.model.dims;
  const row = new Map<string, number>();
  emb.eventIds.forEach((id, i) => row.set(id, i));
  const vectors = new Float32Array(events.length * d);
  const missing: number[] = [];
  events.forEach((e, i) => {
    const r = row.get(e.id);
    if (r === undefined) missing.push(i);
    else vectors.set(emb.eventVectors.subarray(r * d, (r + 1) * d), i * d);
  });
  for (let s = 0; s < missing.length; s += EMBED_CHUNK) {
    const chunk = missing.slice(s, s + EMBED_CHUNK);
    const vs = emb.model.embedEvents(chunk.map((i) => events[i]));
    chunk.forEach((i, j) => vectors.set(vs[j], i * d));
    progress({ stage: 'index.embed', done: Math.min(missing.length, s + EMBED_CHUNK), total: missing.length });
  }
  return { vectors, embedded: missing.length };
}

/** Graph parameters with defaults filled in (an explicit `undefined` means the default). */
export function annParams(ann: BuildIndexIntoBundleOptions['ann'], dims: number): Required<Omit<AnnIndexOptions, 'maxElements'>> {
  return {
    dims,
    M: ann?.M ?? ANN_DEFAULTS.M,
    efConstruction: ann?.efConstruction ?? ANN_DEFAULTS.efConstruction,
    ef: ann?.ef ?? ANN_DEFAULTS.ef,
    seed: ann?.seed ?? ANN_DEFAULTS.seed,
  };
}

export interface WriteAnnComponentOptions {
  /** The events to index, in the row order of `vectors`. */
  live: readonly Event[];
  /** `live.length × params.dims` row-major, L2-normalised. */
  vectors: Float32Array;
  /** How many of them the event tower placed (no stored vector). */
  embedded: number;
  params: Required<Omit<AnnIndexOptions, 'maxElements'>>;
  /** Capacity to allocate. Default the library's. */
  maxElements?: number;
  at: number;
  horizonDays: number;
  /** The embeddings the vectors came from (their training time is recorded). */
  embeddings: Pick<EmbeddingsComponent, 'meta'>;
  /** Build on a worker thread (the event loop stays free). Default false. */
  worker?: boolean;
  /** Extra fields for the component's manifest meta. */
  extraMeta?: Record<string, unknown>;
  progress: ProgressReporter;
}

/**
 * Builds the index over `live`, saves it as the work bundle's `ann` component and records its
 * parameters: the one writer behind `buildIndexIntoBundle` and the jobs' index refresh.
 */
export async function writeAnnComponent(work: WorkBundle, o: WriteAnnComponentOptions): Promise<AnnComponentMeta> {
  const dir = await work.componentDir(ANN_COMPONENT);
  let index: AnnIndex;
  if (o.worker === true) {
    index = await buildIndexInWorker({ ...o.params, ids: o.live.map((e) => e.id), vectors: o.vectors, dir, progress: o.progress });
  } else {
    const d = o.params.dims;
    index = AnnIndex.build(
      o.live.map((e, i) => ({ id: e.id, vector: o.vectors.subarray(i * d, (i + 1) * d) })),
      { ...o.params, ...(o.maxElements === undefined ? {} : { maxElements: o.maxElements }), progress: o.progress },
    );
    await index.save(dir);
  }
  const meta: AnnComponentMeta = {
    at: o.at,
    horizonDays: o.horizonDays,
    count: index.size,
    dims: o.params.dims,
    M: o.params.M,
    efConstruction: o.params.efConstruction,
    ef: o.params.ef,
    embedded: o.embedded,
    embeddingsTrainedAt: o.embeddings.meta.trainedAt,
    embeddingsUntil: o.embeddings.meta.until,
  };
  await work.commitComponent(ANN_COMPONENT, { meta: { ...meta, ...o.extraMeta }, metrics: { count: index.size } });
  return meta;
}

/**
 * Builds the ANN index over the events live at `at` (see `isLiveAt`) from the work bundle's event
 * vectors (events without one are embedded with the event tower), saves it as the bundle component
 * `ann` with its parameters in the manifest, and publishes a version unless told not to. The jobs
 * worker's index rebuild calls this with `at: Date.now()`.
 */
export async function buildIndexIntoBundle(options: BuildIndexIntoBundleOptions): Promise<BuildIndexIntoBundleResult> {
  const started = performance.now();
  const progress = options.progress ?? silentProgress;
  const horizonDays = options.horizonDays ?? loadConfig({ env: {} }).retrieval.horizonDays;
  if (!(horizonDays > 0)) throw new EvrecError('INVALID_INPUT', `horizonDays must be > 0, got ${horizonDays}`, { field: 'horizonDays' });
  const work = await WorkBundle.open(options.artifactsDir);
  if (!work.has('embeddings')) {
    throw new EvrecError('NOT_FOUND', `no embeddings in the work bundle under ${options.artifactsDir}; run \`evrec train embeddings\` first`);
  }
  const emb = await loadEmbeddingsComponent(await openBundle(options.artifactsDir, { version: 'work' }));
  try {
    const at = options.at ?? emb.meta.until;
    const live = liveEventsAt(await eventsOf(options.data, progress), at, horizonDays);
    const { vectors, embedded } = vectorsForEvents(emb, live, progress);
    const params = annParams(options.ann, emb.model.dims);
    const meta = await writeAnnComponent(work, { live, vectors, embedded, params, at, horizonDays, embeddings: emb, worker: options.worker, progress });
    const published = options.publish === false ? undefined : await work.publish();
    return { meta, version: published?.version, seconds: (performance.now() - started) / 1000 };
  } finally {
    emb.model.dispose();
  }
}

/**
 * Loads the `ann` component of an opened bundle (checksums verified again by the index itself).
 * NOT_FOUND when absent; CORRUPT_ARTIFACT when its meta is malformed or it was built from other
 * embeddings than the bundle's.
 */
export async function loadAnnComponent(bundle: OpenedBundle): Promise<{ index: AnnIndex; meta: AnnComponentMeta }> {
  const c = bundle.manifest.components[ANN_COMPONENT];
  if (c === undefined) throw new EvrecError('NOT_FOUND', `bundle ${bundle.version} has no ${ANN_COMPONENT} component; run \`evrec build-index\``);
  const m = AnnMetaSchema.safeParse(c.meta);
  if (!m.success) throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: invalid ${ANN_COMPONENT} meta: ${m.error.issues[0]?.message ?? ''}`);
  const emb = bundle.manifest.components.embeddings?.meta;
  if (emb !== undefined && emb.trainedAt !== m.data.embeddingsTrainedAt) {
    throw new EvrecError('CORRUPT_ARTIFACT', `bundle ${bundle.version}: the index was built from other embeddings (trained ${m.data.embeddingsTrainedAt}, bundle has ${String(emb.trainedAt)}); rebuild it`);
  }
  const index = await AnnIndex.load(bundle.path(ANN_COMPONENT));
  return { index, meta: m.data };
}
