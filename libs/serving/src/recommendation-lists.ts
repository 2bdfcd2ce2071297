import { randomBytes } from 'node:crypto';
import { EvrecError } from '@evrec/core';
import { z } from 'zod';
import { CANDIDATE_SOURCES, type CandidateSource } from '@evrec/retrieval';
import type { ReasonContext } from './post-process.ts';
import { TtlCache } from './ttl-cache.ts';

/** One ranked item as cached (event details and reasons are made at page time, for the page only). */
export interface ListItem {
  eventId: string;
  score: number;
  sources: CandidateSource[];
  /** Friends registered (for the `friends_going` reason), as read when the list was made. */
  friendsRegistered: number;
  /** Registrations in the 7 days before the request (for `popular`). */
  registrations7d: number;
}

/** A full ranked list behind one recommendationId; pages are slices of it. */
export interface RankedList {
  recommendationId: string;
  userId: string;
  modelVersion: string;
  degraded: boolean;
  at: number;
  items: ListItem[];
  /** What the reasons of every item are computed against. */
  reasonContext: ReasonContext;
}

/**
 * Recommendation ids carry the model version (`<random>.<version>`), so feedback can be attributed
 * to the model that served it on any replica, long after the cached list expired.
 */
export function newRecommendationId(modelVersion: string): string {
  return `${randomBytes(8).toString('hex')}.${modelVersion}`;
}

/** The model version inside a recommendation id, or `unknown` for ids not made here. */
export function modelVersionOf(recommendationId: string): string {
  const dot = recommendationId.indexOf('.');
  return /^[0-9a-f]{16}\./.test(recommendationId) && dot + 1 < recommendationId.length ? recommendationId.slice(dot + 1) : 'unknown';
}

/** Cursor = base64url of `{"r": recommendationId, "o": offset}`. */
export function encodeCursor(recommendationId: string, offset: number): string {
  return Buffer.from(JSON.stringify({ r: recommendationId, o: offset })).toString('base64url');
}

export function decodeCursor(cursor: string): { recommendationId: string; offset: number } {
  const bad = (): never => {
    throw new EvrecError('INVALID_INPUT', 'query.cursor: not a cursor this API issued', { field: 'query.cursor' });
  };
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return bad();
  }
  if (typeof v !== 'object' || v === null) return bad();
  const { r, o } = v as { r?: unknown; o?: unknown };
  if (typeof r !== 'string' || r === '' || typeof o !== 'number' || !Number.isInteger(o) || o < 0) return bad();
  return { recommendationId: r, offset: o };
}

export interface ListCacheOptions {
  /** Lists kept (least recently used go first). Default 5,000. */
  maxLists?: number;
  /** How long a cursor stays valid, ms. Default 15 minutes. */
  ttlMs?: number;
}

/** Default lifetime of a ranked list (what a cursor can page through), ms: 15 minutes. */
export const DEFAULT_LIST_TTL_MS = 15 * 60_000;

/**
 * Where ranked lists live between the first page and the cursors that continue them: this
 * process (`MemoryListStore`, the default) or Redis (`RedisListStore`, shared by every replica, so a
 * cursor made by one replica pages on any other). Lists are immutable once put.
 */
export interface RecommendationListStore {
  /** `memory`: this process only; `redis`: shared by the replicas. */
  readonly kind: 'memory' | 'redis';
  /** Keeps a list for the store's TTL. */
  put(list: RankedList): Promise<void>;
  /** The list behind a recommendationId, or undefined once expired (or never made). */
  get(recommendationId: string): Promise<RankedList | undefined>;
}

/** Ranked lists in this process: a bounded LRU whose entries expire (today's single-process behaviour). */
export class MemoryListStore implements RecommendationListStore {
  readonly kind = 'memory' as const;
  private readonly cache: TtlCache<string, RankedList>;

  constructor(options: ListCacheOptions = {}) {
    this.cache = new TtlCache({ maxEntries: options.maxLists ?? 5000, ttlMs: options.ttlMs ?? DEFAULT_LIST_TTL_MS });
  }

  async put(list: RankedList): Promise<void> {
    this.cache.set(list.recommendationId, list);
  }

  async get(recommendationId: string): Promise<RankedList | undefined> {
    return this.cache.get(recommendationId);
  }
}

/**
 * The list a cursor continues, checked against the user asking: INVALID_INPUT for a cursor this
 * API did not issue or one of another user's lists, NOT_FOUND once the list expired.
 */
export async function resolveCursor(store: RecommendationListStore, cursor: string, userId: string): Promise<{ list: RankedList; offset: number }> {
  const { recommendationId, offset } = decodeCursor(cursor);
  const list = await store.get(recommendationId);
  if (list === undefined) {
    throw new EvrecError('NOT_FOUND', `query.cursor: recommendation ${recommendationId} expired or unknown; request the first page again`, { field: 'query.cursor' });
  }
  if (list.userId !== userId) throw new EvrecError('INVALID_INPUT', 'query.cursor: this cursor belongs to another user', { field: 'query.cursor' });
  return { list, offset };
}

const ListItemJsonSchema = z.strictObject({
  eventId: z.string().min(1),
  score: z.number(),
  sources: z.array(z.enum(CANDIDATE_SOURCES)),
  friendsRegistered: z.number().min(0),
  registrations7d: z.number().min(0),
});

/** A RankedList as stored outside the process (`pastHosts` is an array there). Version 1. */
const RankedListJsonSchema = z.strictObject({
  v: z.literal(1),
  recommendationId: z.string().min(1),
  userId: z.string().min(1),
  modelVersion: z.string().min(1),
  degraded: z.boolean(),
  at: z.number(),
  items: z.array(ListItemJsonSchema),
  reasonContext: z.strictObject({
    at: z.number(),
    location: z.strictObject({ lat: z.number(), lng: z.number() }).nullable(),
    pastHosts: z.array(z.string()),
    hasHistory: z.boolean(),
  }),
});

/** JSON of a ranked list (the `pastHosts` Set as an array), for stores outside the process. */
export function serializeRankedList(list: RankedList): string {
  const { reasonContext: c } = list;
  return JSON.stringify({
    v: 1,
    recommendationId: list.recommendationId,
    userId: list.userId,
    modelVersion: list.modelVersion,
    degraded: list.degraded,
    at: list.at,
    items: list.items.map((i) => ({ eventId: i.eventId, score: i.score, sources: i.sources, friendsRegistered: i.friendsRegistered, registrations7d: i.registrations7d })),
    reasonContext: { at: c.at, location: c.location === null ? null : { lat: c.location.lat, lng: c.location.lng }, pastHosts: [...c.pastHosts], hasHistory: c.hasHistory },
  });
}

/** The inverse of serializeRankedList; INTERNAL when the text is not such a list (it comes from outside the process: validated). */
export function parseRankedList(json: string): RankedList {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new EvrecError('INTERNAL', `stored ranked list: malformed JSON (${(e as Error).message})`, { cause: e });
  }
  const r = RankedListJsonSchema.safeParse(value);
  if (!r.success) throw new EvrecError('INTERNAL', `stored ranked list: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const { v: _v, reasonContext, ...rest } = r.data;
  return { ...rest, reasonContext: { ...reasonContext, pastHosts: new Set(reasonContext.pastHosts) } };
}
