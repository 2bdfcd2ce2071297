import type { ActivityQuery, ActivityReader, ActivitySnapshot, Event } from '@evrec/core';

/** Per-host counters as of the snapshot time. */
export interface HostActivity {
  /** Registrations held before `at` across all of the host's events. */
  registrations: number;
}

/**
 * What the feature code reads: core's `ActivitySnapshot` plus optional per-host counters (host
 * popularity). A reader that cannot answer `hosts` leaves it out and `event.host_registrations` is
 * missing rather than wrong.
 */
export interface FeatureSnapshot extends ActivitySnapshot {
  hosts?: Record<string, HostActivity>;
}

export interface FeatureActivityQuery extends ActivityQuery {
  /** Hosts to return counters for; readers that know the catalogue derive them from `eventIds` when absent. */
  hostIds?: readonly string[];
}

/** Anything that finds an event record by id (a `Map<string, Event>` qualifies). */
export interface EventLookup {
  get(eventId: string): Event | undefined;
}

export interface GatherActivityOptions {
  /** Most history events whose counters are fetched (for the user's typical popularity). Default 50. */
  historyEvents?: number;
}

/**
 * Snapshot for `eventIds` plus the counters of the user's most recent past positive events, which
 * `user_event.popularity_gap` compares against. Two reader calls (the second only when the history
 * holds events not already asked for); both as of the same `at`, so the result stays point-in-time.
 */
export async function gatherActivity(reader: ActivityReader, query: FeatureActivityQuery, options: GatherActivityOptions = {}): Promise<FeatureSnapshot> {
  const first: FeatureSnapshot = await reader.snapshot(query);
  const cap = options.historyEvents ?? 50;
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const h of first.user.history) {
    if (seen.size >= cap) break;
    if (seen.has(h.eventId)) continue;
    seen.add(h.eventId);
    if (first.events[h.eventId] === undefined) missing.push(h.eventId);
  }
  if (missing.length === 0) return first;
  const historyQuery: FeatureActivityQuery = { userId: query.userId, eventIds: missing, at: query.at, hostIds: [] };
  const second = await reader.snapshot(historyQuery);
  return { ...first, events: { ...second.events, ...first.events } };
}
