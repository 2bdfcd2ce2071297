import type { Event, HistoryItem, RequestContext, User } from '@evrec/core';
import { medoidIndex, type GeoPoint } from '@evrec/features';

/** Where the radius rule and the "nearby" sources are centred. */
export interface RequestLocation {
  lat: number;
  lng: number;
  /** `request`: the context's coordinates; `home`: the profile's; `inferred`: medoid of past venues. */
  source: 'request' | 'home' | 'inferred';
}

/** Most recent distinct venues the home inference looks at (as features' profile does). */
const HOME_VENUES = 50;

/**
 * The request's location, else the user's home from the profile, else the medoid of the venues of
 * the user's recent positive history (a real venue, robust to one trip abroad); null when none is
 * known, in which case no radius rule applies.
 */
export function resolveLocation(
  context: Pick<RequestContext, 'lat' | 'lng'>,
  user: User | undefined,
  history: readonly HistoryItem[],
  lookup: (id: string) => Event | undefined,
): RequestLocation | null {
  if (context.lat !== undefined && context.lng !== undefined) return { lat: context.lat, lng: context.lng, source: 'request' };
  if (user?.lat !== undefined && user.lng !== undefined) return { lat: user.lat, lng: user.lng, source: 'home' };
  const venues: GeoPoint[] = [];
  const seen = new Set<string>();
  for (const h of history) {
    if (venues.length >= HOME_VENUES) break;
    if (seen.has(h.eventId)) continue;
    seen.add(h.eventId);
    const e = lookup(h.eventId);
    if (e !== undefined && e.online !== true && e.lat !== undefined && e.lng !== undefined) venues.push({ lat: e.lat, lng: e.lng });
  }
  if (venues.length === 0) return null;
  const m = venues[medoidIndex(venues)];
  return { lat: m.lat, lng: m.lng, source: 'inferred' };
}
