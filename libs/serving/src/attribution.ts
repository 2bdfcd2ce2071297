import type { Interaction } from '@evrec/core';
import { priceUsd } from '@evrec/features';
import type { ServingMetrics } from './metrics.ts';
import { modelVersionOf } from './recommendation-lists.ts';
import { TtlCache } from './ttl-cache.ts';

/** Online outcome of one recommendation response. */
export interface AttributionCounts {
  recommendationId: string;
  modelVersion: string;
  impressions: number;
  clicks: number;
  registrations: number;
  /** Registration revenue converted to USD (unknown currencies count as USD). */
  revenueUsd: number;
}

export interface AttributionOptions {
  /** Recommendations whose counters are kept. Default 100,000. */
  maxRecommendations?: number;
  /** Kept this long after their last feedback, ms. Default 24 h. */
  ttlMs?: number;
}

/**
 * Counts accepted feedback (duplicates never reach it) per recommendationId and, in Prometheus,
 * per model version: the online A/B read-out of which model's lists get clicked and registered.
 */
export class AttributionLedger {
  private readonly byRecommendation: TtlCache<string, AttributionCounts>;

  constructor(private readonly metrics: ServingMetrics, options: AttributionOptions = {}) {
    this.byRecommendation = new TtlCache({ maxEntries: options.maxRecommendations ?? 100_000, ttlMs: options.ttlMs ?? 86_400_000 });
  }

  record(interaction: Interaction): void {
    const rid = interaction.recommendationId;
    if (rid === undefined) return;
    const kind = interaction.type === 'impression' ? 'impressions' : interaction.type === 'click' ? 'clicks' : interaction.type === 'register' ? 'registrations' : undefined;
    if (kind === undefined) return;
    const modelVersion = modelVersionOf(rid);
    const c = this.byRecommendation.get(rid) ?? { recommendationId: rid, modelVersion, impressions: 0, clicks: 0, registrations: 0, revenueUsd: 0 };
    c[kind]++;
    this.metrics.attributed.inc({ model_version: modelVersion, type: interaction.type });
    if (kind === 'registrations' && interaction.revenue !== undefined && interaction.revenue > 0) {
      const usd = priceUsd(interaction.revenue, interaction.currency ?? 'USD');
      const value = Number.isFinite(usd) ? usd : interaction.revenue;
      c.revenueUsd += value;
      this.metrics.attributedRevenue.inc({ model_version: modelVersion }, value);
    }
    this.byRecommendation.set(rid, c);
  }

  get(recommendationId: string): AttributionCounts | undefined {
    return this.byRecommendation.get(recommendationId);
  }
}
