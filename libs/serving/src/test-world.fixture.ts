import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkBundle, loadConfig, type Config } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { trainRankerIntoBundle } from '@evrec/ranker';
import { buildIndexIntoBundle } from '@evrec/retrieval';
import { startServing, type ServingHandle, type StartServingOptions } from './boot.ts';

/**
 * A small synthetic world with a real bundle: tiny two-tower embeddings (1 epoch), the ANN index
 * over the events upcoming at the end of the data, and a tiny ranker (1 epoch) — trained once per
 * test file in beforeAll (a few seconds on 2 cores). Requests are made as of `at`, the end of the
 * data, when some events are still upcoming.
 */
export interface TestWorld {
  root: string;
  dataDir: string;
  artifactsDir: string;
  dataset: InMemoryDataset;
  /** The published version. */
  version: string;
  /** The moment the index was built for (end of the data). */
  at: number;
}

export const TEST_API_KEY = 'test-key-0123456789';

export async function buildTestWorld(seed = 5): Promise<TestWorld> {
  const root = await mkdtemp(join(tmpdir(), 'evrec-serving-'));
  const dataDir = join(root, 'world');
  const artifactsDir = join(root, 'artifacts');
  await generateWorld({ preset: 'tiny', seed, users: 200, events: 160, outDir: dataDir });
  const dataset = await loadDataset(dataDir);
  await trainEmbeddingsIntoBundle({
    data: dataset,
    artifactsDir,
    publish: false,
    train: { epochs: 1, batchSize: 128, seed: 1, dims: 16, hidden: 32, textDims: 64, eventIdBuckets: 1024, validFraction: 0 },
  });
  // Every event upcoming at the end of the data, whatever its start (the horizon rule applies per request).
  const index = await buildIndexIntoBundle({ data: dataset, artifactsDir, horizonDays: 3650, publish: false });
  const ranker = await trainRankerIntoBundle({ data: dataset, artifactsDir, epochs: 1, towers: 'auto', network: { hidden: [16] }, calibration: 'platt', seed: 1 });
  ranker.ranker.dispose();
  if (ranker.version === undefined) throw new Error('the ranker bundle was not published');
  return { root, dataDir, artifactsDir, dataset, version: ranker.version, at: index.meta.at };
}

/** Publishes the work bundle again under a new version (same models, new version id) without moving the pointer. */
export async function publishCopy(world: TestWorld, setCurrent = false): Promise<string> {
  const work = await WorkBundle.open(world.artifactsDir);
  const { version } = await work.publish({ setCurrent });
  return version;
}

export function testConfig(world: TestWorld, api: Partial<Config['api']> = {}): Config {
  return loadConfig({ env: {}, overrides: { artifactsDir: world.artifactsDir, api: { apiKey: TEST_API_KEY, ...api } } });
}

/** The serving stack on the embedded store, materialised from the world, clock at `world.at`, no bundle following. */
export function startTestServing(world: TestWorld, options: Partial<StartServingOptions> = {}): Promise<ServingHandle> {
  return startServing({
    config: testConfig(world),
    dataDir: world.dataDir,
    clock: world.at,
    bundles: { pollMs: 0, watch: false },
    ...options,
    engine: { statsRefreshMs: 0, ...options.engine },
  });
}

export async function removeTestWorld(world: TestWorld | undefined): Promise<void> {
  if (world !== undefined) await rm(world.root, { recursive: true, force: true });
}
