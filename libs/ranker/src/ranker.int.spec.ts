import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { ReplayActivity, gatherActivity } from '@evrec/features';
import { loadRankerFromDir, saveRanker, type Ranker } from './component.ts';
import type { RankerScoreInput } from './component.ts';
import { trainRanker, type RankerTrainingReport } from './train.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-ranker-int-'));
let ds: InMemoryDataset;
let ranker: Ranker;
let report: RankerTrainingReport;

beforeAll(async () => {
  await generateWorld({ preset: 'tiny', seed: 7, outDir: join(root, 'world') });
  ds = await loadDataset(join(root, 'world'));
  // Small deep part, few epochs, no dropout (too little data to need it): seconds on one WASM thread, repeatable.
  ({ ranker, report } = await trainRanker(ds, { testFraction: 0.2, epochs: 8, network: { hidden: [64, 32], dropout: 0 }, seed: 3 }));
});

afterAll(async () => {
  ranker?.dispose();
  await rm(root, { recursive: true, force: true });
});

/** A request for one user at the end of the log: 500 candidates (the catalogue, repeated as needed). */
async function request(): Promise<RankerScoreInput> {
  const at = report.cuts.until;
  const events = [...ds.events.values()];
  const candidates = Array.from({ length: 500 }, (_, i) => events[i % events.length]);
  const userId = ds.interactions[ds.interactions.length - 1].userId;
  const snapshot = await gatherActivity(new ReplayActivity(ds), { userId, eventIds: candidates.map((e) => e.id), at });
  return { user: ds.users.get(userId), events: candidates, context: { at }, snapshot, catalog: ds.events };
}

describe('trainRanker on a tiny synthetic world', () => {
  it('learns: NN validation AUC > 0.7 on the temporal split, and beats popularity on the test part', () => {
    expect(report.validation.nn.auc).toBeGreaterThan(0.7);
    expect(report.validation.lr.auc).toBeGreaterThan(0.6);
    const test = report.testReport;
    expect(test).toBeDefined();
    expect(test?.models.nn.auc).toBeGreaterThan(test?.models.popularity.auc ?? 1);
    expect(report.train.bySource.random.examples).toBeGreaterThan(0);
  });

  it('is a wide & deep network whose wide part is the trained baseline, and reports MAP/nDCG@10 and @200 with NN − baseline CIs', () => {
    expect(ranker.meta.network.architecture).toBe('wide-deep');
    // Frozen wide part = the LR's weights, exactly.
    const wide = ranker.nn.getLayer('wide_logit').getWeights().map((w) => Array.from(w.dataSync()));
    const lr = ranker.lr.getLayer('logit').getWeights().map((w) => Array.from(w.dataSync()));
    expect(wide).toEqual(lr);
    const test = report.testReport;
    if (test === undefined) throw new Error('no test report');
    expect(test.ks).toEqual([10, 200]);
    expect(test.models.nn.atK['10'].map).toBe(test.models.nn.map);
    expect(test.models.nn.atK['200'].map).toBeGreaterThan(0);
    expect(test.comparisons.map((c) => `${c.metric} ${c.baseline}`)).toEqual(['map@10 lr', 'ndcg@10 lr', 'map@200 lr', 'ndcg@200 lr', 'map@10 popularity', 'ndcg@10 popularity', 'map@200 popularity', 'ndcg@200 popularity']);
    const c = test.comparisons[0];
    expect(c.estimate).toBeCloseTo(test.models.nn.map - test.models.lr.map, 10);
    expect(c.lower).toBeLessThanOrEqual(c.estimate);
    expect(c.upper).toBeGreaterThanOrEqual(c.estimate);
    expect(ranker.metrics['test.nn.map@200']).toBe(test.models.nn.atK['200'].map);
  });

  it('is calibrated: on the held-out test part the mean probability is close to the observed positive rate', () => {
    const test = report.testReport;
    if (test === undefined) throw new Error('no test report');
    const rate = test.positives / test.rows;
    expect(Math.abs((test.models.nn.meanPredicted ?? 1) - rate)).toBeLessThan(0.02);
    expect(Math.abs((test.models.lr.meanPredicted ?? 1) - rate)).toBeLessThan(0.02);
    // On validation, where calibration was fitted, the mean matches (Platt) or nearly (isotonic).
    expect(Math.abs(report.validation.nn.meanPredicted - report.validation.positiveRate)).toBeLessThan(0.005);
  });

  it('scores 500 candidates with probabilities, and a save/load round trip gives identical scores', async () => {
    const input = await request();
    const scores = ranker.score(input);
    const baseline = ranker.scoreBaseline(input);
    expect(scores).toHaveLength(500);
    for (const p of [...scores, ...baseline]) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    expect(new Set(scores).size).toBeGreaterThan(50);
    const dir = join(root, 'saved');
    await saveRanker(ranker, dir);
    const loaded = await loadRankerFromDir(dir);
    try {
      expect(loaded.score(input)).toEqual(scores);
      expect(loaded.scoreBaseline(input)).toEqual(baseline);
      expect(loaded.meta).toEqual(ranker.meta);
      expect(loaded.metrics['valid.nn.auc']).toBeCloseTo(report.validation.nn.auc, 10);
    } finally {
      loaded.dispose();
    }
  });
});
