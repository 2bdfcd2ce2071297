/**
 * Feature encoders of the two towers: every input becomes either rows of an embedding table
 * (with a weight, so a multi-valued field is a weighted bag) or columns of a dense vector.
 * Missing values add no row (their embedding is the zero vector) rather than a shared "unknown"
 * row, so an absent field and a dropped-out event id look the same to the towers.
 */
import { GENDERS, geoCell, hashString32, type Event, type RequestContext, type User } from '@evrec/core';
import { AGE_BOUNDARIES, PRICE_USD_BOUNDARIES, localClock, medoidIndex, normalizeLocale, priceUsd, resolveOffset, type EventTextCache } from '@evrec/features';
import type { TwoTowerArchitecture } from './config.ts';

const RAD = Math.PI / 180;

/** Embedding tables by name. `event_id` is shared: the event tower and the user's history read it. */
export const TABLES = {
  eventId: 'event_id',
  host: 'event_host',
  eventGeo: 'event_geo',
  category: 'event_category',
  tags: 'event_tags',
  eventLanguage: 'event_language',
  price: 'event_price',
  startTime: 'event_start_hour_of_week',
  userLanguage: 'user_language',
  country: 'user_country',
  age: 'user_age',
  gender: 'user_gender',
  userGeo: 'user_geo',
  requestTime: 'user_request_time',
  historyCategory: 'user_history_category',
  historyHost: 'user_history_host',
  userId: 'user_id',
} as const;

export interface TableSpec {
  name: string;
  rows: number;
  dims: number;
}

/** One input of a tower: a (weighted) bag of rows of one table. */
export interface SlotSpec {
  name: string;
  table: string;
}

export const HOURS_PER_WEEK = 168;
/** Request time: 7 days × 6 four-hour blocks. */
export const REQUEST_TIME_BLOCKS = 42;

export function tableSpecs(a: TwoTowerArchitecture): TableSpec[] {
  const specs: TableSpec[] = [
    { name: TABLES.eventId, rows: a.eventIdBuckets, dims: a.eventIdDims },
    { name: TABLES.host, rows: a.hostBuckets, dims: a.fieldDims },
    { name: TABLES.eventGeo, rows: a.geoBuckets, dims: a.fieldDims },
    { name: TABLES.category, rows: a.categoryBuckets, dims: a.fieldDims },
    { name: TABLES.tags, rows: a.tagBuckets, dims: a.fieldDims },
    { name: TABLES.eventLanguage, rows: a.languageBuckets, dims: a.smallDims },
    { name: TABLES.price, rows: PRICE_USD_BOUNDARIES.length + 1, dims: a.smallDims },
    { name: TABLES.startTime, rows: HOURS_PER_WEEK, dims: a.smallDims },
    { name: TABLES.userLanguage, rows: a.languageBuckets, dims: a.smallDims },
    { name: TABLES.country, rows: a.countryBuckets, dims: a.smallDims },
    { name: TABLES.age, rows: AGE_BOUNDARIES.length + 1, dims: a.smallDims },
    { name: TABLES.gender, rows: GENDERS.length, dims: a.smallDims },
    { name: TABLES.userGeo, rows: a.geoBuckets, dims: a.fieldDims },
    { name: TABLES.requestTime, rows: REQUEST_TIME_BLOCKS, dims: a.smallDims },
    { name: TABLES.historyCategory, rows: a.categoryBuckets, dims: a.fieldDims },
    { name: TABLES.historyHost, rows: a.hostBuckets, dims: a.fieldDims },
  ];
  if (a.userIdBuckets > 0) specs.push({ name: TABLES.userId, rows: a.userIdBuckets, dims: a.fieldDims });
  return specs;
}

export const EVENT_SLOTS: readonly SlotSpec[] = [
  { name: 'id', table: TABLES.eventId },
  { name: 'host', table: TABLES.host },
  { name: 'geo', table: TABLES.eventGeo },
  { name: 'category', table: TABLES.category },
  { name: 'tags', table: TABLES.tags },
  { name: 'language', table: TABLES.eventLanguage },
  { name: 'price', table: TABLES.price },
  { name: 'start', table: TABLES.startTime },
];
const E = { id: 0, host: 1, geo: 2, category: 3, tags: 4, language: 5, price: 6, start: 7 } as const;

export function userSlots(a: TwoTowerArchitecture): SlotSpec[] {
  const slots: SlotSpec[] = [
    { name: 'language', table: TABLES.userLanguage },
    { name: 'country', table: TABLES.country },
    { name: 'age', table: TABLES.age },
    { name: 'gender', table: TABLES.gender },
    { name: 'geo', table: TABLES.userGeo },
    { name: 'request_time', table: TABLES.requestTime },
    { name: 'history_id', table: TABLES.eventId },
    { name: 'history_category', table: TABLES.historyCategory },
    { name: 'history_host', table: TABLES.historyHost },
  ];
  if (a.userIdBuckets > 0) slots.push({ name: 'id', table: TABLES.userId });
  return slots;
}
const U = { language: 0, country: 1, age: 2, gender: 3, geo: 4, requestTime: 5, historyId: 6, historyCategory: 7, historyHost: 8, id: 9 } as const;

/** Dense event inputs: text, unit-sphere xyz, online, has text, has geo. */
export function eventDenseWidth(a: TwoTowerArchitecture): number {
  return a.textDims + 6;
}
/** Dense user inputs: mean history text, location xyz + present flag, mean history xyz, history size. */
export function userDenseWidth(a: TwoTowerArchitecture): number {
  return a.textDims + 8;
}

// ── scalar encoders ──────────────────────────────────────────────────────────────────────────────

/** Row of `value` in a table of `buckets` rows, hashed with the field name so fields do not line up. */
export function hashBucket(field: string, value: string, buckets: number): number {
  return hashString32(value.trim().toLowerCase(), hashString32(field)) % buckets;
}

/** The point on the unit sphere: nearby places get nearby vectors, with no seam at ±180°. */
export function unitSphere(lat: number, lng: number): [number, number, number] {
  const phi = lat * RAD;
  const lambda = lng * RAD;
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

/** Local hour of the week, Monday 00:00 = 0 … Sunday 23:00 = 167. */
export function hourOfWeek(at: number, utcOffsetMinutes: number): number {
  const c = localClock(at, utcOffsetMinutes);
  return c.day * 24 + c.hour;
}

/** Local request time as day × 6 + four-hour block (0 … 41). */
export function requestTimeBlock(at: number, utcOffsetMinutes: number): number {
  const c = localClock(at, utcOffsetMinutes);
  return c.day * 6 + Math.floor(c.hour / 4);
}

/** Number of `boundaries` ≤ value: 0 … boundaries.length. */
function bucketOf(value: number, boundaries: readonly number[]): number {
  let b = 0;
  while (b < boundaries.length && value >= boundaries[b]) b++;
  return b;
}

/** Price bucket over PRICE_USD_BOUNDARIES (0 = free); -1 when the price or its currency is unknown. */
export function priceBucket(price: number | undefined, currency: string | undefined): number {
  const usd = priceUsd(price, currency);
  return Number.isNaN(usd) ? -1 : bucketOf(usd, PRICE_USD_BOUNDARIES);
}

/** Age bucket over AGE_BOUNDARIES as of `at`; -1 when the birth year is unknown. */
export function ageBucket(birthYear: number | undefined, at: number): number {
  if (birthYear === undefined) return -1;
  return bucketOf(new Date(at).getUTCFullYear() - birthYear, AGE_BOUNDARIES);
}

export function genderRow(gender: User['gender']): number {
  return gender === undefined ? -1 : GENDERS.indexOf(gender);
}

// ── events ───────────────────────────────────────────────────────────────────────────────────────

/** An event's encoded inputs, computed once and reused as a candidate and as a history item. */
export interface EncodedEvent {
  id: string;
  idRow: number;
  hostRow: number;
  geoRow: number;
  categoryRow: number;
  languageRow: number;
  priceRow: number;
  startRow: number;
  tagRows: Int32Array;
  /** L2-normalised hashed text of title + description (zeros without text). */
  text: Float32Array;
  hasText: boolean;
  /** NaN when the event has no venue coordinates (or is online). */
  lat: number;
  lng: number;
  online: boolean;
}

export function encodeEvent(a: TwoTowerArchitecture, e: Event, textCache: EventTextCache): EncodedEvent {
  if (!a.contentInputs) {
    // ID-only model: every content field missing, so neither tower nor history ever sees content.
    const none = { idRow: hashBucket('event', e.id, a.eventIdBuckets), hostRow: -1, geoRow: -1, categoryRow: -1, languageRow: -1, priceRow: -1, startRow: -1 };
    return { id: e.id, ...none, tagRows: new Int32Array(0), text: new Float32Array(a.textDims), hasText: false, lat: NaN, lng: NaN, online: false };
  }
  const text = textCache.get(e);
  const hasGeo = e.online !== true && e.lat !== undefined && e.lng !== undefined;
  const offset = e.startsAt === undefined ? undefined : resolveOffset(e.startsAt, e.utcOffsetMinutes, e.timezone);
  const tags = [...new Set((e.tags ?? []).map((t) => t.trim().toLowerCase()))];
  return {
    id: e.id,
    idRow: hashBucket('event', e.id, a.eventIdBuckets),
    hostRow: e.hostId === undefined ? -1 : hashBucket('host', e.hostId, a.hostBuckets),
    geoRow: hasGeo ? hashBucket('geo', geoCell(e.lat as number, e.lng as number, a.geoCellDegrees), a.geoBuckets) : -1,
    categoryRow: e.category === undefined ? -1 : hashBucket('category', e.category, a.categoryBuckets),
    languageRow: text.language === undefined ? -1 : hashBucket('language', text.language, a.languageBuckets),
    priceRow: priceBucket(e.price, e.currency),
    startRow: e.startsAt === undefined || offset === undefined ? -1 : hourOfWeek(e.startsAt, offset),
    tagRows: Int32Array.from(tags, (t) => hashBucket('tag', t, a.tagBuckets)),
    text: text.vector,
    hasText: text.hasText,
    lat: hasGeo ? (e.lat as number) : NaN,
    lng: hasGeo ? (e.lng as number) : NaN,
    online: e.online === true,
  };
}

// ── batches ──────────────────────────────────────────────────────────────────────────────────────

/** One slot of a batch in coordinate form: example i adds weight × table[row]. */
export interface SlotEntries {
  example: Int32Array;
  row: Int32Array;
  weight: Float32Array;
}

export interface TowerBatch {
  size: number;
  slots: SlotEntries[];
  /** size × denseWidth, row-major. */
  dense: Float32Array;
  denseWidth: number;
}

class GrowableEntries {
  example = new Int32Array(256);
  row = new Int32Array(256);
  weight = new Float32Array(256);
  length = 0;

  push(example: number, row: number, weight: number): void {
    if (this.length === this.row.length) {
      const n = this.row.length * 2;
      const ex = new Int32Array(n);
      ex.set(this.example);
      const r = new Int32Array(n);
      r.set(this.row);
      const w = new Float32Array(n);
      w.set(this.weight);
      this.example = ex;
      this.row = r;
      this.weight = w;
    }
    this.example[this.length] = example;
    this.row[this.length] = row;
    this.weight[this.length] = weight;
    this.length++;
  }

  done(): SlotEntries {
    return { example: this.example.slice(0, this.length), row: this.row.slice(0, this.length), weight: this.weight.slice(0, this.length) };
  }
}

/** Collects the examples of one tower batch. */
export class TowerBatchBuilder {
  private readonly entries: GrowableEntries[];
  private readonly dense: Float32Array;
  size = 0;

  constructor(slotCount: number, readonly denseWidth: number, readonly capacity: number) {
    this.entries = Array.from({ length: slotCount }, () => new GrowableEntries());
    this.dense = new Float32Array(capacity * denseWidth);
  }

  /** Starts the next example and returns its dense row (zeros) to fill in. */
  next(): Float32Array {
    if (this.size >= this.capacity) throw new RangeError(`batch capacity ${this.capacity} exceeded`);
    const row = this.dense.subarray(this.size * this.denseWidth, (this.size + 1) * this.denseWidth);
    this.size++;
    return row;
  }

  /** Adds `weight × table[row]` to slot `slot` of the current example; rows < 0 are skipped (missing). */
  add(slot: number, row: number, weight = 1): void {
    if (row >= 0 && weight !== 0) this.entries[slot].push(this.size - 1, row, weight);
  }

  build(): TowerBatch {
    return { size: this.size, slots: this.entries.map((e) => e.done()), dense: this.dense.slice(0, this.size * this.denseWidth), denseWidth: this.denseWidth };
  }
}

/** Adds one event-tower example. `useId` false leaves the id slot empty: the content path alone. */
export function addEventExample(b: TowerBatchBuilder, e: EncodedEvent, useId: boolean): void {
  const dense = b.next();
  if (useId) b.add(E.id, e.idRow);
  b.add(E.host, e.hostRow);
  b.add(E.geo, e.geoRow);
  b.add(E.category, e.categoryRow);
  const tagWeight = e.tagRows.length > 0 ? 1 / e.tagRows.length : 0;
  for (const r of e.tagRows) b.add(E.tags, r, tagWeight);
  b.add(E.language, e.languageRow);
  b.add(E.price, e.priceRow);
  b.add(E.start, e.startRow);
  dense.set(e.text, 0);
  const t = e.text.length;
  if (!Number.isNaN(e.lat)) dense.set(unitSphere(e.lat, e.lng), t);
  dense[t + 3] = e.online ? 1 : 0;
  dense[t + 4] = e.hasText ? 1 : 0;
  dense[t + 5] = Number.isNaN(e.lat) ? 0 : 1;
}

export interface UserExample {
  user?: User;
  /** Request time: ages and the local request-time block are as of this moment. */
  at: number;
  /** History events, most recent first (only the first `historyCap` are used). */
  history: readonly EncodedEvent[];
  context?: Partial<RequestContext>;
  /** Whether history item i contributes its event-id row (false for unknown ids, dropout). */
  useHistoryId: (e: EncodedEvent, i: number) => boolean;
  /** Whether to add the hashed user-id row (only when the architecture has a user-id table). */
  useUserId: boolean;
}

/**
 * Where the user is: the request's coordinates, else the profile's home, else the medoid of the
 * venues in their history. Null when none is known.
 */
export function userLocation(x: Pick<UserExample, 'user' | 'history' | 'context'>): { lat: number; lng: number } | null {
  if (x.context?.lat !== undefined && x.context.lng !== undefined) return { lat: x.context.lat, lng: x.context.lng };
  if (x.user?.lat !== undefined && x.user.lng !== undefined) return { lat: x.user.lat, lng: x.user.lng };
  const venues = x.history.filter((e) => !Number.isNaN(e.lat)).map((e) => ({ lat: e.lat, lng: e.lng }));
  if (venues.length === 0) return null;
  return venues[medoidIndex(venues)];
}

/** Adds one user-tower example. */
export function addUserExample(a: TwoTowerArchitecture, b: TowerBatchBuilder, x: UserExample): void {
  const dense = b.next();
  if (!a.contentInputs) {
    // ID-only model: the user is the mean of their history's event-id rows, nothing else.
    const history = x.history.length > a.historyCap ? x.history.slice(0, a.historyCap) : x.history;
    history.forEach((e, i) => {
      if (x.useHistoryId(e, i)) b.add(U.historyId, e.idRow, 1 / history.length);
    });
    return;
  }
  const user = x.user;
  const locale = normalizeLocale(x.context?.locale ?? user?.locale);
  const language = user?.language ?? (locale === null ? undefined : locale.split('-')[0]);
  const country = user?.country ?? (locale !== null && locale.includes('-') ? locale.split('-')[1] : undefined);
  if (language !== undefined) b.add(U.language, hashBucket('language', language, a.languageBuckets));
  if (country !== undefined) b.add(U.country, hashBucket('country', country, a.countryBuckets));
  b.add(U.age, ageBucket(user?.birthYear, x.at));
  b.add(U.gender, genderRow(user?.gender));
  const offset = user === undefined ? undefined : resolveOffset(x.at, user.utcOffsetMinutes, user.timezone);
  if (offset !== undefined) b.add(U.requestTime, requestTimeBlock(x.at, offset));
  if (x.useUserId && a.userIdBuckets > 0 && user !== undefined) b.add(U.id, hashBucket('user', user.id, a.userIdBuckets));

  const history = x.history.length > a.historyCap ? x.history.slice(0, a.historyCap) : x.history;
  const loc = userLocation({ user, history, context: x.context });
  if (loc !== null) b.add(U.geo, hashBucket('geo', geoCell(loc.lat, loc.lng, a.geoCellDegrees), a.geoBuckets));

  const t = a.textDims;
  const n = history.length;
  let withCategory = 0;
  let withHost = 0;
  for (const e of history) {
    if (e.categoryRow >= 0) withCategory++;
    if (e.hostRow >= 0) withHost++;
  }
  let withText = 0;
  let withGeo = 0;
  const xyz = [0, 0, 0];
  history.forEach((e, i) => {
    if (x.useHistoryId(e, i)) b.add(U.historyId, e.idRow, 1 / n);
    b.add(U.historyCategory, e.categoryRow, 1 / withCategory);
    b.add(U.historyHost, e.hostRow, 1 / withHost);
    if (e.hasText) {
      withText++;
      for (let k = 0; k < t; k++) dense[k] += e.text[k];
    }
    if (!Number.isNaN(e.lat)) {
      withGeo++;
      const p = unitSphere(e.lat, e.lng);
      xyz[0] += p[0];
      xyz[1] += p[1];
      xyz[2] += p[2];
    }
  });
  if (withText > 0) for (let k = 0; k < t; k++) dense[k] /= withText;
  if (loc !== null) {
    dense.set(unitSphere(loc.lat, loc.lng), t);
    dense[t + 3] = 1;
  }
  if (withGeo > 0) for (let k = 0; k < 3; k++) dense[t + 4 + k] = xyz[k] / withGeo;
  // Saturating history size: 0 for a new user, 1 at a full history.
  dense[t + 7] = Math.log1p(n) / Math.log1p(a.historyCap);
}
