import { describe, expect, it } from 'vitest';
import { calibrationBins } from '@evrec/metrics';
import type { RankerExample } from '@evrec/ranker';
import { ablationDrops } from './ablation.ts';
import { figuresForOrderings, formatRankerReport, type RankerEvalReport } from './ranker-eval.ts';
import { escapeHtml, rankerReportHtml, reliabilitySvg } from './report-html.ts';

const ex = (userId: string, eventId: string, label: 0 | 1): RankerExample => ({ userId, eventId, at: 0, label, weight: 1, source: 'impression' });

// u1: e1 (relevant), e2, e3; u2: e4, e5 (relevant).
const examples = [ex('u1', 'e1', 1), ex('u1', 'e2', 0), ex('u1', 'e3', 0), ex('u2', 'e4', 0), ex('u2', 'e5', 1)];
const labels = Float32Array.from(examples, (e) => e.label);
const relevant = new Map([['u1', new Set(['e1'])], ['u2', new Set(['e5'])]]);
const scores = {
  nn: [0.9, 0.2, 0.1, 0.3, 0.6], // both relevant first: perfect
  lr: [0.2, 0.9, 0.1, 0.6, 0.3], // u1: relevant 2nd; u2: relevant 2nd
  popularity: [1, 2, 3, 4, 5], // u1: relevant 3rd; u2: 1st
  retrieval: [3, 2, 1, -Infinity, -Infinity], // u2 ties (missing scores) → id order: e4 before e5
};

function report(): RankerEvalReport {
  const f = figuresForOrderings(examples, labels, relevant, scores, [1, 2]);
  const set = { rows: 5, positives: 2, users: f.users, models: f.figures };
  const bins = calibrationBins(labels, Float32Array.from(scores.nn), { bins: 4 });
  return {
    dataset: 'toy <world>',
    splitAt: 0,
    splitAtIso: '1970-01-01T00:00:00.000Z',
    horizonDays: 30,
    ks: [1, 2],
    epochs: 1,
    hardNegatives: 0,
    training: { trainExamples: 10, validExposures: 5, validNnAuc: 0.7, validLrAuc: 0.6, nnEpochs: 1, lrEpochs: 1, seconds: 1 },
    funnel: { ...set, liveEvents: 5, meanCandidates: 2.5, relevantPairs: 2, candidateRecall: 1 },
    exposures: set,
    calibration: { nn: { bins, ece: 0.1 }, lr: { bins, ece: 0.2 } },
    comparisons: [{ set: 'funnel', a: 'nn', b: 'lr', metric: 'map@10', estimate: 0.5, lower: 0.1, upper: 0.9, shareAtOrBelowZero: 0.01 }],
    ablation: ablationDrops({ 'funnel.map@10': 0.5, 'exposures.auc': 0.8 }, [
      { group: 'social', figures: { 'funnel.map@10': 0.4, 'exposures.auc': 0.7 } },
      { group: 'context', figures: { 'funnel.map@10': 0.55, 'exposures.auc': 0.8 } },
    ]),
    seconds: 2,
  };
}

describe('figuresForOrderings', () => {
  it('computes per-user ranking metrics and row AUCs by hand', () => {
    const f = figuresForOrderings(examples, labels, relevant, scores, [1, 2]);
    expect(f.users).toBe(2);
    expect(f.figures.nn.auc).toBe(1);
    expect(f.figures.nn.atK['1']).toEqual({ precision: 1, recall: 1, map: 1, ndcg: 1 });
    expect(f.figures.nn.mrr).toBe(1);
    // lr: both relevant at rank 2 → P@1 0, MAP@2 = 1/2, nDCG@2 = 1/log2(3), MRR 1/2.
    expect(f.figures.lr.atK['1'].precision).toBe(0);
    expect(f.figures.lr.atK['2'].map).toBeCloseTo(0.5, 12);
    expect(f.figures.lr.atK['2'].ndcg).toBeCloseTo(1 / Math.log2(3), 12);
    expect(f.figures.lr.mrr).toBeCloseTo(0.5, 12);
    // popularity: u1 rank 3 (MRR 1/3, outside k=2), u2 rank 1.
    expect(f.figures.popularity.atK['2'].recall).toBeCloseTo(0.5, 12);
    expect(f.figures.popularity.mrr).toBeCloseTo((1 / 3 + 1) / 2, 12);
    expect(f.figures.popularity.logLoss).toBeUndefined();
    // retrieval: u2's unscored events tie and fall back to id order (e4 first) → u2 rank 2.
    expect(f.figures.retrieval.mrr).toBeCloseTo((1 + 0.5) / 2, 12);
    expect(f.figures.nn.logLoss).toBeGreaterThan(0);
  });
});

describe('rankerReportHtml', () => {
  it('is one self-contained page with the metric tables, the reliability diagram and ablation bars', () => {
    const r = report();
    const html = rankerReportHtml(r);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('toy &lt;world&gt;');
    // Balanced structure.
    for (const tag of ['table', 'svg', 'tbody', 'thead']) {
      expect((html.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length).toBe((html.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
    }
    const tables = [...html.matchAll(/<table class="([^"]+)">([\s\S]*?)<\/table>/g)];
    expect(tables.map((t) => t[1])).toEqual(['metrics funnel', 'metrics exposures', 'calibration', 'comparisons', 'ablation']);
    // The funnel table: 4 model rows, the header names the metrics at each k, cells equal the figures.
    const funnel = tables[0][2];
    const rows = [...funnel.matchAll(/<tr><th scope="row">([^<]+)<\/th>(.*?)<\/tr>/g)];
    expect(rows.map((m) => m[1])).toEqual(['nn', 'lr', 'popularity', 'retrieval']);
    expect(funnel).toContain('<th>MAP@2</th>');
    const header = [...funnel.matchAll(/<th>([^<]+)<\/th>/g)].map((m) => m[1]);
    const lrCells = [...rows[1][2].matchAll(/<td>([^<]+)<\/td>/g)].map((m) => m[1]);
    expect(lrCells[header.indexOf('MAP@2') - 1]).toBe(r.funnel.models.lr.atK['2'].map.toFixed(3));
    // Reliability diagram: a diagonal and one polyline per model.
    const rel = html.match(/<svg[^>]*class="reliability"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect(rel).toContain('class="diagonal"');
    expect([...rel.matchAll(/<polyline class="curve" data-model="(\w+)"/g)].map((m) => m[1])).toEqual(['nn', 'lr']);
    // Ablation bars: one per group, positive drop on the right of the axis, negative on the left.
    const bars = html.match(/<svg[^>]*class="ablation" data-metric="funnel.map@10"[\s\S]*?<\/svg>/)?.[0] ?? '';
    expect([...bars.matchAll(/class="bar" data-group="(\w+)"/g)].map((m) => m[1])).toEqual(['social', 'context']);
    expect(bars).toContain('0.1000');
    expect(bars).toContain('-0.0500');
  });

  it('places reliability points at (predicted, observed) in plot coordinates', () => {
    const svg = reliabilitySvg([{ name: 'm', color: '#000', bins: [{ lower: 0, upper: 1, count: 2, meanPredicted: 0.5, observedRate: 0.25 }] }], 240);
    // pad 40, inner 160: x = 40 + 0.5·160 = 120, y = 200 − 0.25·160 = 160.
    expect(svg).toContain('points="120.0,160.0"');
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
  });

  it('prints the same figures as text', () => {
    const r = report();
    const text = formatRankerReport(r);
    const lrLine = text.split('\n').find((l) => l.startsWith('lr ')) ?? '';
    expect(lrLine.trim().split(/\s+/)).toContain(r.funnel.models.lr.atK['2'].ndcg.toFixed(3));
    expect(text).toMatch(/without\s+funnel\.map@10\s+exposures\.auc/);
    expect(text).toMatch(/social\s+0\.1000\s+0\.1000/);
  });
});
