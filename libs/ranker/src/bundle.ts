import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvrecError, WorkBundle, openBundle, silentProgress, type InteractionType } from '@evrec/core';
import { loadDataset, type InMemoryDataset } from '@evrec/data';
import {
  EMBEDDINGS_COMPONENT,
  HISTORY_CAPABLE_TYPES,
  loadEmbeddingsComponent,
  trainEmbeddingsIntoBundle,
  type EmbeddingsComponent,
  type TwoTowerTrainOptions,
} from '@evrec/embeddings';
import { RANKER_COMPONENT, componentFingerprint, saveRanker, type Ranker } from './component.ts';
import { resolvePositiveWeights } from './positives.ts';
import { rankerCuts, trainRanker, type RankerTrainingReport, type TrainRankerOptions } from './train.ts';

/** Where the two-tower inputs come from. */
export type TowerSource = 'bundle' | 'trained' | 'none';

export interface TrainRankerIntoBundleOptions extends Omit<TrainRankerOptions, 'embeddings' | 'embeddingsFingerprint'> {
  /** A loaded dataset or a native dataset directory. */
  data: InMemoryDataset | string;
  /** Artefacts root (work/, versions/, current.json). */
  artifactsDir: string;
  /** Publish a new bundle version after writing the component. Default true. */
  publish?: boolean;
  /**
   * Two-tower inputs: `auto` (default) uses the bundle's embeddings, else trains them first
   * (until the validation cut, so validation stays out of their sample) and uses them, else — if
   * that fails — trains without; `train` always retrains them; `none` never uses them.
   */
  towers?: 'auto' | 'train' | 'none';
  /** Options for training the embeddings when needed (`until`, `progress`, positive and history types are set here). */
  embeddingsTraining?: Omit<TwoTowerTrainOptions, 'until' | 'progress' | 'positiveTypes' | 'historyTypes'>;
}

export interface TrainRankerIntoBundleResult {
  /** Published version (absent with `publish: false`). */
  version?: string;
  ranker: Ranker;
  report: RankerTrainingReport;
  towers: TowerSource;
  /** Why the towers are (not) used, for the log. */
  towersNote: string;
}

/**
 * Trains the ranker (see {@link trainRanker}) into the `ranker` component of the work bundle
 * under `artifactsDir` — model, LR baseline, feature spec, calibration, metrics — and publishes a
 * version unless told not to. The caller disposes the returned ranker.
 */
export async function trainRankerIntoBundle(options: TrainRankerIntoBundleOptions): Promise<TrainRankerIntoBundleResult> {
  const progress = options.progress ?? silentProgress;
  const ds = typeof options.data === 'string' ? await loadDataset(options.data, { progress }) : options.data;
  const mode = options.towers ?? 'auto';
  const cuts = rankerCuts(ds, options);

  let towers: TowerSource = 'none';
  let towersNote = 'two-tower inputs off (--towers none)';
  let embeddings: EmbeddingsComponent | undefined;
  let fingerprint: string | undefined;
  const loadFromWork = async (): Promise<void> => {
    const bundle = await openBundle(options.artifactsDir, { version: 'work' });
    embeddings = await loadEmbeddingsComponent(bundle, { backend: options.backend });
    fingerprint = componentFingerprint(bundle.manifest.components[EMBEDDINGS_COMPONENT].files);
  };
  if (mode !== 'none') {
    const work = await WorkBundle.open(options.artifactsDir);
    if (mode === 'auto' && work.has(EMBEDDINGS_COMPONENT)) {
      await loadFromWork();
      towers = 'bundle';
      towersNote = `using the bundle's embeddings (${embeddings?.meta.dims} dims, trained until ${new Date(embeddings?.meta.until ?? 0).toISOString()})`;
    } else {
      const positiveTypes = [...resolvePositiveWeights(ds.interactions.filter((x) => x.at < cuts.until), options.positives).weights.keys()].filter((t) =>
        HISTORY_CAPABLE_TYPES.includes(t),
      ) as InteractionType[];
      // Trained into a scratch root and adopted only once it loads and its vectors are finite, so a
      // failed training never leaves a broken component in the real bundle.
      const scratch = await mkdtemp(join(tmpdir(), 'evrec-ranker-embeddings-'));
      try {
        options.logger?.info({ until: new Date(cuts.trainEnd).toISOString(), positiveTypes }, 'training the two-tower embeddings first (no embeddings in the bundle)');
        await trainEmbeddingsIntoBundle({
          data: ds,
          artifactsDir: scratch,
          until: cuts.trainEnd,
          publish: false,
          progress,
          train: { seed: options.seed, backend: options.backend, ...options.embeddingsTraining, positiveTypes, historyTypes: positiveTypes },
        });
        const trained = await openBundle(scratch, { version: 'work' });
        const probe = await loadEmbeddingsComponent(trained, { backend: options.backend });
        const finite = probe.eventVectors.every(Number.isFinite) && probe.userVectors.every(Number.isFinite);
        probe.model.dispose();
        if (!finite) throw new EvrecError('INTERNAL', 'the trained embeddings hold non-finite vectors');
        const target = await WorkBundle.open(options.artifactsDir);
        await cp(trained.path(EMBEDDINGS_COMPONENT), await target.componentDir(EMBEDDINGS_COMPONENT), { recursive: true });
        const c = trained.manifest.components[EMBEDDINGS_COMPONENT];
        await target.commitComponent(EMBEDDINGS_COMPONENT, { meta: c.meta, metrics: c.metrics });
        // New vectors make an index built from the old ones stale (as trainEmbeddingsIntoBundle does).
        if (target.has('ann')) await target.removeComponent('ann');
        await loadFromWork();
        towers = 'trained';
        towersNote = `trained the embeddings first (until the validation cut ${new Date(cuts.trainEnd).toISOString()}) and use them`;
      } catch (e) {
        towersNote = `training without two-tower inputs: the embeddings could not be trained (${(e as Error).message})`;
        options.logger?.warn({ error: (e as Error).message }, towersNote);
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    }
  }
  options.logger?.info({ towers }, towersNote);

  let ranker: Ranker | undefined;
  try {
    const result = await trainRanker(ds, { ...options, embeddings, embeddingsFingerprint: fingerprint });
    ranker = result.ranker;
    if (towers === 'none' && embeddings === undefined) ranker.meta.notes.push(towersNote);
    // Opened after the embeddings were committed, so this instance's manifest holds them.
    const work = await WorkBundle.open(options.artifactsDir);
    const dir = await work.componentDir(RANKER_COMPONENT);
    await saveRanker(ranker, dir);
    await work.commitComponent(RANKER_COMPONENT, {
      meta: { ...ranker.meta, towerSource: towers, calibration: result.report.calibration, cuts: result.report.cuts },
      metrics: ranker.metrics,
    });
    await work.setData({ dataset: ds.manifest.name, until: cuts.until });
    const published = options.publish === false ? undefined : await work.publish();
    ranker.ownsTowers = embeddings !== undefined;
    return { version: published?.version, ranker, report: result.report, towers, towersNote };
  } catch (e) {
    ranker?.dispose();
    embeddings?.model.dispose();
    throw e;
  }
}
