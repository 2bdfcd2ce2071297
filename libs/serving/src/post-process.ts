import { MS_PER_DAY, haversineKm, type Event, type EventActivity } from '@evrec/core';
import type { CandidateSource } from '@evrec/retrieval';

/** One scored item before decoration. */
export interface ScoredItem {
  eventId: string;
  score: number;
  /** Retrieval sources that produced it (empty in re-rank mode). */
  sources: CandidateSource[];
}

export type ReasonCode = 'friends_going' | 'same_host' | 'nearby' | 'new' | 'popular' | 'matches_interests';

/** A human-readable reason, with the figure behind it when there is one. */
export interface Reason {
  code: ReasonCode;
  text: string;
  value?: number;
}

export interface DiversityOptions {
  /** The caps apply to the first `depth` positions; the rest follow in score order. Default 20. */
  depth?: number;
  /** Most items of one host in those positions. Default 2. */
  maxPerHost?: number;
  /** Most items of one category in those positions. Default 4. */
  maxPerCategory?: number;
}

export const DIVERSITY_DEFAULTS: Readonly<Required<DiversityOptions>> = Object.freeze({ depth: 20, maxPerHost: 2, maxPerCategory: 4 });

type Lookup = (id: string) => Event | undefined;

/**
 * Drops near-duplicate listings (the same title by the same host starting at the same minute —
 * one event posted twice), keeping the better scored; input must be best first.
 */
export function dedupeListings(items: readonly ScoredItem[], lookup: Lookup): ScoredItem[] {
  const seen = new Set<string>();
  const out: ScoredItem[] = [];
  for (const it of items) {
    const e = lookup(it.eventId);
    const key = e === undefined ? undefined : listingKey(e);
    if (key !== undefined) {
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(it);
  }
  return out;
}

/**
 * Computed per request, not cached per record: a WeakMap entry for each record of a 1M-event
 * catalogue is work for every garbage collection (ephemeron tables, old entries pointing at new
 * strings) to save ~0.3 µs per candidate.
 */
function listingKey(e: Event): string | undefined {
  return e.title === undefined || e.startsAt === undefined ? undefined : `${e.hostId ?? ''}\u0000${e.title.trim().toLowerCase()}\u0000${Math.floor(e.startsAt / 60_000)}`;
}

/**
 * Light diversity: fills the first `depth` positions greedily in score order, skipping an item
 * whose host or category already has its cap there (when nothing fits, the best remaining item is
 * taken anyway); skipped items keep their score order after. Input must be best first.
 */
export function diversify(items: readonly ScoredItem[], lookup: Lookup, options: DiversityOptions = {}): ScoredItem[] {
  const { depth, maxPerHost, maxPerCategory } = { ...DIVERSITY_DEFAULTS, ...options };
  const remaining = [...items];
  const out: ScoredItem[] = [];
  const hosts = new Map<string, number>();
  const categories = new Map<string, number>();
  while (out.length < depth && remaining.length > 0) {
    let pick = remaining.findIndex((it) => {
      const e = lookup(it.eventId);
      const h = e?.hostId;
      const c = e?.category;
      return (h === undefined || (hosts.get(h) ?? 0) < maxPerHost) && (c === undefined || (categories.get(c) ?? 0) < maxPerCategory);
    });
    if (pick < 0) pick = 0;
    const [it] = remaining.splice(pick, 1);
    const e = lookup(it.eventId);
    if (e?.hostId !== undefined) hosts.set(e.hostId, (hosts.get(e.hostId) ?? 0) + 1);
    if (e?.category !== undefined) categories.set(e.category, (categories.get(e.category) ?? 0) + 1);
    out.push(it);
  }
  return out.concat(remaining);
}

export interface ReasonContext {
  at: number;
  /** Where the request is (context, home or inferred); null when unknown. */
  location: { lat: number; lng: number } | null;
  /** Hosts of the events in the user's positive history. */
  pastHosts: ReadonlySet<string>;
  /** The user has a history the ANN source drew on. */
  hasHistory: boolean;
}

export interface ReasonOptions {
  /** "nearby" within this distance. Default 5 km. */
  nearbyKm?: number;
  /** "new" when published within this many days. Default 7. */
  newWithinDays?: number;
  /** "popular" from this many registrations in the last 7 days. Default 10. */
  popularMinRecent?: number;
  /** Most reasons per item. Default 3. */
  max?: number;
}

function km(d: number): string {
  return d < 1 ? 'under 1 km away' : `${d < 10 ? d.toFixed(1) : Math.round(d)} km away`;
}

/** Why an item is shown, most persuasive first: friends, a known host, distance, novelty, popularity, taste. */
export function reasonsFor(event: Event | undefined, activity: Pick<EventActivity, 'friendsRegistered' | 'registrations7d'> | undefined, sources: readonly CandidateSource[], ctx: ReasonContext, options: ReasonOptions = {}): Reason[] {
  if (event === undefined) return [];
  const out: Reason[] = [];
  const friends = activity?.friendsRegistered ?? 0;
  if (friends > 0) out.push({ code: 'friends_going', text: `${friends} friend${friends === 1 ? '' : 's'} going`, value: friends });
  if (event.hostId !== undefined && ctx.pastHosts.has(event.hostId)) out.push({ code: 'same_host', text: 'From a host of an event you went to' });
  if (ctx.location !== null && event.online !== true && event.lat !== undefined && event.lng !== undefined) {
    const d = haversineKm(ctx.location.lat, ctx.location.lng, event.lat, event.lng);
    if (d <= (options.nearbyKm ?? 5)) out.push({ code: 'nearby', text: km(d), value: Math.round(d * 10) / 10 });
  }
  if (event.createdAt !== undefined && event.createdAt <= ctx.at && ctx.at - event.createdAt <= (options.newWithinDays ?? 7) * MS_PER_DAY) out.push({ code: 'new', text: 'New' });
  const recent = activity?.registrations7d ?? 0;
  if (recent >= (options.popularMinRecent ?? 10)) out.push({ code: 'popular', text: `Popular: ${recent} registered this week`, value: recent });
  if (ctx.hasHistory && sources.includes('ann')) out.push({ code: 'matches_interests', text: 'Similar to events you liked' });
  return out.slice(0, options.max ?? 3);
}
