import { describe, expect, it } from 'vitest';
import { bundleMetrics, checkQualityGate } from './quality-gate.ts';
import { QualityGateSchema } from './schemas.ts';

const gate = QualityGateSchema.parse({
  rules: [
    { metric: 'ranker.valid.nn.auc', direction: 'higher', margin: 0.02 },
    { metric: 'ranker.valid.nn.log_loss', direction: 'lower', margin: 0.01 },
  ],
});

describe('checkQualityGate', () => {
  it('passes a candidate within the margin and refuses one beyond it, naming the metric', () => {
    const current = { 'ranker.valid.nn.auc': 0.8, 'ranker.valid.nn.log_loss': 0.3 };
    // 0.8 - 0.785 = 0.015 ≤ 0.02; 0.305 - 0.3 = 0.005 ≤ 0.01
    expect(checkQualityGate({ 'ranker.valid.nn.auc': 0.785, 'ranker.valid.nn.log_loss': 0.305 }, current, gate).pass).toBe(true);
    // 0.8 - 0.77 = 0.03 > 0.02
    const v = checkQualityGate({ 'ranker.valid.nn.auc': 0.77, 'ranker.valid.nn.log_loss': 0.29 }, current, gate);
    expect(v.pass).toBe(false);
    expect(v.checks.map((c) => c.pass)).toEqual([false, true]);
    expect(v.reason).toBe('ranker.valid.nn.auc 0.7700 vs current 0.8000: worse by 0.0300 (margin 0.0200)');
  });

  it('treats exactly the margin as a pass, and lower-is-better metrics the other way round', () => {
    const current = { 'ranker.valid.nn.auc': 0.5, 'ranker.valid.nn.log_loss': 0.25 };
    expect(checkQualityGate({ 'ranker.valid.nn.auc': 0.48, 'ranker.valid.nn.log_loss': 0.26 }, current, gate).pass).toBe(true);
    expect(checkQualityGate({ 'ranker.valid.nn.auc': 0.5, 'ranker.valid.nn.log_loss': 0.27 }, current, gate).pass).toBe(false);
  });

  it('refuses a candidate without the metric; passes when there is nothing to compare with', () => {
    const missing = checkQualityGate({ 'ranker.valid.nn.log_loss': 0.2 }, { 'ranker.valid.nn.auc': 0.8 }, gate);
    expect(missing.pass).toBe(false);
    expect(missing.reason).toBe('candidate has no value for ranker.valid.nn.auc');
    const first = checkQualityGate({ 'ranker.valid.nn.auc': 0.1, 'ranker.valid.nn.log_loss': 9 }, undefined, gate);
    expect(first.pass).toBe(true);
    expect(first.checks.every((c) => c.note === 'no current bundle to compare with')).toBe(true);
  });

  it('checks the index size and can be switched off', () => {
    expect(checkQualityGate({ 'ranker.valid.nn.auc': 0.9, 'ranker.valid.nn.log_loss': 0.1 }, undefined, gate, 0).reason).toBe('index holds 0 events (minimum 1)');
    expect(checkQualityGate({}, { 'ranker.valid.nn.auc': 0.9 }, { ...gate, enabled: false }, 0)).toEqual({ pass: true, checks: [] });
  });
});

describe('bundleMetrics', () => {
  it('prefixes component metrics and keeps evaluation keys as they are', () => {
    const c = (metrics: Record<string, number>) => ({ createdAt: '', files: {}, meta: {}, metrics });
    const m = bundleMetrics({
      components: { ranker: c({ 'valid.nn.auc': 0.8, bad: Number.NaN }), ann: c({ count: 12 }), evaluation: c({ 'retrieval.ann.recall@10': 0.4 }) },
    });
    expect(m).toEqual({ 'ranker.valid.nn.auc': 0.8, 'ann.count': 12, 'retrieval.ann.recall@10': 0.4 });
  });
});
