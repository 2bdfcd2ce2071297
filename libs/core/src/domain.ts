import { z } from 'zod';

/**
 * The domain model. Times are epoch milliseconds (UTC) everywhere inside evrec; local wall-clock
 * time is derived from `utcOffsetMinutes` (fixed offset at that moment) or `timezone` (IANA).
 * Prices are in major units of `currency` (ISO 4217). Distances in kilometres.
 * Optional fields mean "unknown", never "zero".
 */

const id = z.string().min(1, 'must be a non-empty string').max(256, 'must be at most 256 characters');
const epochMs = z.number().int('must be an integer (epoch milliseconds)').min(0, 'must be >= 0 (epoch milliseconds)');
const lat = z.number().min(-90, 'must be >= -90').max(90, 'must be <= 90');
const lng = z.number().min(-180, 'must be >= -180').max(180, 'must be <= 180');
/** ISO 639-1/-3 language code, lower case (`en`, `ja`, `pt`). */
const language = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code such as "en" or "ja"');
/** ISO 3166-1 alpha-2 country code, upper case. */
const country = z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as "US"');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"');
const utcOffsetMinutes = z.number().int().min(-14 * 60).max(14 * 60);

export const GENDERS = ['male', 'female', 'other'] as const;

export const UserSchema = z.object({
  id,
  /** BCP 47 locale, e.g. `en_US` or `ja-JP` as the source gave it. */
  locale: z.string().max(35).optional(),
  /** Preferred language (ISO 639). */
  language: language.optional(),
  birthYear: z.number().int().min(1900).max(2100).optional(),
  gender: z.enum(GENDERS).optional(),
  /** When the account was created. */
  joinedAt: epochMs.optional(),
  /** Home location from the profile; absent when unknown (features may infer it from past events). */
  lat: lat.optional(),
  lng: lng.optional(),
  city: z.string().max(200).optional(),
  country: country.optional(),
  timezone: z.string().max(64).optional(),
  utcOffsetMinutes: utcOffsetMinutes.optional(),
  /** Declared interests (topic names or ids). */
  interests: z.array(z.string().min(1).max(200)).max(500).optional(),
  /** Groups the user belongs to (Meetup groups, communities). */
  groups: z.array(id).max(1000).optional(),
});
export type User = z.infer<typeof UserSchema>;

export const EVENT_STATUSES = ['scheduled', 'cancelled'] as const;

export const EventSchema = z.object({
  id,
  title: z.string().max(1000).optional(),
  /** Plain text (importers strip HTML). */
  description: z.string().max(100_000).optional(),
  /** Language of title and description (ISO 639). */
  language: language.optional(),
  category: z.string().min(1).max(100).optional(),
  tags: z.array(z.string().min(1).max(200)).max(200).optional(),
  /** The organising entity (a Meetup group, an organiser account). */
  hostId: id.optional(),
  /** The user account behind the host, when there is one (for "host is a friend"). */
  organizerUserId: id.optional(),
  /** When the event was published; it cannot be recommended before. */
  createdAt: epochMs.optional(),
  startsAt: epochMs.optional(),
  durationMinutes: z.number().int().min(0).max(60 * 24 * 366).optional(),
  /** Offset of the event's local time from UTC at `startsAt`. */
  utcOffsetMinutes: utcOffsetMinutes.optional(),
  timezone: z.string().max(64).optional(),
  online: z.boolean().optional(),
  venueId: id.optional(),
  lat: lat.optional(),
  lng: lng.optional(),
  city: z.string().max(200).optional(),
  country: country.optional(),
  /** Ticket price in major units of `currency`; 0 means free. */
  price: z.number().min(0).max(1_000_000).optional(),
  currency: currency.optional(),
  capacity: z.number().int().min(0).optional(),
  status: z.enum(EVENT_STATUSES).optional(),
});
export type Event = z.infer<typeof EventSchema>;

export const INTERACTION_TYPES = [
  'impression',
  'click',
  'register',
  'interested',
  'not_interested',
  'invite',
  'attend',
  'cancel',
] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

export const SURFACES = ['web', 'ios', 'android', 'email', 'push', 'other'] as const;
export type Surface = (typeof SURFACES)[number];

export const InteractionSchema = z.object({
  /** Globally unique; ingesting the same id twice is a no-op. */
  id,
  userId: id,
  eventId: id,
  type: z.enum(INTERACTION_TYPES),
  at: epochMs,
  /** The recommendation response this came from, for online attribution. */
  recommendationId: id.optional(),
  /** Rank position (0-based) in that response. */
  position: z.number().int().min(0).optional(),
  surface: z.enum(SURFACES).optional(),
  /** For `invite`: who sent it (the invitee is `userId`). */
  inviterId: id.optional(),
  /** For `register`: revenue in major units of `currency`. */
  revenue: z.number().min(0).optional(),
  currency: currency.optional(),
});
export type Interaction = z.infer<typeof InteractionSchema>;

/** Undirected: one row per pair; readers treat it symmetrically. */
export const FriendshipSchema = z.object({
  userId: id,
  friendId: id,
  since: epochMs.optional(),
});
export type Friendship = z.infer<typeof FriendshipSchema>;

/** The context of one recommendation request. */
export const RequestContextSchema = z.object({
  /** Request time; defaults to now. Features and filters are computed as of this moment. */
  at: epochMs,
  lat: lat.optional(),
  lng: lng.optional(),
  surface: z.enum(SURFACES).optional(),
  locale: z.string().max(35).optional(),
});
export type RequestContext = z.infer<typeof RequestContextSchema>;

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** Positive feedback that counts as a registration for labels and popularity. */
export function isRegistration(type: InteractionType): boolean {
  return type === 'register' || type === 'attend';
}
