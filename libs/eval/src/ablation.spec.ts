import { describe, expect, it } from 'vitest';
import { ablationDrops } from './ablation.ts';

describe('ablationDrops', () => {
  it('signs drops so that positive means the left-out group helped (log-loss reversed)', () => {
    const full = { 'exposures.auc': 0.8, 'exposures.log_loss': 0.3, 'funnel.map@10': 0.25 };
    const r = ablationDrops(full, [
      { group: 'social', figures: { 'exposures.auc': 0.75, 'exposures.log_loss': 0.32, 'funnel.map@10': 0.2 }, seconds: 3 },
      { group: 'context', figures: { 'exposures.auc': 0.81, 'exposures.log_loss': 0.29 } },
    ]);
    expect(r.metrics).toEqual(['exposures.auc', 'exposures.log_loss', 'funnel.map@10']);
    expect(r.rows[0].group).toBe('social');
    expect(r.rows[0].drop['exposures.auc']).toBeCloseTo(0.05, 12);
    expect(r.rows[0].drop['exposures.log_loss']).toBeCloseTo(0.02, 12);
    expect(r.rows[0].drop['funnel.map@10']).toBeCloseTo(0.05, 12);
    expect(r.rows[0].seconds).toBe(3);
    expect(r.rows[1].drop['exposures.auc']).toBeCloseTo(-0.01, 12);
    expect(r.rows[1].drop['exposures.log_loss']).toBeCloseTo(-0.01, 12);
    expect(r.rows[1].drop['funnel.map@10']).toBeNaN();
    expect(r.full).toEqual(full);
  });
});
