import { MS_PER_DAY, geoCell, isRegistration, type User } from '@evrec/core';
import { localClock, resolveOffset } from './clock.ts';
import { priceUsd } from './currency.ts';
import { medoidIndex, type GeoPoint } from './geo.ts';
import type { EventLookup, FeatureSnapshot } from './snapshot.ts';
import type { EventTextCache } from './text-vectors.ts';

/** Most recent distinct venues used to infer a home location. */
const HOME_VENUES = 50;

export interface HomeLocation {
  lat: number;
  lng: number;
  source: 'profile' | 'inferred';
}

/**
 * Everything about the user that does not depend on the candidate, computed once per request from
 * the profile, the snapshot (as of `at`) and the catalogue entries of past events.
 */
export interface UserProfile {
  userId: string;
  at: number;
  /** Years; NaN when unknown. */
  age: number;
  gender: string | null;
  language: string | null;
  locale: string | null;
  country: string | null;
  /** Lower-cased home city (profile, else that of the inferred home venue). */
  city: string | null;
  home: HomeLocation | null;
  homeCell: string | null;
  accountAgeDays: number;
  registrations: number;
  positives: number;
  clicks: number;
  dismissed: number;
  daysSinceLastPositive: number;
  /** Share of distinct past positive events per category; null without categorised history. */
  categoryShares: Record<string, number> | null;
  priceLevelUsd: number;
  paidShare: number;
  /** Sum of the text vectors of past positive events (cosine ignores the scale); null without text. */
  textVector: Float32Array | null;
  /** Share of past positive events per local 3-hour start block (8) and Monday-first day (7). */
  hourBlockShares: Float64Array | null;
  dayShares: Float64Array | null;
  /** Mean ln(1+registrations) of past positive events with counters in the snapshot; NaN when none. */
  meanLogPopularity: number;
  /** Events the user holds or held a registration for (snapshot list plus register/attend history). */
  registeredEventIds: Set<string>;
  /** Host id → distinct registered events of that host. */
  hostRegistrations: Map<string, number>;
  /** Event id → positive interactions with it. */
  engagement: Map<string, number>;
  friends: Set<string>;
  /** The user's UTC offset at `at`, when known (for the request's local clock). */
  utcOffsetMinutes: number | undefined;
}

/** `en_US` / `EN-us` → `en-US`; the language subtag alone when there is no region. */
export function normalizeLocale(locale: string | undefined): string | null {
  if (locale === undefined) return null;
  const parts = locale.trim().split(/[-_]/);
  const lang = parts[0]?.toLowerCase() ?? '';
  if (!/^[a-z]{2,3}$/.test(lang)) return null;
  const region = parts.slice(1).find((p) => /^[a-z]{2}$/i.test(p));
  return region === undefined ? lang : `${lang}-${region.toUpperCase()}`;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface BuildUserProfileInput {
  user: User;
  snapshot: FeatureSnapshot;
  catalog: EventLookup;
  textCache: EventTextCache;
}

export function buildUserProfile({ user, snapshot, catalog, textCache }: BuildUserProfileInput): UserProfile {
  const at = snapshot.at;
  const activity = snapshot.user;
  const locale = normalizeLocale(user.locale);
  const language = user.language ?? (locale === null ? null : locale.split('-')[0]);

  // Distinct past positive events, most recent first, with their interaction counts.
  const engagement = new Map<string, number>();
  const positiveIds: string[] = [];
  let clicks = 0;
  const registeredIds = new Set(activity.registeredEventIds);
  for (const h of activity.history) {
    if (h.type === 'click') clicks++;
    if (isRegistration(h.type)) registeredIds.add(h.eventId);
    const n = engagement.get(h.eventId);
    if (n === undefined) positiveIds.push(h.eventId);
    engagement.set(h.eventId, (n ?? 0) + 1);
  }
  const lastPositive = activity.history.reduce((m, h) => Math.max(m, h.at), -Infinity);

  const categoryCounts = new Map<string, number>();
  let categorised = 0;
  let textSum: Float32Array | null = null;
  const hourBlocks = new Float64Array(8);
  const days = new Float64Array(7);
  let timed = 0;
  let popSum = 0;
  let popN = 0;
  const venues: GeoPoint[] = [];
  const venueEvents: string[] = [];
  for (const id of positiveIds) {
    const e = catalog.get(id);
    if (e === undefined) continue;
    if (e.category !== undefined) {
      categoryCounts.set(e.category, (categoryCounts.get(e.category) ?? 0) + 1);
      categorised++;
    }
    // Read at once below, so a view of the cache is enough.
    const text = textCache.read(e);
    if (text.hasText) {
      if (textSum === null) textSum = new Float32Array(text.vector.length);
      for (let k = 0; k < textSum.length; k++) textSum[k] += text.vector[k];
    }
    if (e.startsAt !== undefined) {
      const off = resolveOffset(e.startsAt, e.utcOffsetMinutes, e.timezone);
      if (off !== undefined) {
        const c = localClock(e.startsAt, off);
        hourBlocks[Math.floor(c.hour / 3)]++;
        days[c.day]++;
        timed++;
      }
    }
    const counters = snapshot.events[id];
    if (counters !== undefined) {
      popSum += Math.log1p(counters.registrations);
      popN++;
    }
    if (venues.length < HOME_VENUES && e.online !== true && e.lat !== undefined && e.lng !== undefined) {
      venues.push({ lat: e.lat, lng: e.lng });
      venueEvents.push(id);
    }
  }

  let home: HomeLocation | null = null;
  let country = user.country ?? null;
  let city = user.city?.toLowerCase() ?? null;
  if (user.lat !== undefined && user.lng !== undefined) home = { lat: user.lat, lng: user.lng, source: 'profile' };
  else if (venues.length > 0) {
    const m = medoidIndex(venues);
    home = { lat: venues[m].lat, lng: venues[m].lng, source: 'inferred' };
    const venue = catalog.get(venueEvents[m]);
    country ??= venue?.country ?? null;
    city ??= venue?.city?.toLowerCase() ?? null;
  }

  const prices: number[] = [];
  const hostRegistrations = new Map<string, number>();
  for (const id of registeredIds) {
    const e = catalog.get(id);
    if (e === undefined) continue;
    const usd = priceUsd(e.price, e.currency);
    if (!Number.isNaN(usd)) prices.push(usd);
    if (e.hostId !== undefined) hostRegistrations.set(e.hostId, (hostRegistrations.get(e.hostId) ?? 0) + 1);
  }

  let categoryShares: Record<string, number> | null = null;
  if (categorised > 0) {
    categoryShares = {};
    for (const [c, n] of categoryCounts) categoryShares[c] = n / categorised;
  }
  if (timed > 0) {
    for (let k = 0; k < 8; k++) hourBlocks[k] /= timed;
    for (let k = 0; k < 7; k++) days[k] /= timed;
  }
  const offset = resolveOffset(at, user.utcOffsetMinutes, user.timezone);

  return {
    userId: user.id,
    at,
    age: user.birthYear === undefined ? NaN : new Date(at).getUTCFullYear() - user.birthYear,
    gender: user.gender ?? null,
    language,
    locale,
    country,
    city,
    home,
    homeCell: home === null ? null : geoCell(home.lat, home.lng),
    accountAgeDays: user.joinedAt === undefined ? NaN : Math.max(0, (at - user.joinedAt) / MS_PER_DAY),
    registrations: activity.registeredEventIds.length,
    positives: activity.history.length,
    clicks,
    dismissed: activity.dismissedEventIds.length,
    daysSinceLastPositive: lastPositive === -Infinity ? NaN : Math.max(0, (at - lastPositive) / MS_PER_DAY),
    categoryShares,
    priceLevelUsd: median(prices),
    paidShare: prices.length === 0 ? NaN : prices.filter((p) => p > 0).length / prices.length,
    textVector: textSum,
    hourBlockShares: timed > 0 ? hourBlocks : null,
    dayShares: timed > 0 ? days : null,
    meanLogPopularity: popN > 0 ? popSum / popN : NaN,
    registeredEventIds: registeredIds,
    hostRegistrations,
    engagement,
    friends: new Set(activity.friendIds),
    utcOffsetMinutes: offset,
  };
}
