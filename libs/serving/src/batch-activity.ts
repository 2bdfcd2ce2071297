import { emptyEventActivity, isEvrecError, type ActivityQuery, type ActivityReader, type UserActivity } from '@evrec/core';
import type { FeatureSnapshot } from '@evrec/features';
import type { Catalog } from '@evrec/retrieval';
import { withDeadline } from './serving-bundle.ts';

/**
 * Degraded-mode activity: what the serving bundle knows without the store — per-event
 * registrations and 7-day velocity from its catalogue counters (read from the store at load and
 * refreshed since: the batch features), nothing per user. Requests answered from it are flagged
 * `degraded: true`.
 */
export class BatchActivity implements ActivityReader {
  constructor(private readonly catalog: Catalog) {}

  async snapshot(query: ActivityQuery): Promise<FeatureSnapshot> {
    return batchSnapshot(this.catalog, query);
  }
}

export function emptyUser(userId: string): UserActivity {
  return { userId, friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] };
}

/** A snapshot from catalogue counters; `user` overrides the empty user activity (when it was read before the store failed). */
export function batchSnapshot(catalog: Catalog, query: ActivityQuery, user?: UserActivity): FeatureSnapshot {
  const events: FeatureSnapshot['events'] = {};
  for (const id of query.eventIds) {
    const s = catalog.stats(id);
    events[id] = { ...emptyEventActivity(), registrations: s.registrations, registrations7d: s.registrations7d };
  }
  return { at: query.at, user: user ?? emptyUser(query.userId), events };
}

/** Whether an error means "the store cannot answer now" (fail over) rather than a bug or bad input. */
export function isStoreOutage(e: unknown): boolean {
  return isEvrecError(e, 'UNAVAILABLE') || isEvrecError(e, 'TIMEOUT');
}

/** The store as an ActivityReader whose every call gives up after `timeoutMs` (TIMEOUT). */
export class DeadlineReader implements ActivityReader {
  constructor(private readonly reader: ActivityReader, private readonly timeoutMs: number) {}

  snapshot(query: ActivityQuery): ReturnType<ActivityReader['snapshot']> {
    return withDeadline(this.reader.snapshot(query), this.timeoutMs, 'store snapshot');
  }
}
