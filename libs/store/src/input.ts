import { z } from 'zod';
import {
  EventSchema,
  EvrecError,
  FriendshipSchema,
  InteractionSchema,
  UserSchema,
  parseWith,
  type ActivityQuery,
  type Event,
  type Friendship,
  type Interaction,
  type InteractionType,
  type User,
} from '@evrec/core';

/** Validation at the store's edges. Messages name the field (`interactions[3].at`, `query.userId`). */

const id = z.string().min(1, 'must be a non-empty string').max(256, 'must be at most 256 characters');

export const ActivityQuerySchema = z.object({
  userId: id,
  eventIds: z.array(id).max(10_000, 'at most 10,000 event ids per snapshot'),
  at: z.number().int('must be an integer (epoch milliseconds)').min(0, 'must be >= 0 (epoch milliseconds)'),
});

export function parseQuery(query: ActivityQuery): ActivityQuery {
  return parseWith(ActivityQuerySchema, query, 'query');
}

export function parseInteractions(interactions: readonly Interaction[], maxBatch: number): Interaction[] {
  if (!Array.isArray(interactions)) {
    throw new EvrecError('INVALID_INPUT', 'interactions: expected an array', { field: 'interactions' });
  }
  if (interactions.length > maxBatch) {
    throw new EvrecError('TOO_LARGE', `interactions: ${interactions.length} items, at most ${maxBatch} per ingest call`, {
      field: 'interactions',
      details: { count: interactions.length, max: maxBatch },
    });
  }
  return parseWith(z.array(InteractionSchema), interactions, 'interactions');
}

export function parseFriends(userId: string, friendIds: readonly string[]): { userId: string; friendIds: string[] } {
  const v = parseWith(z.object({ userId: id, friendIds: z.array(id) }), { userId, friendIds }, 'friends');
  // A user is never their own friend; duplicates collapse.
  return { userId: v.userId, friendIds: [...new Set(v.friendIds)].filter((f) => f !== v.userId) };
}

export function parseFriendship(f: Friendship): Friendship {
  const v = parseWith(FriendshipSchema, f, 'friendship');
  if (v.userId === v.friendId) throw new EvrecError('INVALID_INPUT', 'friendship.friendId: must differ from userId', { field: 'friendship.friendId' });
  return v;
}

export const parseUser = (u: User): User => parseWith(UserSchema, u, 'user');
export const parseEvent = (e: Event): Event => parseWith(EventSchema, e, 'event');
export const parseId = (value: string, what: string): string => parseWith(id, value, what);

/** Positive feedback kept in the per-user history (see `UserActivity.history`). */
export function isHistoryType(type: InteractionType): boolean {
  return type === 'register' || type === 'attend' || type === 'interested' || type === 'click';
}

/**
 * History entries are stored as `[type, eventId, interactionId]` JSON, sorted by `at` then by this
 * string. Both stores use the same string, so ties in `at` order the same way (Redis compares bytes,
 * JS compares UTF-16 units; they agree for everything below U+D800, i.e. all realistic ids).
 */
export function historyMember(i: Pick<Interaction, 'type' | 'eventId' | 'id'>): string {
  return JSON.stringify([i.type, i.eventId, i.id]);
}

export function parseHistoryMember(member: string): { type: InteractionType; eventId: string } {
  const v: unknown = JSON.parse(member);
  if (!Array.isArray(v) || typeof v[0] !== 'string' || typeof v[1] !== 'string') {
    throw new EvrecError('INTERNAL', `malformed history entry ${member}`);
  }
  return { type: v[0] as InteractionType, eventId: v[1] };
}

export function positiveInt(value: number | undefined, fallback: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new EvrecError('INVALID_INPUT', `${what}: must be a positive integer`, { field: what });
  return v;
}
