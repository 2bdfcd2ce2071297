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

/** What one batch of feedback adds to one recommendation's counters. */
export interface AttributionDelta {
  impressions: number;
  clicks: number;
  registrations: number;
  revenueUsd: number;
}

export interface AttributionOptions {
  /** Recommendations whose counters are kept (memory store only; Redis is bounded by the TTL). Default 100,000. */
  maxRecommendations?: number;
  /** Kept this long after their last feedback, ms. Default 24 h. */
  ttlMs?: number;
}

/** Default lifetime of a recommendation's counters after its last feedback, ms: 24 h. */
export const DEFAULT_ATTRIBUTION_TTL_MS = 86_400_000;

/**
 * Where the per-recommendation counters live: this process (`MemoryAttributionStore`, the
 * default) or Redis (`RedisAttributionStore`, shared by every replica, so feedback sent to one
 * replica shows in another's read-out).
 */
export interface AttributionStore {
  /** `memory`: this process only; `redis`: shared by the replicas. */
  readonly kind: 'memory' | 'redis';
  /** Adds each delta to its recommendation's counters and restarts their TTL (one round trip on Redis). */
  add(deltas: ReadonlyMap<string, AttributionDelta>): Promise<void>;
  /** The counters, or undefined when no feedback was recorded (or they expired). */
  get(recommendationId: string): Promise<AttributionCounts | undefined>;
}

/** Counters in this process: a bounded LRU whose entries expire (today's single-process behaviour). */
export class MemoryAttributionStore implements AttributionStore {
  readonly kind = 'memory' as const;
  private readonly byRecommendation: TtlCache<string, AttributionCounts>;

  constructor(options: AttributionOptions = {}) {
    this.byRecommendation = new TtlCache({ maxEntries: options.maxRecommendations ?? 100_000, ttlMs: options.ttlMs ?? DEFAULT_ATTRIBUTION_TTL_MS });
  }

  async add(deltas: ReadonlyMap<string, AttributionDelta>): Promise<void> {
    for (const [rid, d] of deltas) {
      const c = this.byRecommendation.get(rid) ?? { recommendationId: rid, modelVersion: modelVersionOf(rid), impressions: 0, clicks: 0, registrations: 0, revenueUsd: 0 };
      c.impressions += d.impressions;
      c.clicks += d.clicks;
      c.registrations += d.registrations;
      c.revenueUsd += d.revenueUsd;
      this.byRecommendation.set(rid, c);
    }
  }

  async get(recommendationId: string): Promise<AttributionCounts | undefined> {
    const c = this.byRecommendation.get(recommendationId);
    return c === undefined ? undefined : { ...c };
  }
}

const KIND_OF = { impression: 'impressions', click: 'clicks', register: 'registrations' } as const;

/**
 * Counts accepted feedback (duplicates never reach it) per recommendationId, in the attribution
 * store, and per model version in Prometheus (per process: Prometheus sums the replicas): the
 * online A/B read-out of which model's lists get clicked and registered.
 */
export class AttributionLedger {
  constructor(
    private readonly metrics: ServingMetrics,
    /** Default `new MemoryAttributionStore()`. */
    readonly store: AttributionStore = new MemoryAttributionStore(),
  ) {}

  /** Counts a batch of accepted interactions: Prometheus at once, then one write to the store. */
  async record(interactions: readonly Interaction[]): Promise<void> {
    const deltas = new Map<string, AttributionDelta>();
    for (const x of interactions) {
      const rid = x.recommendationId;
      if (rid === undefined || !(x.type in KIND_OF)) continue;
      const kind = KIND_OF[x.type as keyof typeof KIND_OF];
      const modelVersion = modelVersionOf(rid);
      let d = deltas.get(rid);
      if (d === undefined) deltas.set(rid, (d = { impressions: 0, clicks: 0, registrations: 0, revenueUsd: 0 }));
      d[kind]++;
      this.metrics.attributed.inc({ model_version: modelVersion, type: x.type });
      if (kind === 'registrations' && x.revenue !== undefined && x.revenue > 0) {
        const usd = priceUsd(x.revenue, x.currency ?? 'USD');
        const value = Number.isFinite(usd) ? usd : x.revenue;
        d.revenueUsd += value;
        this.metrics.attributedRevenue.inc({ model_version: modelVersion }, value);
      }
    }
    if (deltas.size > 0) await this.store.add(deltas);
  }

  get(recommendationId: string): Promise<AttributionCounts | undefined> {
    return this.store.get(recommendationId);
  }
}
