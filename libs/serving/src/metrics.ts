import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds: sub-millisecond stages up to slow requests. */
const STAGE_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2];
const COUNT_BUCKETS = [0, 1, 5, 10, 25, 50, 100, 200, 300, 500, 750, 1000];

/**
 * Every Prometheus metric the serving layer exports, on its own registry (so several servers in
 * one process, e.g. tests, do not collide). Per-recommendation attribution is not a label here
 * (unbounded cardinality): /metrics aggregates it per model version, and
 * `GET /v1/recommendations/{id}/attribution` answers per recommendation.
 */
export class ServingMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly candidates: Histogram<'source'>;
  readonly errors: Counter<'code'>;
  readonly degraded: Counter<'reason'>;
  readonly degradedResponses: Counter;
  readonly bundleReloads: Counter<'result' | 'trigger'>;
  readonly bundleInfo: Gauge<'version'>;
  readonly bundleLoadSeconds: Gauge<'version'>;
  readonly feedback: Counter<'type' | 'result'>;
  readonly attributed: Counter<'model_version' | 'type'>;
  readonly attributedRevenue: Counter<'model_version'>;
  readonly catalogChanges: Counter<'op'>;
  readonly catalogFeed: Counter<'op' | 'result'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'evrec_' });
    this.httpDuration = new Histogram({ name: 'evrec_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'], buckets: STAGE_BUCKETS, registers });
    this.stageDuration = new Histogram({
      name: 'evrec_stage_duration_seconds',
      help: 'Recommendation pipeline latency per stage (user, embed, retrieval[.scan|.ann|.friends|.merge], features, rank, post, total; rank.* for POST /v1/rank)',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.candidates = new Histogram({ name: 'evrec_candidates', help: 'Candidates per request by retrieval source (and `ranked`: how many the ranker scored)', labelNames: ['source'], buckets: COUNT_BUCKETS, registers });
    this.errors = new Counter({ name: 'evrec_errors_total', help: 'Error responses by error code', labelNames: ['code'], registers });
    this.degraded = new Counter({ name: 'evrec_degraded_total', help: 'Store calls that failed over to batch features, by reason', labelNames: ['reason'], registers });
    this.degradedResponses = new Counter({ name: 'evrec_degraded_responses_total', help: 'Responses served in degraded mode (flagged degraded: true)', registers });
    this.bundleReloads = new Counter({ name: 'evrec_bundle_reloads_total', help: 'Bundle reload attempts: loaded (swapped in) or refused (old bundle kept)', labelNames: ['result', 'trigger'], registers });
    this.bundleInfo = new Gauge({ name: 'evrec_bundle_info', help: 'The serving bundle version (value 1)', labelNames: ['version'], registers });
    this.bundleLoadSeconds = new Gauge({ name: 'evrec_bundle_load_seconds', help: 'Time the serving bundle took to load and verify', labelNames: ['version'], registers });
    this.feedback = new Counter({ name: 'evrec_feedback_interactions_total', help: 'Feedback interactions by type: accepted or duplicate (idempotent id seen before)', labelNames: ['type', 'result'], registers });
    this.attributed = new Counter({ name: 'evrec_attributed_interactions_total', help: 'Feedback carrying a recommendationId, by the model version that served it (impression, click, register)', labelNames: ['model_version', 'type'], registers });
    this.attributedRevenue = new Counter({ name: 'evrec_attributed_revenue_usd_total', help: 'Registration revenue (USD) attributed to recommendations, by model version', labelNames: ['model_version'], registers });
    this.catalogChanges = new Counter({ name: 'evrec_catalog_changes_total', help: 'Run-time catalogue changes (upsert, cancel)', labelNames: ['op'], registers });
    this.catalogFeed = new Counter({
      name: 'evrec_catalog_feed_entries_total',
      help: 'Catalogue change feed between replicas, by op (upsert, cancel, stats) and result: published (by this replica), applied, own (skipped), superseded (a later change to the event was applied), malformed, failed, lost (trimmed before read)',
      labelNames: ['op', 'result'],
      registers,
    });
  }

  /** Records a stage's milliseconds. */
  stage(name: string, ms: number): void {
    this.stageDuration.observe({ stage: name }, ms / 1000);
  }

  setBundle(version: string, loadMs: number): void {
    this.bundleInfo.reset();
    this.bundleInfo.set({ version }, 1);
    this.bundleLoadSeconds.reset();
    this.bundleLoadSeconds.set({ version }, loadMs / 1000);
  }
}
