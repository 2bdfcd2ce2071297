import { randomBytes } from 'node:crypto';
import { EvrecError } from '@evrec/core';
import type { CandidateSource } from '@evrec/retrieval';
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

/**
 * Ranked lists by recommendationId, so cursor paging continues ONE ranking (no duplicates or gaps
 * across pages even when the model or the store changes meanwhile). In-process: with several
 * replicas, a cursor is served by the replica that made it (route by user, or accept a 404 and
 * restart the list).
 */
export class ListCache {
  private readonly cache: TtlCache<string, RankedList>;

  constructor(options: ListCacheOptions = {}) {
    this.cache = new TtlCache({ maxEntries: options.maxLists ?? 5000, ttlMs: options.ttlMs ?? 15 * 60_000 });
  }

  put(list: RankedList): void {
    this.cache.set(list.recommendationId, list);
  }

  get(recommendationId: string): RankedList | undefined {
    return this.cache.get(recommendationId);
  }

  /** The list a cursor continues, checked against the user asking; NOT_FOUND once expired. */
  resolve(cursor: string, userId: string): { list: RankedList; offset: number } {
    const { recommendationId, offset } = decodeCursor(cursor);
    const list = this.cache.get(recommendationId);
    if (list === undefined) {
      throw new EvrecError('NOT_FOUND', `query.cursor: recommendation ${recommendationId} expired or unknown; request the first page again`, { field: 'query.cursor' });
    }
    if (list.userId !== userId) throw new EvrecError('INVALID_INPUT', 'query.cursor: this cursor belongs to another user', { field: 'query.cursor' });
    return { list, offset };
  }
}
