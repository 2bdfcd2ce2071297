import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MS_PER_DAY, openBundle } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle, type EmbeddingsComponent } from '@evrec/embeddings';

/** The split time of the tiny evaluation world: day 16 of its 28 simulated days. */
export const TINY_SPLIT_AT = Date.UTC(2026, 0, 5) + 16 * MS_PER_DAY;

export interface TinyEvalWorld {
  dataset: InMemoryDataset;
  /** Towers trained (one epoch) only on interactions before {@link TINY_SPLIT_AT}. */
  embeddings: EmbeddingsComponent;
  dispose(): Promise<void>;
}

/** A tiny synthetic world with towers trained before the split, in a temp folder removed by `dispose`. */
export async function tinyEvalWorld(label: string): Promise<TinyEvalWorld> {
  const root = await mkdtemp(join(tmpdir(), `evrec-eval-${label}-`));
  await generateWorld({ outDir: join(root, 'world'), preset: 'tiny', seed: 5 });
  const dataset = await loadDataset(join(root, 'world'));
  await trainEmbeddingsIntoBundle({ data: dataset, artifactsDir: join(root, 'art'), until: TINY_SPLIT_AT, publish: false, train: { epochs: 1 } });
  const embeddings = await loadEmbeddingsComponent(await openBundle(join(root, 'art'), { version: 'work' }));
  return {
    dataset,
    embeddings,
    dispose: async () => {
      embeddings.model.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}
