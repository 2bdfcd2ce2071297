import { MS_PER_DAY, haversineKm, isRegistration, type Event, type EventActivity, type UserActivity } from '@evrec/core';

/** Caps of the diversity pass; defaults in brackets. */
export interface DiversityOptions {
  /** Positions the caps apply to (the first screen). [10] */
  window?: number;
  /** Most events of one host within the window. [3] */
  maxPerHost?: number;
  /** Most events of one category within the window. [4] */
  maxPerCategory?: number;
}

/** What the funnel needs of a ranked item. */
export interface FunnelItem {
  event: Event;
  score: number;
}

/**
 * Light diversity pass over a best-first list: walks it in order and fills the first `window`
 * positions with items that keep every host to `maxPerHost` and every category to `maxPerCategory`;
 * items held back keep their order and follow the window (nothing is dropped). Events without a
 * host or category are never capped on that key. Duplicates (same event id, or the same host,
 * title and start — a listing posted twice) are removed first, keeping the better-ranked one.
 */
export function diversify<T extends FunnelItem>(ranked: readonly T[], options: DiversityOptions = {}): T[] {
  const window = options.window ?? 10;
  const maxHost = options.maxPerHost ?? 3;
  const maxCategory = options.maxPerCategory ?? 4;
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const it of ranked) {
    const e = it.event;
    const listing = e.hostId !== undefined && e.title !== undefined && e.startsAt !== undefined ? `${e.hostId}\u0000${e.title}\u0000${e.startsAt}` : undefined;
    if (seen.has(`id:${e.id}`) || (listing !== undefined && seen.has(`l:${listing}`))) continue;
    seen.add(`id:${e.id}`);
    if (listing !== undefined) seen.add(`l:${listing}`);
    unique.push(it);
  }
  const hosts = new Map<string, number>();
  const categories = new Map<string, number>();
  const head: T[] = [];
  const held: T[] = [];
  let i = 0;
  for (; i < unique.length && head.length < window; i++) {
    const { hostId, category } = unique[i].event;
    const h = hostId === undefined ? 0 : (hosts.get(hostId) ?? 0);
    const c = category === undefined ? 0 : (categories.get(category) ?? 0);
    if ((hostId !== undefined && h >= maxHost) || (category !== undefined && c >= maxCategory)) {
      held.push(unique[i]);
      continue;
    }
    if (hostId !== undefined) hosts.set(hostId, h + 1);
    if (category !== undefined) categories.set(category, c + 1);
    head.push(unique[i]);
  }
  return [...head, ...held, ...unique.slice(i)];
}

/** Why an item is recommended. */
export type Reason =
  | { type: 'friends_going'; count: number }
  | { type: 'distance'; km: number }
  | { type: 'same_host'; pastEventId: string }
  | { type: 'new'; ageDays: number }
  | { type: 'popular'; registrations7d: number };

export interface ReasonInput {
  event: Event;
  /** The event's counters as of the request (`snapshot.events[id]`). */
  activity?: EventActivity;
  /** The user's activity as of the request (history, registrations). */
  user: UserActivity;
  /** Request or home location; no distance without one (or for online events). */
  location: { lat: number; lng: number } | null;
  at: number;
  /** Looks up past events of the history (their hosts). */
  events: { get(id: string): Event | undefined };
  /** Retrieval sources that produced the candidate (`popular`, `new` add their reasons). */
  sources: readonly string[];
}

/** A candidate is "new" when published at most this many days before the request. */
export const NEW_EVENT_DAYS = 7;

/**
 * Reasons per item, in this order: friends going (N ≥ 1 friends registered), distance (km from
 * the request/home location to an in-person venue), same host as a past event the user registered
 * for or attended, new (published within {@link NEW_EVENT_DAYS} days, or from the `new` source),
 * popular (from the `popular` source, with its 7-day registrations).
 */
export function reasonsFor(input: ReasonInput): Reason[] {
  const { event: e, activity, user, location, at } = input;
  const out: Reason[] = [];
  if ((activity?.friendsRegistered ?? 0) > 0) out.push({ type: 'friends_going', count: activity?.friendsRegistered ?? 0 });
  if (location !== null && e.online !== true && e.lat !== undefined && e.lng !== undefined) {
    out.push({ type: 'distance', km: Math.round(haversineKm(location.lat, location.lng, e.lat, e.lng) * 10) / 10 });
  }
  if (e.hostId !== undefined) {
    const past = user.history.find((h) => isRegistration(h.type) && h.eventId !== e.id && input.events.get(h.eventId)?.hostId === e.hostId);
    if (past !== undefined) out.push({ type: 'same_host', pastEventId: past.eventId });
  }
  const ageDays = e.createdAt === undefined ? undefined : (at - e.createdAt) / MS_PER_DAY;
  if (input.sources.includes('new') || (ageDays !== undefined && ageDays >= 0 && ageDays <= NEW_EVENT_DAYS)) {
    out.push({ type: 'new', ageDays: ageDays === undefined ? NaN : Math.round(ageDays * 10) / 10 });
  }
  if (input.sources.includes('popular')) out.push({ type: 'popular', registrations7d: activity?.registrations7d ?? 0 });
  return out;
}
