import { describe, expect, it } from 'vitest';
import { EvrecError, MS_PER_HOUR, geoCell, haversineKm, type RequestContext } from '@evrec/core';
import { cosine, hashedTextVector } from '@evrec/text';
import { assembleFeatures } from './assemble.ts';
import { batchRow } from './batch.ts';
import { FEATURES, FEATURE_VERSION } from './registry.ts';
import { ReplayActivity } from './replay.ts';
import { gatherActivity } from './snapshot.ts';
import { EventTextCache } from './text-vectors.ts';
import { T0, tinyDataset } from './tiny-world.fixture.ts';

const ds = tinyDataset();
const reader = new ReplayActivity(ds);
const LONDON = { lat: 51.5074, lng: -0.1278 };
const context: RequestContext = { at: T0, ...LONDON, surface: 'ios' };

async function assembleTiny(userId = 'u1', ctx: RequestContext = context) {
  const candidates = ['c1', 'c2', 'c3'].map((id) => ds.events.get(id)!);
  const snapshot = await gatherActivity(reader, { userId, eventIds: candidates.map((e) => e.id), at: ctx.at });
  return assembleFeatures({ user: ds.users.get(userId)!, events: candidates, context: ctx, snapshot, catalog: ds.events, textCache: new EventTextCache() });
}

const vec = (id: string) => {
  const e = ds.events.get(id)!;
  return hashedTextVector([e.title, e.description].filter(Boolean).join('\n'), { dims: 256, language: e.language });
};

describe('assembleFeatures (every feature against a hand-computed value)', () => {
  it('computes every registry feature for c1, c2 (online) and c3 (bare) as worked out by hand', async () => {
    const batch = await assembleTiny();
    expect(batch.featureVersion).toBe(FEATURE_VERSION);
    expect(batch.eventIds).toEqual(['c1', 'c2', 'c3']);
    const ln = Math.log;
    // history of u1 before T0: distinct positive events c1 (click), p3 (interested), p2, p1 (registered)
    const meanLogPop = (ln(4) + 3 * ln(2)) / 4; // c1 has 3 registrations, p1/p2/p3 one each
    const userText = new Float32Array(256);
    for (const id of ['c1', 'p3', 'p2', 'p1']) vec(id).forEach((v, k) => (userText[k] += v));
    const usdC1 = 30 * 1.08, usdC2 = 10 * 1.27, userUsd = (20 * 1.08 + 0) / 2;
    const home = { lat: 48.864, lng: 2.342 }; // medoid of c1, p3, p2, p1 venues = p2
    const same = <T,>(v: T): [T, T, T] => [v, v, v];
    const expected: Record<string, [unknown, unknown, unknown]> = {
      'user.age': same(34),
      'user.gender': same('female'),
      'user.language': same('en'),
      'user.locale': same('en-GB'),
      'user.country': same('FR'), // from the inferred home venue p2
      'user.account_age_days': same(100),
      'user.registrations': same(2), // p1, p2
      'user.positives': same(5),
      'user.clicks': same(2),
      'user.dismissed': same(1),
      'user.days_since_last_positive': same(30 / 1440),
      'user.category_shares': same({ music: 0.75, tech: 0.25 }),
      'user.price_level_usd': same(userUsd), // median of 21.6 and 0
      'user.paid_share': same(0.5),
      'user.home_source': same('inferred'),
      'user.home_cell': same(geoCell(home.lat, home.lng)),
      'event.price_usd': [usdC1, usdC2, null],
      'event.price_bucket': [usdC1, usdC2, null],
      'event.is_free': [0, 0, null],
      'event.registrations': [3, 0, 0],
      'event.registrations_1d': [2, 0, 0], // held registrations made in [T0−1d, T0): u4, u5
      'event.registrations_7d': [3, 0, 0],
      'event.capacity_fill': [0.03, null, null],
      'event.impressions': [2, 0, 0],
      'event.ctr': [2 / 22, 1 / 20, 1 / 20], // c1: (u1's click at T0−30 min + 1) / (2 impressions + 20)
      'event.hours_until_start': [126, 2, null], // Sat 8 Jun 18:00Z − Mon 3 Jun 12:00Z
      'event.duration_hours': [2.5, null, null],
      'event.local_hour': ['20', '14', null],
      'event.local_day': ['sat', 'mon', null],
      'event.age_hours': [120, null, null],
      'event.online': [0, 1, null],
      'event.category': ['music', 'tech', null],
      'event.language': ['en', 'fr', null],
      'event.country': ['FR', null, null],
      'event.city': ['FR|paris', null, null],
      'event.cell': [geoCell(48.87, 2.33), null, null],
      'event.host': ['hostA', null, null],
      'event.host_registrations': [5, null, null],
      'event.description_chars': [27, 0, 0],
      'user_event.distance_km': [haversineKm(home.lat, home.lng, 48.87, 2.33), null, null],
      'user_event.same_city': [1, null, null],
      'user_event.same_country': [1, null, null],
      'user_event.price_gap': [Math.abs(Math.log1p(usdC1) - Math.log1p(userUsd)), Math.abs(Math.log1p(usdC2) - Math.log1p(userUsd)), null],
      'user_event.text_similarity': [cosine(userText, vec('c1')), cosine(userText, vec('c2')), null],
      // local start blocks/days: c1 Sat 20h, p3 Thu 19h, p2 Tue 19h, p1 Sat 21h → block 6 (18–21h) 3/4, Sat 2/4
      'user_event.hour_affinity': [0.75, 0, null], // c2 starts Mon 14:00 local (block 4)
      'user_event.day_affinity': [0.5, 0, null],
      'user_event.popularity_gap': [ln(4) - meanLogPop, -meanLogPop, -meanLogPop],
      'user_event.language_match': [1, 0, null],
      'user_event.host_registrations': [1, null, null], // p1 is hostA's; p3 (hostA) was only "interested"
      'user_event.category_affinity': [0.75, 0.25, null],
      'user_event.prior_engagement': [1, 0, 0],
      'social.friends': same(3),
      'social.friends_registered': [2, 0, 0],
      'social.friends_registered_share': [2 / 3, 0, 0],
      'social.invites': [1, 0, 0],
      'social.host_is_friend': [1, null, null],
      'context.local_hour': same('14'), // 12:00Z at UTC+2
      'context.local_day': same('mon'),
      'context.distance_km': [haversineKm(LONDON.lat, LONDON.lng, 48.87, 2.33), null, null],
      'context.surface': same('ios'),
    };
    expect(Object.keys(expected).sort()).toEqual(FEATURES.map((d) => d.name).sort());
    for (let r = 0; r < 3; r++) {
      const row = batchRow(batch, r);
      for (const d of FEATURES) {
        const want = expected[d.name][r];
        const got = row[d.name];
        if (typeof want === 'number') {
          expect(got, `${d.name} row ${r}`).toBeTypeOf('number');
          // distances pass through Float32 (vectorised haversine): relative tolerance
          expect(Math.abs((got as number) - want), `${d.name} row ${r}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(want));
        } else expect(got, `${d.name} row ${r}`).toEqual(want);
      }
    }
  });

  it('takes the home from the profile when it has one', async () => {
    const batch = await assembleTiny('u2', { at: T0 });
    const row = batchRow(batch, 0);
    expect(row['user.home_source']).toBe('profile');
    expect(row['user_event.distance_km']).toBeCloseTo(haversineKm(40.4168, -3.7038, 48.87, 2.33), 2);
    expect(row['user.country']).toBe('ES');
    expect(row['user_event.same_country']).toBe(0);
    expect(row['context.distance_km']).toBeNull();
    expect(row['context.surface']).toBeNull();
    expect(row['context.local_hour']).toBeNull(); // u2 has no offset or timezone
  });

  it('refuses a snapshot taken at another time or for another user', async () => {
    const snapshot = await reader.snapshot({ userId: 'u1', eventIds: ['c1'], at: T0 - MS_PER_HOUR });
    const input = { user: ds.users.get('u1')!, events: [ds.events.get('c1')!], context, snapshot, catalog: ds.events };
    expect(() => assembleFeatures(input)).toThrow(EvrecError);
    expect(() => assembleFeatures(input)).toThrow(/snapshot is as of/);
    expect(() => assembleFeatures({ ...input, user: ds.users.get('u2')!, snapshot: { ...snapshot, at: T0 } })).toThrow(/not u2/);
  });

  it('uses the IANA timezone when no offset is given', async () => {
    const e = { id: 'tz', startsAt: Date.UTC(2024, 0, 15, 18), timezone: 'America/New_York' }; // 13:00 EST, a Monday
    const snapshot = await reader.snapshot({ userId: 'u1', eventIds: ['tz'], at: T0 });
    const batch = assembleFeatures({ user: ds.users.get('u1')!, events: [e], context, snapshot, catalog: ds.events });
    expect(batch.categorical['event.local_hour'][0]).toBe('13');
    expect(batch.categorical['event.local_day'][0]).toBe('mon');
  });
});
