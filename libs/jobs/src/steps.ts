import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { EvrecError, openBundle, readCurrentPointer, type ProgressReporter } from '@evrec/core';
import { loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { defaultRetrievalSplit, evaluateRetrieval } from '@evrec/eval';
import { trainRankerIntoBundle } from '@evrec/ranker';
import { ANN_COMPONENT, buildIndexIntoBundle } from '@evrec/retrieval';
import { canonicalJson, codeVersion, findVersionByInputHash, sha256Hex, versionIdFor } from './identity.ts';
import type { JobType } from './job-types.ts';
import { EVALUATION_COMPONENT } from './quality-gate.ts';
import { refreshIndexIntoWork, writeFingerprints } from './refresh-index.ts';
import { publishWork } from './publish.ts';
import { openRunWork, prepareRunRoot, pruneSnapshots, pruneStaleRuns, removeRunRoot, runRootOf } from './run-dirs.ts';
import type { ExportPayload, PipelineOptions, PublishRecord, RunSpec, RunState, StepSummary } from './schemas.ts';
import { takeSnapshot } from './snapshot.ts';

/**
 * The work of each flow step, as plain functions: the BullMQ processors and the inline runner call
 * the same code. Every step takes the run spec and the state its child step returned, and returns
 * the state extended with its own summary. Once a run finds its version already published
 * (`state.skip`), later steps return at once.
 */

/** Steps that run on a worker thread in queue mode (CPU-bound: training, index builds, evaluation). */
export const HEAVY_STEPS = ['train-embeddings', 'build-index', 'train-ranker', 'evaluate'] as const;
export type HeavyStep = (typeof HEAVY_STEPS)[number];

export function isHeavyStep(type: JobType): type is HeavyStep {
  return (HEAVY_STEPS as readonly string[]).includes(type);
}

function seconds(started: number): number {
  return Math.round((performance.now() - started) / 10) / 100;
}

function withStep(state: RunState, name: string, summary: StepSummary): RunState {
  return { ...state, steps: { ...state.steps, [name]: summary } };
}

/**
 * Everything that determines the artefact, except the quality gate (it decides publishing, not
 * content). A refresh depends on the base bundle's models, not on its name: refreshing a refresh of
 * the same models over the same snapshot is a no-op, not a new version every hour.
 */
async function inputHashOf(run: RunSpec, snapshotHash: string, baseVersion: string | null): Promise<string> {
  const { gate: _gate, ...training } = run.options;
  let base: string | null = null;
  if (run.flow === 'index-refresh' && baseVersion !== null) {
    const manifest = (await openBundle(run.artifactsDir, { version: baseVersion, verify: false })).manifest;
    const models = Object.entries(manifest.components).filter(([name]) => name !== ANN_COMPONENT).map(([name, c]) => [name, c.files]);
    base = sha256Hex(canonicalJson(models));
  }
  return sha256Hex(canonicalJson({ flow: run.flow, snapshot: snapshotHash, options: training, base, code: codeVersion() }));
}

/**
 * export-interactions: freezes the source into a content-addressed snapshot, derives the run's
 * version from its input, and prepares the run's private work bundle (empty for a retrain, a copy
 * of the current bundle for an index refresh). A version built from the same input already
 * published makes the rest of the run a no-op.
 */
export async function exportStep(payload: ExportPayload, progress: ProgressReporter): Promise<RunState> {
  const started = performance.now();
  const { run } = payload;
  const baseVersion = (await readCurrentPointer(run.artifactsDir))?.version ?? null;
  if (run.flow === 'index-refresh' && baseVersion === null) {
    throw new EvrecError('NOT_FOUND', `no published bundle under ${run.artifactsDir} to refresh; run the retrain flow first`);
  }
  const snapshot = await takeSnapshot(payload.source, run.artifactsDir, progress);
  const inputHash = await inputHashOf(run, snapshot.hash, baseVersion);
  const existing = await findVersionByInputHash(run.artifactsDir, inputHash);
  const runRoot = runRootOf(run.artifactsDir, run.runId);
  const state: RunState = {
    runId: run.runId,
    flow: run.flow,
    artifactsDir: run.artifactsDir,
    runRoot,
    snapshot: {
      id: snapshot.id,
      dir: snapshot.dir,
      name: snapshot.manifest.name,
      timeRange: snapshot.manifest.timeRange,
      interactions: snapshot.manifest.counts.interactions,
      events: snapshot.manifest.counts.events,
    },
    inputHash,
    version: existing ?? versionIdFor(inputHash),
    baseVersion,
    steps: {},
  };
  if (existing !== undefined) {
    return withStep({ ...state, skip: { reason: `version ${existing} was built from the same input` } }, 'export-interactions', { seconds: seconds(started), metrics: {}, note: 'no-op: same input as a published version' });
  }
  await prepareRunRoot(run.artifactsDir, run.runId, run.flow === 'index-refresh' ? baseVersion : null);
  const work = await openRunWork(runRoot);
  await work.setData({ snapshot: snapshot.id, runId: run.runId, flow: run.flow, inputHash, baseVersion });
  return withStep(state, 'export-interactions', {
    seconds: seconds(started),
    metrics: { interactions: snapshot.manifest.counts.interactions, events: snapshot.manifest.counts.events, users: snapshot.manifest.counts.users },
  });
}

async function loadSnapshot(state: RunState, progress: ProgressReporter): Promise<InMemoryDataset> {
  return loadDataset(state.snapshot.dir, { progress });
}

/** The two-tower cut: training sees interactions before it, retrieval is evaluated after it. */
function embeddingsCut(ds: InMemoryDataset, options: PipelineOptions): number {
  return defaultRetrievalSplit(ds, options.evaluation.holdout);
}

function indexAt(state: RunState, options: PipelineOptions): number {
  return options.index.at ?? state.snapshot.timeRange?.[1] ?? Date.now();
}

async function trainEmbeddingsStep(run: RunSpec, state: RunState, progress: ProgressReporter): Promise<RunState> {
  const started = performance.now();
  const ds = await loadSnapshot(state, progress);
  const o = run.options;
  const result = await trainEmbeddingsIntoBundle({
    data: ds,
    artifactsDir: state.runRoot,
    until: embeddingsCut(ds, o),
    publish: false,
    progress,
    train: { ...o.embeddings, seed: o.seed, backend: o.backend },
  });
  return withStep(state, 'train-embeddings', { seconds: seconds(started), metrics: result.metrics });
}

async function buildIndexStep(run: RunSpec, state: RunState, progress: ProgressReporter): Promise<RunState> {
  const started = performance.now();
  const ds = await loadSnapshot(state, progress);
  const o = run.options.index;
  const at = indexAt(state, run.options);
  if (run.flow === 'index-refresh') {
    const r = await refreshIndexIntoWork({ runRoot: state.runRoot, data: ds, at, horizonDays: o.horizonDays, ann: o, progress });
    return withStep(state, 'build-index', {
      seconds: seconds(started),
      metrics: { count: r.meta.count, embedded: r.embedded, changed: r.changed },
      note: `refreshed at ${new Date(at).toISOString()}`,
    });
  }
  const r = await buildIndexIntoBundle({
    artifactsDir: state.runRoot,
    data: ds,
    at,
    horizonDays: o.horizonDays,
    ann: { M: o.M, efConstruction: o.efConstruction, ef: o.ef },
    publish: false,
    progress,
  });
  // The fingerprints of the events as the embeddings saw them: index refreshes compare against them.
  const work = await openRunWork(state.runRoot);
  await writeFingerprints(work, ds.events.values());
  return withStep(state, 'build-index', { seconds: seconds(started), metrics: { count: r.meta.count, embedded: r.meta.embedded }, note: `built at ${new Date(at).toISOString()}` });
}

async function trainRankerStep(run: RunSpec, state: RunState, progress: ProgressReporter): Promise<RunState> {
  const started = performance.now();
  const ds = await loadSnapshot(state, progress);
  const o = run.options;
  // Only the fields given: an explicit undefined would override the library's default.
  const network = {
    ...(o.ranker.architecture === undefined ? {} : { architecture: o.ranker.architecture }),
    ...(o.ranker.hidden === undefined ? {} : { hidden: o.ranker.hidden }),
    ...(o.ranker.learningRate === undefined ? {} : { learningRate: o.ranker.learningRate }),
  };
  const result = await trainRankerIntoBundle({
    data: ds,
    artifactsDir: state.runRoot,
    publish: false,
    // The run's own embeddings (trained before the holdout cut, which precedes the ranker's validation).
    towers: 'auto',
    epochs: o.ranker.epochs,
    batchSize: o.ranker.batchSize,
    validFraction: o.ranker.validFraction,
    network,
    seed: o.seed,
    backend: o.backend,
    progress,
  });
  try {
    const m = result.ranker.metrics;
    const keep = Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('valid.') || k.startsWith('test.')));
    return withStep(state, 'train-ranker', { seconds: seconds(started), metrics: keep, note: result.towersNote });
  } finally {
    result.ranker.dispose();
  }
}

/**
 * evaluate: retrieval recall on the temporal holdout after the embeddings' cut (every source, the
 * merged set and the baselines, against the whole live corpus), written with the report as the
 * bundle's `evaluation` component. Its metrics, with the ranker's validation figures, are what the
 * publish step's quality gate compares.
 */
async function evaluateStep(run: RunSpec, state: RunState, progress: ProgressReporter): Promise<RunState> {
  const started = performance.now();
  const ds = await loadSnapshot(state, progress);
  const o = run.options.evaluation;
  const bundle = await openBundle(state.runRoot, { version: 'work' });
  const emb = await loadEmbeddingsComponent(bundle, { backend: run.options.backend });
  try {
    const report = await evaluateRetrieval({ dataset: ds, embeddings: emb, splitAt: emb.meta.until, ks: o.ks, maxUsers: o.maxUsers, seed: run.options.seed, progress });
    const metrics: Record<string, number> = { 'retrieval.users': report.users, 'retrieval.live_events': report.liveEvents };
    for (const row of report.rows) {
      for (const [k, v] of Object.entries(row.recall)) metrics[`retrieval.${row.name}.recall@${k}`] = v;
      metrics[`retrieval.${row.name}.mrr`] = row.mrr;
    }
    for (const [k, v] of Object.entries(metrics)) if (!Number.isFinite(v)) delete metrics[k];
    const work = await openRunWork(state.runRoot);
    const dir = await work.componentDir(EVALUATION_COMPONENT);
    await writeFile(join(dir, 'retrieval-report.json'), JSON.stringify(report, null, 1) + '\n');
    await work.commitComponent(EVALUATION_COMPONENT, { meta: { splitAt: report.splitAt, dataset: report.dataset, ks: report.ks, users: report.users, snapshot: state.snapshot.id }, metrics });
    return withStep(state, 'evaluate', { seconds: seconds(started), metrics });
  } finally {
    emb.model.dispose();
  }
}

/** Runs one CPU-bound step (on whichever thread calls it). */
export async function runHeavyStep(type: HeavyStep, run: RunSpec, state: RunState, progress: ProgressReporter): Promise<RunState> {
  if (state.skip) return state;
  switch (type) {
    case 'train-embeddings':
      return trainEmbeddingsStep(run, state, progress);
    case 'build-index':
      return buildIndexStep(run, state, progress);
    case 'train-ranker':
      return trainRankerStep(run, state, progress);
    case 'evaluate':
      return evaluateStep(run, state, progress);
  }
}

/** The publish job's return value: the publish record plus what the run did. */
export interface FlowResult extends PublishRecord {
  snapshot: string;
  steps: RunState['steps'];
}

/** Components a flow's bundle must hold to be published. */
export const REQUIRED_COMPONENTS: Record<RunSpec['flow'], string[]> = {
  retrain: ['embeddings', 'ann', 'ranker', EVALUATION_COMPONENT],
  'index-refresh': ['embeddings', 'ann'],
};

/** Run roots of parked (failed) runs, and snapshots no run used lately, are kept this long, then removed by a later publish. */
export const STALE_RUN_MS = 3 * 24 * 3600 * 1000;

/**
 * publish: see {@link publishWork}. The run's work directory is removed once the version is stored
 * (or was already); a refused candidate's is kept for inspection until it goes stale.
 */
export async function publishStep(run: RunSpec, state: RunState, options: { redis?: Redis; progress: ProgressReporter }): Promise<FlowResult> {
  const started = performance.now();
  const record = await publishWork({
    artifactsDir: run.artifactsDir,
    workRoot: state.runRoot,
    version: state.version,
    inputHash: state.inputHash,
    gate: run.options.gate,
    requiredComponents: REQUIRED_COMPONENTS[run.flow],
    redis: options.redis,
    runId: run.runId,
    flow: run.flow,
    progress: options.progress,
  });
  if (record.outcome !== 'refused') await removeRunRoot(state.runRoot);
  await pruneStaleRuns(run.artifactsDir, STALE_RUN_MS);
  const current = await readCurrentPointer(run.artifactsDir);
  const currentSnapshot = current === undefined ? undefined : (await openBundle(run.artifactsDir, { version: current.version, verify: false })).manifest.data.snapshot;
  await pruneSnapshots(run.artifactsDir, new Set([state.snapshot.id, ...(typeof currentSnapshot === 'string' ? [currentSnapshot] : [])]), STALE_RUN_MS);
  const steps = { ...state.steps, publish: { seconds: seconds(started), metrics: {}, note: record.reason ?? record.outcome } };
  return { ...record, snapshot: state.snapshot.id, steps };
}
