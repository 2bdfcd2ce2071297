import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, isEvrecError, openBundle } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle, type EmbeddingsComponent } from '@evrec/embeddings';
import { evaluateRanker, headline } from './ranker-eval.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-eval-ranker-'));
const T = Date.UTC(2026, 0, 5) + 16 * MS_PER_DAY;
let ds: InMemoryDataset;
let embeddings: EmbeddingsComponent;

beforeAll(async () => {
  await generateWorld({ outDir: join(root, 'world'), preset: 'tiny', seed: 5 });
  ds = await loadDataset(join(root, 'world'));
  await trainEmbeddingsIntoBundle({ data: ds, artifactsDir: join(root, 'art'), until: T, publish: false, train: { epochs: 1 } });
  embeddings = await loadEmbeddingsComponent(await openBundle(join(root, 'art'), { version: 'work' }));
});
afterAll(async () => {
  embeddings?.model.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('evaluateRanker', () => {
  it('reports every ordering on both sets and the ablation drop of a retrained variant', async () => {
    const r = await evaluateRanker({ dataset: ds, embeddings, splitAt: T, epochs: 1, ablationGroups: ['social'], bootstrapResamples: 200 });
    expect(r.ks).toEqual([5, 10, 20]);
    for (const set of [r.funnel, r.exposures]) {
      expect(Object.keys(set.models)).toEqual(['nn', 'lr', 'popularity', 'retrieval']);
      expect(set.users).toBeGreaterThan(0);
      for (const m of Object.values(set.models)) for (const k of ['5', '10', '20']) expect(m.atK[k].recall).toBeGreaterThanOrEqual(0);
    }
    // Calibrated probabilities: bins' counts cover every exposure.
    expect(r.calibration.nn.bins.reduce((s, b) => s + b.count, 0)).toBe(r.exposures.rows);
    expect(r.comparisons.length).toBe(12);
    expect(r.ablation?.full).toEqual(headline(r.funnel, r.exposures));
    expect(r.ablation?.rows.map((x) => x.group)).toEqual(['social']);
    const row = r.ablation?.rows[0];
    expect(row?.drop['funnel.map@10']).toBeCloseTo((r.ablation?.full['funnel.map@10'] ?? NaN) - (row?.figures['funnel.map@10'] ?? NaN), 12);
  });

  it('refuses embeddings trained past the split', async () => {
    await expect(evaluateRanker({ dataset: ds, embeddings, splitAt: T - MS_PER_DAY, epochs: 1, ablation: false })).rejects.toSatisfy((e: unknown) => isEvrecError(e, 'INVALID_INPUT'));
  });
});
