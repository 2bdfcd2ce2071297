import type { ActivityReader } from '@evrec/core';
import type { Catalog, EventStats } from './catalog.ts';

export interface RefreshStatsOptions {
  /** Counters as of this time. */
  at: number;
  /** Events to refresh. Default every event in the catalogue. */
  ids?: Iterable<string>;
  /** Event ids per snapshot call. Default 2,000. */
  chunk?: number;
}

/** User id the counter snapshots are asked under (no user state is read). */
const STATS_READER_USER = '__catalog__';

/**
 * Pulls popularity counters (registrations, 7-day velocity) from an activity reader into the
 * catalogue: the online store in service (run it periodically; the popular source and the sold-out
 * rule read these), or `ReplayActivity` for any past moment offline. The catalogue's buckets are
 * re-sorted by popularity at the end (`Catalog.setStatsMany`), not by the next requests. Returns
 * how many events were asked for.
 */
export async function refreshCatalogStats(catalog: Catalog, reader: ActivityReader, options: RefreshStatsOptions): Promise<number> {
  const ids = [...(options.ids ?? [...catalog.values()].map((e) => e.id))];
  const chunk = Math.max(1, options.chunk ?? 2000);
  // Set all at once at the end: the buckets whose popularity order changed are re-sorted once.
  const entries: Array<[string, EventStats]> = [];
  for (let s = 0; s < ids.length; s += chunk) {
    const part = ids.slice(s, s + chunk);
    const snap = await reader.snapshot({ userId: STATS_READER_USER, eventIds: part, at: options.at });
    for (const id of part) {
      const a = snap.events[id];
      if (a !== undefined) entries.push([id, { registrations: a.registrations, registrations7d: a.registrations7d }]);
    }
  }
  catalog.setStatsMany(entries);
  return ids.length;
}
