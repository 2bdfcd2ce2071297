import { haversineKm, type Event, type Rng } from '@evrec/core';

/**
 * Retrieval baselines every model is reported beside. Each returns a ranked list of event ids
 * (best first) drawn from the live corpus; ties break by event id so lists are reproducible.
 */

/** `k` distinct ids drawn uniformly from `ids` (partial Fisher–Yates on a copy). */
export function randomRanking(ids: readonly string[], k: number, rng: Rng): string[] {
  const a = ids.slice();
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, n);
}

function byCountDesc(counts: (id: string) => number): (a: string, b: string) => number {
  return (a, b) => counts(b) - counts(a) || (a < b ? -1 : a > b ? 1 : 0);
}

/** All of `ids` ordered by `counts` (e.g. registrations before the cut), most first. */
export function popularityRanking(ids: readonly string[], counts: (id: string) => number): string[] {
  return ids.slice().sort(byCountDesc(counts));
}

export interface PopularNearbyInput {
  /** The corpus ordered by popularity (`popularityRanking`), reused across users. */
  byPopularity: readonly string[];
  events: ReadonlyMap<string, Event>;
  /** The user's location; null → plain popularity. */
  location: { lat: number; lng: number } | null;
  radiusKm: number;
  k: number;
}

/**
 * Popular nearby: the most popular events within `radiusKm` of the user (online events count as
 * nearby; events without a place do not), then — so the list is as long as the others — the most
 * popular of the rest. Without a location this is plain popularity.
 */
export function popularNearbyRanking(input: PopularNearbyInput): string[] {
  const { byPopularity, events, location, radiusKm, k } = input;
  if (location === null) return byPopularity.slice(0, k);
  const near: string[] = [];
  const rest: string[] = [];
  for (const id of byPopularity) {
    const e = events.get(id);
    const isNear = e !== undefined && (e.online === true || (e.lat !== undefined && e.lng !== undefined && haversineKm(location.lat, location.lng, e.lat, e.lng) <= radiusKm));
    if (isNear) {
      near.push(id);
      if (near.length >= k) break;
    } else if (rest.length < k) rest.push(id);
  }
  return near.concat(rest).slice(0, k);
}
