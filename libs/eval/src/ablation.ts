import type { FeatureGroup } from '@evrec/features';

/** One retrained variant: the ranker without one feature group. */
export interface AblationRow {
  group: FeatureGroup;
  /** The variant's figures (same keys as the full model's). */
  figures: Record<string, number>;
  /**
   * How much worse the variant is, per metric: full − ablated for higher-is-better metrics,
   * ablated − full for `log_loss`. Positive = removing the group hurts (the group carries signal).
   */
  drop: Record<string, number>;
  seconds: number;
}

export interface AblationReport {
  /** Metric keys, in display order. */
  metrics: string[];
  /** The full model's figures. */
  full: Record<string, number>;
  rows: AblationRow[];
}

/** Metrics where lower is better (their drop is ablated − full). */
function lowerIsBetter(metric: string): boolean {
  return metric.endsWith('log_loss') || metric.endsWith('ece');
}

/**
 * Drops of each ablated variant against the full model, signed so that a positive drop always
 * means the left-out group helped. Metrics missing from a variant give NaN.
 */
export function ablationDrops(full: Record<string, number>, variants: ReadonlyArray<{ group: FeatureGroup; figures: Record<string, number>; seconds?: number }>): AblationReport {
  const metrics = Object.keys(full);
  const rows = variants.map((v) => {
    const drop: Record<string, number> = {};
    for (const m of metrics) {
      const a = v.figures[m] ?? NaN;
      drop[m] = lowerIsBetter(m) ? a - full[m] : full[m] - a;
    }
    return { group: v.group, figures: { ...v.figures }, drop, seconds: v.seconds ?? 0 };
  });
  return { metrics, full: { ...full }, rows };
}
