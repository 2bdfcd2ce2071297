import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddingsComponent } from '@evrec/embeddings';
import type { InMemoryDataset } from '@evrec/data';
import { retrievalReportHtml } from './report-html.ts';
import { evaluateRetrieval } from './retrieval-eval.ts';
import { TINY_SPLIT_AT as T, tinyEvalWorld, type TinyEvalWorld } from './tiny-world.fixture.ts';

let world: TinyEvalWorld;
let ds: InMemoryDataset;
let embeddings: EmbeddingsComponent;

beforeAll(async () => {
  world = await tinyEvalWorld('retrieval');
  ({ dataset: ds, embeddings } = world);
});
afterAll(() => world?.dispose());

describe('evaluateRetrieval with tower variants', () => {
  it('scores every method on all, cold and warm events, and the ID-only / content-only towers', async () => {
    const r = await evaluateRetrieval({ dataset: ds, embeddings, splitAt: T, ks: [5, 20], variants: true, variantTraining: { epochs: 1 } });
    const names = r.rows.map((x) => x.name);
    expect(names.slice(-3)).toEqual(['tower-full', 'tower-id-only', 'tower-content-only']);
    expect(r.segments.cold.pairs + r.segments.warm.pairs).toBe(r.relevantPairs);
    expect(r.segments.cold.pairs).toBeGreaterThan(0);
    expect(r.segments.warm.pairs).toBeGreaterThan(0);
    for (const row of r.rows) {
      for (const seg of [row.cold, row.warm]) for (const k of ['5', '20']) expect(seg.recall[k]).toBeGreaterThanOrEqual(0);
      expect(row.cold.recall['20']).toBeGreaterThanOrEqual(row.cold.recall['5']);
    }
    // The exact unfiltered ranking of the full model agrees with the HNSW one on this small corpus.
    const full = r.rows.find((x) => x.name === 'tower-full');
    const noRules = r.rows.find((x) => x.name === 'ann-no-rules');
    expect(full?.recall['20']).toBeCloseTo(noRules?.recall['20'] ?? NaN, 6);
    // No rule-bound list recalls more than the share of relevant events passing the rules.
    const merged = r.rows.find((x) => x.name === 'merged');
    expect(merged?.recallAll).toBeLessThanOrEqual(r.ruleBound.ceiling + 1e-9);
    expect(r.ruleBound.popularNearbyAllowed.recall['20']).toBeLessThanOrEqual(r.ruleBound.ceiling + 1e-9);
    const html = retrievalReportHtml(r);
    expect(html.match(/<polyline class="curve"/g)?.length).toBe(3 * r.rows.length);
  });
});
