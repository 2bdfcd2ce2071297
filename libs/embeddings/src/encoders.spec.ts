import { describe, expect, it } from 'vitest';
import { EventTextCache } from '@evrec/features';
import { DEFAULT_ARCHITECTURE, type TwoTowerArchitecture } from './config.ts';
import {
  EVENT_SLOTS,
  TowerBatchBuilder,
  addEventExample,
  addUserExample,
  ageBucket,
  encodeEvent,
  eventDenseWidth,
  genderRow,
  hashBucket,
  hourOfWeek,
  priceBucket,
  requestTimeBlock,
  unitSphere,
  userDenseWidth,
  userLocation,
  userSlots,
  type EncodedEvent,
} from './encoders.ts';

/** 2026-01-05 is a Monday. */
const MONDAY = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;

describe('scalar encoders', () => {
  it('places points on the unit sphere', () => {
    const close = (v: number[], w: number[]) => v.forEach((x, i) => expect(x).toBeCloseTo(w[i], 12));
    close(unitSphere(0, 0), [1, 0, 0]);
    close(unitSphere(0, 90), [0, 1, 0]);
    close(unitSphere(90, 0), [0, 0, 1]);
    close(unitSphere(0, 180), [-1, 0, 0]);
    close(unitSphere(0, -180), [-1, 0, 0]); // no seam at the antimeridian
    close(unitSphere(60, 0), [0.5, 0, Math.sqrt(3) / 2]);
  });

  it('reads the local hour of the week, Monday 00:00 = 0', () => {
    expect(hourOfWeek(MONDAY + 10 * HOUR, 0)).toBe(10);
    expect(hourOfWeek(MONDAY + 10 * HOUR, 120)).toBe(12);
    // Monday 01:00 UTC is Sunday 20:00 in UTC-5.
    expect(hourOfWeek(MONDAY + 1 * HOUR, -300)).toBe(6 * 24 + 20);
    expect(hourOfWeek(MONDAY + 6 * 24 * HOUR + 23.5 * HOUR, 0)).toBe(167);
  });

  it('buckets the request time into 4-hour blocks per day', () => {
    expect(requestTimeBlock(MONDAY + 10 * HOUR, 0)).toBe(2);
    expect(requestTimeBlock(MONDAY + 2 * 24 * HOUR + 23 * HOUR, 0)).toBe(2 * 6 + 5);
    expect(requestTimeBlock(MONDAY, -60)).toBe(6 * 6 + 5);
  });

  it('buckets prices in USD with free as 0 and unknown as missing', () => {
    expect(priceBucket(0, 'USD')).toBe(0);
    expect(priceBucket(0, undefined)).toBe(0);
    expect(priceBucket(20, 'USD')).toBe(2); // [10, 25)
    expect(priceBucket(100, 'EUR')).toBe(5); // 108 USD: [100, 250)
    expect(priceBucket(1000, 'USD')).toBe(6);
    expect(priceBucket(undefined, 'USD')).toBe(-1);
    expect(priceBucket(5, 'XXX')).toBe(-1);
  });

  it('buckets ages as of the given time', () => {
    expect(ageBucket(2000, Date.UTC(2026, 5, 1))).toBe(2); // 26: [25, 35)
    expect(ageBucket(2010, Date.UTC(2026, 5, 1))).toBe(0); // 16: < 18
    expect(ageBucket(1950, Date.UTC(2026, 5, 1))).toBe(6); // 76: ≥ 65
    expect(ageBucket(undefined, Date.UTC(2026, 5, 1))).toBe(-1);
  });

  it('maps genders to rows and hashes values per field', () => {
    expect([genderRow('male'), genderRow('female'), genderRow('other'), genderRow(undefined)]).toEqual([0, 1, 2, -1]);
    const b = hashBucket('category', 'Music', 1024);
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(1024);
    expect(hashBucket('category', ' music ', 1024)).toBe(b);
    expect(hashBucket('host', 'music', 1 << 20)).not.toBe(hashBucket('category', 'music', 1 << 20));
  });
});

const arch: TwoTowerArchitecture = { ...DEFAULT_ARCHITECTURE, textDims: 4, historyCap: 3 };

function encoded(over: Partial<EncodedEvent>): EncodedEvent {
  return {
    id: 'e', idRow: 1, hostRow: -1, geoRow: -1, categoryRow: -1, languageRow: -1, priceRow: -1, startRow: -1,
    tagRows: new Int32Array(0), text: new Float32Array(4), hasText: false, lat: NaN, lng: NaN, online: false, ...over,
  };
}

describe('event tower inputs', () => {
  it('encodes an event into rows and dense columns', () => {
    const e = encodeEvent(arch, {
      id: 'e1', title: 'Jazz night', category: 'music', tags: ['Jazz', 'jazz', 'live'], hostId: 'h1', lat: 0, lng: 90,
      startsAt: MONDAY + 19 * HOUR, utcOffsetMinutes: 60, price: 0, language: 'en',
    }, new EventTextCache({ dims: 4 }));
    expect(e.idRow).toBe(hashBucket('event', 'e1', arch.eventIdBuckets));
    expect(e.categoryRow).toBe(hashBucket('category', 'music', arch.categoryBuckets));
    expect(e.tagRows).toEqual(Int32Array.from([hashBucket('tag', 'jazz', arch.tagBuckets), hashBucket('tag', 'live', arch.tagBuckets)]));
    expect(e.startRow).toBe(20);
    expect(e.priceRow).toBe(0);
    expect(e.languageRow).toBe(hashBucket('language', 'en', arch.languageBuckets));
    expect(e.hasText).toBe(true);

    const b = new TowerBatchBuilder(EVENT_SLOTS.length, eventDenseWidth(arch), 2);
    addEventExample(b, e, true);
    addEventExample(b, e, false);
    const batch = b.build();
    expect(batch.size).toBe(2);
    expect(Array.from(batch.slots[0].example)).toEqual([0]); // id only in example 0
    expect(Array.from(batch.slots[4].weight)).toEqual([0.5, 0.5, 0.5, 0.5]); // two distinct tags, each 1/2
    const dense = batch.dense.subarray(0, 10);
    expect(Array.from(dense.subarray(0, 4))).toEqual(Array.from(e.text));
    expect(dense[4]).toBeCloseTo(0, 12);
    expect(dense[5]).toBeCloseTo(1, 12);
    expect(dense[6]).toBeCloseTo(0, 12);
    expect(Array.from(dense.subarray(7, 10))).toEqual([0, 1, 1]); // not online, has text, has geo
  });

  it('leaves the venue out for online events', () => {
    const e = encodeEvent(arch, { id: 'o', online: true, lat: 10, lng: 10 }, new EventTextCache({ dims: 4 }));
    expect(e.geoRow).toBe(-1);
    const b = new TowerBatchBuilder(EVENT_SLOTS.length, eventDenseWidth(arch), 1);
    addEventExample(b, e, true);
    expect(Array.from(b.build().dense)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });
});

describe('user tower inputs', () => {
  const h1 = encoded({ id: 'a', idRow: 11, categoryRow: 5, hostRow: 7, text: Float32Array.from([1, 0, 0, 0]), hasText: true, lat: 0, lng: 0 });
  const h2 = encoded({ id: 'b', idRow: 12, categoryRow: 6, text: Float32Array.from([0, 1, 0, 0]), hasText: true, lat: 0, lng: 90 });
  const h3 = encoded({ id: 'c', idRow: 13 });

  it('pools the history and encodes the profile', () => {
    const slots = userSlots(arch);
    const b = new TowerBatchBuilder(slots.length, userDenseWidth(arch), 1);
    addUserExample(arch, b, {
      user: { id: 'u', locale: 'pt_BR', birthYear: 1990, gender: 'female', utcOffsetMinutes: -180 },
      at: MONDAY + 10 * HOUR,
      history: [h1, h2, h3],
      useHistoryId: (e) => e.id !== 'b',
      useUserId: true,
    });
    const batch = b.build();
    const slot = (name: string) => batch.slots[slots.findIndex((s) => s.name === name)];
    expect(Array.from(slot('language').row)).toEqual([hashBucket('language', 'pt', arch.languageBuckets)]);
    expect(Array.from(slot('country').row)).toEqual([hashBucket('country', 'BR', arch.countryBuckets)]);
    expect(Array.from(slot('age').row)).toEqual([3]); // 36: [35, 45)
    expect(Array.from(slot('gender').row)).toEqual([1]);
    expect(Array.from(slot('request_time').row)).toEqual([1]); // Monday 07:00 local
    // Ids: all three count in the mean (1/3 each); the one not used adds nothing.
    expect(Array.from(slot('history_id').row)).toEqual([11, 13]);
    expect(Array.from(slot('history_id').weight)).toEqual([1 / 3, 1 / 3].map(Math.fround));
    expect(Array.from(slot('history_category').row)).toEqual([5, 6]);
    expect(Array.from(slot('history_category').weight)).toEqual([0.5, 0.5]);
    expect(Array.from(slot('history_host').weight)).toEqual([1]);
    // No profile home: the location is the history medoid (of two points, the first).
    expect(Array.from(slot('geo').row)).toEqual([hashBucket('geo', '1:0:180', arch.geoBuckets)]);
    const d = batch.dense;
    expect(Array.from(d.subarray(0, 4))).toEqual([0.5, 0.5, 0, 0]); // mean text of the two with text
    expect(d[4]).toBeCloseTo(1, 6); // location xyz = (1, 0, 0)
    expect(d[7]).toBe(1); // has a location
    expect(d[8]).toBeCloseTo(0.5, 6); // mean history xyz of (1,0,0) and (0,1,0)
    expect(d[9]).toBeCloseTo(0.5, 6);
    expect(d[11]).toBeCloseTo(Math.log1p(3) / Math.log1p(3), 6);
  });

  it('encodes an anonymous user with no history as zeros', () => {
    const slots = userSlots(arch);
    const b = new TowerBatchBuilder(slots.length, userDenseWidth(arch), 1);
    addUserExample(arch, b, { at: MONDAY, history: [], useHistoryId: () => true, useUserId: true });
    const batch = b.build();
    expect(batch.slots.every((s) => s.row.length === 0)).toBe(true);
    expect(Array.from(batch.dense).every((x) => x === 0)).toBe(true);
  });

  it('prefers the request location, then the profile home, then the history', () => {
    const user = { id: 'u', lat: 10, lng: 20 };
    expect(userLocation({ user, history: [h1], context: { lat: 1, lng: 2 } })).toEqual({ lat: 1, lng: 2 });
    expect(userLocation({ user, history: [h1] })).toEqual({ lat: 10, lng: 20 });
    expect(userLocation({ history: [h2] })).toEqual({ lat: 0, lng: 90 });
    expect(userLocation({ history: [h3] })).toBeNull();
  });

  it('keeps only the most recent historyCap events', () => {
    const slots = userSlots(arch);
    const b = new TowerBatchBuilder(slots.length, userDenseWidth(arch), 1);
    const many = [1, 2, 3, 4, 5].map((i) => encoded({ id: `x${i}`, idRow: i }));
    addUserExample(arch, b, { at: MONDAY, history: many, useHistoryId: () => true, useUserId: false });
    const ids = b.build().slots[slots.findIndex((s) => s.name === 'history_id')];
    expect(Array.from(ids.row)).toEqual([1, 2, 3]);
  });
});

describe('ID-only architecture (contentInputs false)', () => {
  const idOnly: TwoTowerArchitecture = { ...arch, contentInputs: false };

  it('encodes an event as its id row alone', () => {
    const e = encodeEvent(idOnly, { id: 'e1', title: 'Jazz night', category: 'music', tags: ['jazz'], hostId: 'h1', lat: 0, lng: 90, price: 0 }, new EventTextCache({ dims: 4 }));
    expect(e.idRow).toBe(hashBucket('event', 'e1', idOnly.eventIdBuckets));
    expect([e.hostRow, e.geoRow, e.categoryRow, e.languageRow, e.priceRow, e.startRow, e.tagRows.length]).toEqual([-1, -1, -1, -1, -1, -1, 0]);
    const b = new TowerBatchBuilder(EVENT_SLOTS.length, eventDenseWidth(idOnly), 1);
    addEventExample(b, e, true);
    const batch = b.build();
    expect(batch.slots.map((s) => s.row.length)).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.dense).every((x) => x === 0)).toBe(true);
  });

  it('encodes a user as the mean of their history ids, ignoring profile and content', () => {
    const slots = userSlots(idOnly);
    const b = new TowerBatchBuilder(slots.length, userDenseWidth(idOnly), 1);
    const h = [encoded({ id: 'a', idRow: 11, categoryRow: 5, text: Float32Array.from([1, 0, 0, 0]), hasText: true, lat: 0, lng: 0 }), encoded({ id: 'b', idRow: 12 })];
    addUserExample(idOnly, b, { user: { id: 'u', locale: 'pt_BR', birthYear: 1990, lat: 1, lng: 2 }, at: MONDAY, history: h, useHistoryId: () => true, useUserId: true });
    const batch = b.build();
    const historyId = slots.findIndex((s) => s.name === 'history_id');
    batch.slots.forEach((s, i) => expect(s.row.length).toBe(i === historyId ? 2 : 0));
    expect(Array.from(batch.slots[historyId].row)).toEqual([11, 12]);
    expect(Array.from(batch.slots[historyId].weight)).toEqual([0.5, 0.5]);
    expect(Array.from(batch.dense).every((x) => x === 0)).toBe(true);
  });
});
