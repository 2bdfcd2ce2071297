import { MS_PER_DAY, type Event } from '@evrec/core';

/**
 * Whether `event` can be recommended at `at`: published (createdAt ≤ at, or unknown), not
 * cancelled, and starting within [at, at + horizonDays]. The set the index is built over and the
 * corpus retrieval recall is measured against.
 */
export function isLiveAt(event: Event, at: number, horizonDays: number): boolean {
  if (event.startsAt === undefined || event.status === 'cancelled') return false;
  if (event.createdAt !== undefined && event.createdAt > at) return false;
  return event.startsAt >= at && event.startsAt <= at + horizonDays * MS_PER_DAY;
}

/** The events of `events` live at `at` (see `isLiveAt`), in input order. */
export function liveEventsAt(events: Iterable<Event>, at: number, horizonDays: number): Event[] {
  const out: Event[] = [];
  for (const e of events) if (isLiveAt(e, at, horizonDays)) out.push(e);
  return out;
}
