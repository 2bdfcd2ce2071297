import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, isEvrecError } from '@evrec/core';
import type { EmbeddingsComponent } from '@evrec/embeddings';
import type { InMemoryDataset } from '@evrec/data';
import { evaluateRanker, headline } from './ranker-eval.ts';
import { TINY_SPLIT_AT as T, tinyEvalWorld, type TinyEvalWorld } from './tiny-world.fixture.ts';

let world: TinyEvalWorld;
let ds: InMemoryDataset;
let embeddings: EmbeddingsComponent;

beforeAll(async () => {
  world = await tinyEvalWorld('ranker');
  ({ dataset: ds, embeddings } = world);
});
afterAll(() => world?.dispose());

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
