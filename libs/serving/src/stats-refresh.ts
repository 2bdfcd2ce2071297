import type { ActivityReader } from '@evrec/core';
import { refreshCatalogStats, type Catalog } from '@evrec/retrieval';
import { isIndexable } from './serving-bundle.ts';

export interface RollingStatsRefreshOptions {
  /** Every upcoming event's counters are re-read once per this period (ms). Default 300,000 (5 min). */
  periodMs?: number;
  /** How often a slice is refreshed (ms); a slice is the catalogue's share of one tick. Default 1,000. */
  tickMs?: number;
}

/**
 * Keeps a serving catalogue's popularity counters fresh by re-reading a slice of its upcoming
 * events on every tick, so that a full pass over the catalogue is spread over `periodMs` instead of
 * one burst (at 1M events a full refresh costs seconds of the serving thread: requests queued behind
 * it). Feedback that changes an event's registrations refreshes that event at once (the engine);
 * this pass catches the 7-day window sliding and writes made elsewhere (batch jobs, other replicas).
 */
export class RollingStatsRefresh {
  readonly periodMs: number;
  readonly tickMs: number;
  private pass: string[] = [];
  private next = 0;
  private catalog: Catalog | undefined;

  constructor(options: RollingStatsRefreshOptions = {}) {
    this.periodMs = options.periodMs ?? 300_000;
    this.tickMs = options.tickMs ?? 1000;
  }

  /**
   * Refreshes the next slice of `catalog`'s upcoming events as of `at`; a new pass starts (the
   * upcoming events listed again) when the last one ended or the catalogue is another one (a bundle
   * swap). Returns how many events were read.
   */
  async tick(catalog: Catalog, reader: ActivityReader, at: number): Promise<number> {
    if (catalog !== this.catalog || this.next >= this.pass.length) {
      this.catalog = catalog;
      this.pass = [];
      for (const e of catalog.values()) if (isIndexable(e, at)) this.pass.push(e.id);
      this.next = 0;
    }
    const size = Math.max(1, Math.ceil((this.pass.length * this.tickMs) / Math.max(this.tickMs, this.periodMs)));
    const ids = this.pass.slice(this.next, this.next + size);
    this.next += size;
    if (ids.length === 0) return 0;
    return refreshCatalogStats(catalog, reader, { at, ids });
  }
}
