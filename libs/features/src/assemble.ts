import { EvrecError, emptyEventActivity, geoCell, type Event, type RequestContext, type User } from '@evrec/core';
import { cosine } from '@evrec/text';
import { emptyBatch, type RawFeatureBatch } from './batch.ts';
import { localClock, resolveOffset } from './clock.ts';
import { priceUsd } from './currency.ts';
import { haversineKmMany } from './geo.ts';
import { buildUserProfile, type UserProfile } from './profile.ts';
import { DAYS_OF_WEEK, HOURS_OF_DAY } from './registry.ts';
import type { EventLookup, FeatureSnapshot } from './snapshot.ts';
import { EventTextCache } from './text-vectors.ts';

const MS_PER_HOUR = 3_600_000;

export interface AssembleFeaturesInput {
  user: User;
  /** The candidates; one output row each, in this order. */
  events: readonly Event[];
  /** The request; `context.at` must equal `snapshot.at`. */
  context: RequestContext;
  /** Activity as of `context.at` for `user` and (at least) every candidate. */
  snapshot: FeatureSnapshot;
  /** Finds past events of the history (categories, prices, text, hosts, venues). */
  catalog: EventLookup;
  /** Text vector cache shared across requests. Default: a fresh cache (slow: hashes every text). */
  textCache?: EventTextCache;
  /** A profile already built from this user and snapshot (saves the per-user work when batching). */
  profile?: UserProfile;
}

/**
 * The one code path from (user, candidates, context, activity snapshot) to raw features, used by
 * training-set materialisation and by serving alike. Everything time-dependent comes from the
 * snapshot, which holds only interactions strictly before `context.at`.
 */
export function assembleFeatures(input: AssembleFeaturesInput): RawFeatureBatch {
  const { user, events, context, snapshot, catalog } = input;
  const at = context.at;
  if (snapshot.at !== at) {
    throw new EvrecError('INVALID_INPUT', `snapshot is as of ${snapshot.at} but the request is at ${at}: features must be read at the request time`, { field: 'snapshot.at' });
  }
  if (snapshot.user.userId !== user.id) {
    throw new EvrecError('INVALID_INPUT', `snapshot is for user ${snapshot.user.userId}, not ${user.id}`, { field: 'snapshot.user.userId' });
  }
  const textCache = input.textCache ?? new EventTextCache();
  const p = input.profile ?? buildUserProfile({ user, snapshot, catalog, textCache });
  const n = events.length;
  const batch = emptyBatch(user.id, at, events.map((e) => e.id));
  const N = batch.numeric;
  const C = batch.categorical;

  // ── user: the same value on every row ──
  N['user.age'].fill(p.age);
  C['user.gender'].fill(p.gender);
  C['user.language'].fill(p.language);
  C['user.locale'].fill(p.locale);
  C['user.country'].fill(p.country);
  N['user.account_age_days'].fill(p.accountAgeDays);
  N['user.registrations'].fill(p.registrations);
  N['user.positives'].fill(p.positives);
  N['user.clicks'].fill(p.clicks);
  N['user.dismissed'].fill(p.dismissed);
  N['user.days_since_last_positive'].fill(p.daysSinceLastPositive);
  batch.shares['user.category_shares'].fill(p.categoryShares);
  N['user.price_level_usd'].fill(p.priceLevelUsd);
  N['user.paid_share'].fill(p.paidShare);
  C['user.home_source'].fill(p.home?.source ?? null);
  C['user.home_cell'].fill(p.homeCell);
  N['social.friends'].fill(p.friends.size);

  // ── context ──
  if (p.utcOffsetMinutes !== undefined) {
    const c = localClock(at, p.utcOffsetMinutes);
    C['context.local_hour'].fill(HOURS_OF_DAY[c.hour]);
    C['context.local_day'].fill(DAYS_OF_WEEK[c.day]);
  }
  C['context.surface'].fill(context.surface ?? null);

  // ── distances, vectorised over the candidates ──
  const lats = new Float64Array(n);
  const lngs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const { lat, lng, online } = events[i];
    const placed = online !== true && lat !== undefined && lng !== undefined;
    lats[i] = placed ? lat : NaN;
    lngs[i] = placed ? lng : NaN;
  }
  const scratch = new Float32Array(n);
  if (p.home !== null) {
    const d = haversineKmMany(p.home.lat, p.home.lng, lats, lngs, scratch);
    N['user_event.distance_km'].set(d);
  }
  if (context.lat !== undefined && context.lng !== undefined) {
    const d = haversineKmMany(context.lat, context.lng, lats, lngs, scratch);
    N['context.distance_km'].set(d);
  }

  // ── per candidate ──
  const cols = {
    priceUsd: N['event.price_usd'], priceBucket: N['event.price_bucket'], isFree: N['event.is_free'],
    regs: N['event.registrations'], regs1d: N['event.registrations_1d'], regs7d: N['event.registrations_7d'],
    fill: N['event.capacity_fill'], impressions: N['event.impressions'], ctr: N['event.ctr'],
    untilStart: N['event.hours_until_start'], duration: N['event.duration_hours'], ageHours: N['event.age_hours'],
    online: N['event.online'], hostRegs: N['event.host_registrations'], descChars: N['event.description_chars'],
    localHour: C['event.local_hour'], localDay: C['event.local_day'], category: C['event.category'],
    language: C['event.language'], country: C['event.country'], city: C['event.city'], cell: C['event.cell'], host: C['event.host'],
    sameCity: N['user_event.same_city'], sameCountry: N['user_event.same_country'], priceGap: N['user_event.price_gap'],
    textSim: N['user_event.text_similarity'], hourAff: N['user_event.hour_affinity'], dayAff: N['user_event.day_affinity'],
    popGap: N['user_event.popularity_gap'], langMatch: N['user_event.language_match'], ueHost: N['user_event.host_registrations'],
    catAff: N['user_event.category_affinity'], engagement: N['user_event.prior_engagement'],
    friendsReg: N['social.friends_registered'], friendsShare: N['social.friends_registered_share'],
    invites: N['social.invites'], hostFriend: N['social.host_is_friend'],
  };
  const userLogPrice = Math.log1p(p.priceLevelUsd);
  const nFriends = p.friends.size;
  const zero = emptyEventActivity();
  for (let i = 0; i < n; i++) {
    const e = events[i];
    const a = snapshot.events[e.id] ?? zero;
    // Read at once below, so a view of the cache is enough.
    const text = textCache.read(e);

    const usd = priceUsd(e.price, e.currency);
    cols.priceUsd[i] = usd;
    cols.priceBucket[i] = usd;
    cols.isFree[i] = e.price === undefined ? NaN : e.price === 0 ? 1 : 0;
    cols.regs[i] = a.registrations;
    cols.regs1d[i] = a.registrations1d;
    cols.regs7d[i] = a.registrations7d;
    cols.fill[i] = e.capacity !== undefined && e.capacity > 0 ? Math.min(2, a.registrations / e.capacity) : NaN;
    cols.impressions[i] = a.impressions;
    cols.ctr[i] = (a.clicks + 1) / (a.impressions + 20);
    cols.untilStart[i] = e.startsAt === undefined ? NaN : (e.startsAt - at) / MS_PER_HOUR;
    cols.duration[i] = e.durationMinutes === undefined ? NaN : e.durationMinutes / 60;
    cols.ageHours[i] = e.createdAt === undefined ? NaN : Math.max(0, (at - e.createdAt) / MS_PER_HOUR);
    cols.online[i] = e.online === undefined ? NaN : e.online ? 1 : 0;
    cols.descChars[i] = text.descriptionChars;
    cols.category[i] = e.category ?? null;
    cols.language[i] = text.language ?? null;
    cols.country[i] = e.country ?? null;
    const city = e.city?.toLowerCase();
    cols.city[i] = city === undefined ? null : `${e.country ?? ''}|${city}`;
    cols.cell[i] = Number.isNaN(lats[i]) ? null : geoCell(lats[i], lngs[i]);
    cols.host[i] = e.hostId ?? null;
    const hostCounters = e.hostId === undefined ? undefined : snapshot.hosts?.[e.hostId];
    cols.hostRegs[i] = hostCounters === undefined ? NaN : hostCounters.registrations;

    let block = -1;
    let day = -1;
    if (e.startsAt !== undefined) {
      const off = resolveOffset(e.startsAt, e.utcOffsetMinutes, e.timezone);
      if (off !== undefined) {
        const c = localClock(e.startsAt, off);
        cols.localHour[i] = HOURS_OF_DAY[c.hour];
        cols.localDay[i] = DAYS_OF_WEEK[c.day];
        block = Math.floor(c.hour / 3);
        day = c.day;
      }
    }

    // user × event
    cols.sameCity[i] = p.city === null || city === undefined ? NaN
      : p.city === city && (p.country === null || e.country === undefined || p.country === e.country) ? 1 : 0;
    cols.sameCountry[i] = p.country === null || e.country === undefined ? NaN : p.country === e.country ? 1 : 0;
    cols.priceGap[i] = Math.abs(Math.log1p(usd) - userLogPrice);
    cols.textSim[i] = p.textVector !== null && text.hasText ? cosine(p.textVector, text.vector) : NaN;
    cols.hourAff[i] = p.hourBlockShares !== null && block >= 0 ? p.hourBlockShares[block] : NaN;
    cols.dayAff[i] = p.dayShares !== null && day >= 0 ? p.dayShares[day] : NaN;
    cols.popGap[i] = Math.log1p(a.registrations) - p.meanLogPopularity;
    cols.langMatch[i] = p.language === null || text.language === undefined ? NaN : p.language === text.language ? 1 : 0;
    cols.ueHost[i] = e.hostId === undefined ? NaN
      : Math.max(0, (p.hostRegistrations.get(e.hostId) ?? 0) - (p.registeredEventIds.has(e.id) ? 1 : 0));
    cols.catAff[i] = e.category === undefined || p.categoryShares === null ? NaN : (p.categoryShares[e.category] ?? 0);
    cols.engagement[i] = p.engagement.get(e.id) ?? 0;

    // social
    cols.friendsReg[i] = a.friendsRegistered;
    cols.friendsShare[i] = nFriends > 0 ? a.friendsRegistered / nFriends : NaN;
    cols.invites[i] = a.invitesReceived;
    cols.hostFriend[i] = e.organizerUserId === undefined ? NaN : p.friends.has(e.organizerUserId) ? 1 : 0;
  }
  return batch;
}
