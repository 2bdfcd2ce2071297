import { SURFACES } from '@evrec/core';

/**
 * The feature registry: every feature the ranker (and parts of the two-tower model) can see, with its
 * group, type, definition and version. The registry is the single source of truth: assembly fills
 * exactly these columns, the spec encodes exactly these, docs/FEATURES.md documents exactly these.
 *
 * Versioning: each feature carries its own `version`, bumped whenever its definition changes (a new
 * currency table, a different bucket edge, another cap). `FEATURE_VERSION` is bumped whenever any
 * feature is added, removed or changes version. A spec fitted under another version is refused.
 */
export const FEATURE_VERSION = 1;

export const FEATURE_GROUPS = ['user', 'event', 'user_event', 'social', 'context'] as const;
export type FeatureGroup = (typeof FEATURE_GROUPS)[number];

/**
 * - `numeric`: a real number, transformed (`transform`) then standardised with training mean/std.
 * - `binary`: 0 or 1, passed through.
 * - `bucket`: a real number cut at fixed `boundaries` and one-hot encoded.
 * - `enum`: a string from the fixed `values`, one-hot encoded.
 * - `vocab`: a string from an open set; the spec keeps the most frequent training values, one-hot, plus "other".
 * - `hashed`: a high-cardinality string hashed into `hashBuckets` integer ids for an embedding layer.
 * - `shares`: a map string → share (summing to 1) over an open set; encoded as a dense block over the
 *   training vocabulary plus "other".
 */
export const FEATURE_TYPES = ['numeric', 'binary', 'bucket', 'enum', 'vocab', 'hashed', 'shares'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

/** Applied to a numeric value before standardisation. `signed-log1p` is sign(x)·ln(1+|x|). */
export type NumericTransform = 'none' | 'log1p' | 'signed-log1p';

/** Where a feature's raw value is stored in a `RawFeatureBatch`. */
export type RawKind = 'numeric' | 'categorical' | 'shares';

export interface FeatureDefinition {
  /** `<group prefix>.<name>`, stable; also the column name in materialised rows. */
  name: string;
  group: FeatureGroup;
  type: FeatureType;
  /** One sentence: what it is, from which inputs, as of when. */
  description: string;
  /** Unit of the raw value (`km`, `hours`, `count`, `share`, `USD`), when it has one. */
  unit?: string;
  version: number;
  /** True when the raw value can be missing (NaN / null); the encoding then adds a missing indicator. */
  nullable: boolean;
  /** `numeric` only. Default `none`. */
  transform?: NumericTransform;
  /** `bucket` only: ascending edges; bucket i holds [edge[i-1], edge[i]). */
  boundaries?: readonly number[];
  /** `enum` only. */
  values?: readonly string[];
  /** `hashed` only: number of ids, id 0 reserved for missing. */
  hashBuckets?: number;
  /** `vocab` / `shares`: most values kept in the vocabulary. Default 32. */
  maxVocab?: number;
  /** `vocab` / `shares`: least training count (rows) for a value to enter the vocabulary. Default 5. */
  minCount?: number;
}

/** Monday-first day names, the values of every day-of-week feature. */
export const DAYS_OF_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const HOURS_OF_DAY: readonly string[] = Array.from({ length: 24 }, (_, h) => String(h));
/** Bucket edges for the user's age in years. */
export const AGE_BOUNDARIES = [18, 25, 35, 45, 55, 65] as const;
/** Bucket edges for ticket prices in USD: [0, 0.005) is "free". */
export const PRICE_USD_BOUNDARIES = [0.005, 10, 25, 50, 100, 250] as const;

const f = (d: FeatureDefinition): FeatureDefinition => d;

/** Every feature, grouped (group order = column order in the encoded matrix). */
export const FEATURES: readonly FeatureDefinition[] = [
  // ── user ────────────────────────────────────────────────────────────────────────────────────────
  f({ name: 'user.age', group: 'user', type: 'bucket', version: 1, nullable: true, unit: 'years', boundaries: AGE_BOUNDARIES,
    description: 'Age in years at request time (UTC year of `at` minus `birthYear`), bucketed.' }),
  f({ name: 'user.gender', group: 'user', type: 'enum', version: 1, nullable: true, values: ['male', 'female', 'other'],
    description: 'Profile gender.' }),
  f({ name: 'user.language', group: 'user', type: 'vocab', version: 1, nullable: true, maxVocab: 40,
    description: 'Preferred language: `language`, else the language subtag of `locale`.' }),
  f({ name: 'user.locale', group: 'user', type: 'vocab', version: 1, nullable: true, maxVocab: 40,
    description: 'Profile locale normalised to `ll-CC` (`en_US` → `en-US`).' }),
  f({ name: 'user.country', group: 'user', type: 'vocab', version: 1, nullable: true, maxVocab: 60,
    description: 'Profile country, else the country of the inferred home event.' }),
  f({ name: 'user.account_age_days', group: 'user', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'days',
    description: 'Days from `joinedAt` to request time (0 when joined later).' }),
  f({ name: 'user.registrations', group: 'user', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Events the user holds a registration for before `at` (snapshot `registeredEventIds`).' }),
  f({ name: 'user.positives', group: 'user', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Positive interactions (register, attend, interested, click) before `at`, as capped by the reader.' }),
  f({ name: 'user.clicks', group: 'user', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Clicks among those positives.' }),
  f({ name: 'user.dismissed', group: 'user', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Events marked not_interested before `at`.' }),
  f({ name: 'user.days_since_last_positive', group: 'user', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'days',
    description: 'Days since the most recent positive interaction.' }),
  f({ name: 'user.category_shares', group: 'user', type: 'shares', version: 1, nullable: true, maxVocab: 40, unit: 'share',
    description: 'Share of the distinct past positive events per category (events without a category are left out).' }),
  f({ name: 'user.price_level_usd', group: 'user', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'USD',
    description: 'Median USD price (fixed currency table) of registered events with a known price, free ones counted as 0.' }),
  f({ name: 'user.paid_share', group: 'user', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'Share of those registered events that were paid.' }),
  f({ name: 'user.home_source', group: 'user', type: 'enum', version: 1, nullable: true, values: ['profile', 'inferred'],
    description: 'Where the home location comes from: the profile, or the medoid of past positive events\u2019 venues.' }),
  f({ name: 'user.home_cell', group: 'user', type: 'hashed', version: 1, nullable: true, hashBuckets: 4096,
    description: '1° geo cell of the home location (profile or inferred).' }),
  // ── event ───────────────────────────────────────────────────────────────────────────────────────
  f({ name: 'event.price_usd', group: 'event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'USD',
    description: 'Ticket price converted to USD with the fixed currency table (missing for an unknown currency).' }),
  f({ name: 'event.price_bucket', group: 'event', type: 'bucket', version: 1, nullable: true, unit: 'USD', boundaries: PRICE_USD_BOUNDARIES,
    description: 'The same USD price bucketed; the first bucket is "free".' }),
  f({ name: 'event.is_free', group: 'event', type: 'binary', version: 1, nullable: true,
    description: '1 when the price is 0 (any currency).' }),
  f({ name: 'event.registrations', group: 'event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Registrations held before `at` (snapshot).' }),
  f({ name: 'event.registrations_1d', group: 'event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Net registrations in the 24 h before `at` (velocity).' }),
  f({ name: 'event.registrations_7d', group: 'event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Net registrations in the 7 days before `at`.' }),
  f({ name: 'event.capacity_fill', group: 'event', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'Registrations / capacity (missing when capacity is unknown or 0), capped at 2.' }),
  f({ name: 'event.impressions', group: 'event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Impressions before `at`.' }),
  f({ name: 'event.ctr', group: 'event', type: 'numeric', version: 1, nullable: false, unit: 'share',
    description: 'Smoothed click-through rate (clicks + 1) / (impressions + 20) before `at`.' }),
  f({ name: 'event.hours_until_start', group: 'event', type: 'numeric', version: 1, nullable: true, transform: 'signed-log1p', unit: 'hours',
    description: 'Hours from `at` to `startsAt` (negative once started).' }),
  f({ name: 'event.duration_hours', group: 'event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'hours',
    description: 'Length of the event.' }),
  f({ name: 'event.local_hour', group: 'event', type: 'enum', version: 1, nullable: true, values: HOURS_OF_DAY,
    description: 'Start hour 0–23 in the event\u2019s local time (`utcOffsetMinutes`, else `timezone`).' }),
  f({ name: 'event.local_day', group: 'event', type: 'enum', version: 1, nullable: true, values: DAYS_OF_WEEK,
    description: 'Start day of week in the event\u2019s local time.' }),
  f({ name: 'event.age_hours', group: 'event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'hours',
    description: 'Hours since the event was published (`createdAt`), 0 when in the future.' }),
  f({ name: 'event.online', group: 'event', type: 'binary', version: 1, nullable: true,
    description: '1 for an online event.' }),
  f({ name: 'event.category', group: 'event', type: 'vocab', version: 1, nullable: true, maxVocab: 60,
    description: 'Event category.' }),
  f({ name: 'event.language', group: 'event', type: 'vocab', version: 1, nullable: true, maxVocab: 40,
    description: 'Event language, else detected from title + description.' }),
  f({ name: 'event.country', group: 'event', type: 'vocab', version: 1, nullable: true, maxVocab: 60,
    description: 'Venue country.' }),
  f({ name: 'event.city', group: 'event', type: 'hashed', version: 1, nullable: true, hashBuckets: 8192,
    description: 'Venue city, keyed `country|lower-case city`.' }),
  f({ name: 'event.cell', group: 'event', type: 'hashed', version: 1, nullable: true, hashBuckets: 4096,
    description: '1° geo cell of the venue.' }),
  f({ name: 'event.host', group: 'event', type: 'hashed', version: 1, nullable: true, hashBuckets: 16384,
    description: 'Host id.' }),
  f({ name: 'event.host_registrations', group: 'event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'count',
    description: 'Registrations held before `at` across all of the host\u2019s events (missing without a host or host counters).' }),
  f({ name: 'event.description_chars', group: 'event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'chars',
    description: 'Description length in UTF-16 code units (0 when absent).' }),
  // ── user × event ────────────────────────────────────────────────────────────────────────────────
  f({ name: 'user_event.distance_km', group: 'user_event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'km',
    description: 'Great-circle distance home → venue (missing for online events or unknown locations).' }),
  f({ name: 'user_event.same_city', group: 'user_event', type: 'binary', version: 1, nullable: true,
    description: '1 when the home city (profile or inferred) equals the venue city (same country, case-insensitive).' }),
  f({ name: 'user_event.same_country', group: 'user_event', type: 'binary', version: 1, nullable: true,
    description: '1 when the user\u2019s country equals the venue country.' }),
  f({ name: 'user_event.price_gap', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'log USD',
    description: '|ln(1+event USD price) − ln(1+user price level)|.' }),
  f({ name: 'user_event.text_similarity', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'cosine',
    description: 'Cosine between the event\u2019s hashed text vector and the mean vector of the user\u2019s past positive events.' }),
  f({ name: 'user_event.hour_affinity', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'Share of past positive events starting in the same local 3-hour block as this one.' }),
  f({ name: 'user_event.day_affinity', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'Share of past positive events on the same local day of week.' }),
  f({ name: 'user_event.popularity_gap', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'log count',
    description: 'ln(1+registrations) of this event minus the mean of the same over the user\u2019s past positive events (as of `at`).' }),
  f({ name: 'user_event.language_match', group: 'user_event', type: 'binary', version: 1, nullable: true,
    description: '1 when the event language equals the user language.' }),
  f({ name: 'user_event.host_registrations', group: 'user_event', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'count',
    description: 'Other events of the same host the user registered for before `at`.' }),
  f({ name: 'user_event.category_affinity', group: 'user_event', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'Share of the user\u2019s categorised past positive events in this event\u2019s category.' }),
  f({ name: 'user_event.prior_engagement', group: 'user_event', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Positive interactions (e.g. clicks, interested) with this very event before `at`.' }),
  // ── social ──────────────────────────────────────────────────────────────────────────────────────
  f({ name: 'social.friends', group: 'social', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Number of friends.' }),
  f({ name: 'social.friends_registered', group: 'social', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Friends holding a registration for the event before `at`.' }),
  f({ name: 'social.friends_registered_share', group: 'social', type: 'numeric', version: 1, nullable: true, unit: 'share',
    description: 'friends_registered / friends (missing without friends).' }),
  f({ name: 'social.invites', group: 'social', type: 'numeric', version: 1, nullable: false, transform: 'log1p', unit: 'count',
    description: 'Invitations to the event the user received before `at`.' }),
  f({ name: 'social.host_is_friend', group: 'social', type: 'binary', version: 1, nullable: true,
    description: '1 when the event\u2019s `organizerUserId` is a friend (missing without an organiser).' }),
  // ── context ─────────────────────────────────────────────────────────────────────────────────────
  f({ name: 'context.local_hour', group: 'context', type: 'enum', version: 1, nullable: true, values: HOURS_OF_DAY,
    description: 'Request hour in the user\u2019s local time (`utcOffsetMinutes`, else `timezone`).' }),
  f({ name: 'context.local_day', group: 'context', type: 'enum', version: 1, nullable: true, values: DAYS_OF_WEEK,
    description: 'Request day of week in the user\u2019s local time.' }),
  f({ name: 'context.distance_km', group: 'context', type: 'numeric', version: 1, nullable: true, transform: 'log1p', unit: 'km',
    description: 'Distance request location → venue (missing without a request location or venue).' }),
  f({ name: 'context.surface', group: 'context', type: 'enum', version: 1, nullable: true, values: SURFACES,
    description: 'Surface/device of the request.' }),
];

export function rawKindOf(type: FeatureType): RawKind {
  if (type === 'numeric' || type === 'binary' || type === 'bucket') return 'numeric';
  if (type === 'shares') return 'shares';
  return 'categorical';
}

const BY_NAME = new Map(FEATURES.map((d) => [d.name, d]));

export function featureDefinition(name: string): FeatureDefinition | undefined {
  return BY_NAME.get(name);
}

/** Names of the features of one kind, in registry order. */
export function featureNames(kind?: RawKind): string[] {
  return FEATURES.filter((d) => kind === undefined || rawKindOf(d.type) === kind).map((d) => d.name);
}
