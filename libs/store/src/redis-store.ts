import { Redis } from 'ioredis';
import {
  EvrecError,
  MS_PER_DAY,
  isEvrecError,
  type ActivityQuery,
  type ActivitySnapshot,
  type Event,
  type EventActivity,
  type Friendship,
  type HistoryItem,
  type Interaction,
  type User,
} from '@evrec/core';
import type { DatasetManifest } from '@evrec/data';
import { exportStoreLog } from './export.ts';
import {
  historyMember,
  isHistoryType,
  parseEvent,
  parseFriends,
  parseFriendship,
  parseHistoryMember,
  parseId,
  parseInteractions,
  parseQuery,
  parseUser,
  positiveInt,
} from './input.ts';
import { materializeInto } from './materialize.ts';
import { ALL_SCRIPTS, INGEST, SET_FRIENDS, SNAPSHOT, type LuaScript } from './redis-scripts.ts';
import {
  DEFAULT_HISTORY_LENGTH,
  DEFAULT_MATERIALIZE_CHUNK,
  DEFAULT_MAX_INGEST_BATCH,
  type BulkAccess,
  type ExportLogOptions,
  type FeatureStore,
  type IngestResult,
  type MaterializeOptions,
  type MaterializeResult,
  type MaterializeSource,
  type StoreOptions,
  type TimeRange,
} from './types.ts';

export interface RedisStoreOptions extends StoreOptions {
  /** `redis://[user:pass@]host:port[/db]`. Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Prepended to every key; must be non-empty (`clear()` deletes `<prefix>*`). Default `evrec:`. */
  keyPrefix?: string;
  /** How long an interaction id is remembered for dedupe, in seconds; 0 = forever. Default 7 days. */
  dedupeTtlSeconds?: number;
  /** Approximate cap on the log stream (`XADD MAXLEN ~`); 0 = unbounded. Default 1,000,000 entries. */
  logMaxLen?: number;
  /** Milliseconds to wait for the connection. Default 5,000. */
  connectTimeoutMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'evrec:';
export const DEFAULT_DEDUPE_TTL_SECONDS = 7 * 24 * 3600;
export const DEFAULT_LOG_MAX_LEN = 1_000_000;

/** Key layout (see README): one place builds every key name. */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  dedupe = (interactionId: string) => `${this.prefix}dd:${interactionId}`;
  log = () => `${this.prefix}log`;
  friendsPrefix = () => `${this.prefix}fr:`;
  friends = (userId: string) => `${this.prefix}fr:${userId}`;
  history = (userId: string) => `${this.prefix}hist:${userId}`;
  registrationsPrefix = () => `${this.prefix}reg:`;
  registrations = (userId: string) => `${this.prefix}reg:${userId}`;
  dismissed = (userId: string) => `${this.prefix}dis:${userId}`;
  invites = (userId: string) => `${this.prefix}inv:${userId}`;
  attendees = (eventId: string) => `${this.prefix}att:${eventId}`;
  counters = (eventId: string) => `${this.prefix}ec:${eventId}`;
  user = (userId: string) => `${this.prefix}user:${userId}`;
  event = (eventId: string) => `${this.prefix}event:${eventId}`;
  /** A SCAN MATCH pattern for keys starting with `prefix + rest` (glob characters escaped). */
  pattern = (rest: string) => `${(this.prefix + rest).replace(/[*?[\]\\]/g, '\\$&')}*`;
}

const LOG_PAGE = 1000;
/** Interactions per ingest script call: amortises the call, keeps each one well under a millisecond. */
const INGEST_GROUP = 100;
const SCAN_COUNT = 1000;

function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('NOSCRIPT');
}

/** Connection trouble is UNAVAILABLE (retryable, 503); anything else from Redis is a bug here. */
function storeError(e: unknown, what: string): EvrecError {
  if (isEvrecError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const unavailable = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|LOADING|READONLY/i.test(message);
  return new EvrecError(unavailable ? 'UNAVAILABLE' : 'INTERNAL', `redis ${what}: ${message}`, { cause: e });
}

/**
 * The production store on Redis (7.0+). Each interaction is one Lua script (atomic: counters,
 * attendee set, history, dedupe mark and log entry change together or not at all); a snapshot for
 * one user and all its candidates is one script call, i.e. one round trip.
 */
export class RedisFeatureStore implements FeatureStore, BulkAccess {
  readonly kind = 'redis' as const;
  readonly keys: RedisKeys;
  private readonly historyLength: number;
  private readonly maxIngestBatch: number;
  private readonly chunk: number;
  private readonly dedupeTtl: string;
  private readonly logMaxLen: string;

  private constructor(private readonly client: Redis, options: RedisStoreOptions) {
    const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (prefix === '') throw new EvrecError('INVALID_INPUT', 'keyPrefix: must be non-empty', { field: 'keyPrefix' });
    this.keys = new RedisKeys(prefix);
    this.historyLength = positiveInt(options.historyLength, DEFAULT_HISTORY_LENGTH, 'historyLength');
    this.maxIngestBatch = positiveInt(options.maxIngestBatch, DEFAULT_MAX_INGEST_BATCH, 'maxIngestBatch');
    this.chunk = positiveInt(options.materializeChunk, DEFAULT_MATERIALIZE_CHUNK, 'materializeChunk');
    const ttl = options.dedupeTtlSeconds ?? DEFAULT_DEDUPE_TTL_SECONDS;
    const maxLen = options.logMaxLen ?? DEFAULT_LOG_MAX_LEN;
    if (!Number.isInteger(ttl) || ttl < 0) throw new EvrecError('INVALID_INPUT', 'dedupeTtlSeconds: must be an integer >= 0', { field: 'dedupeTtlSeconds' });
    if (!Number.isInteger(maxLen) || maxLen < 0) throw new EvrecError('INVALID_INPUT', 'logMaxLen: must be an integer >= 0', { field: 'logMaxLen' });
    this.dedupeTtl = String(ttl);
    this.logMaxLen = String(maxLen);
  }

  /** Connects and loads the scripts; UNAVAILABLE when Redis cannot be reached. */
  static async connect(options: RedisStoreOptions = {}): Promise<RedisFeatureStore> {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeoutMs ?? 5000,
      // Fail a request fast while Redis is down instead of queueing it indefinitely.
      maxRetriesPerRequest: 2,
    });
    // Errors surface on the commands; without a listener ioredis would print each reconnect failure.
    client.on('error', () => undefined);
    try {
      const store = new RedisFeatureStore(client, options);
      await client.connect();
      for (const s of ALL_SCRIPTS) await client.script('LOAD', s.source);
      return store;
    } catch (e) {
      client.disconnect();
      if (isEvrecError(e)) throw e;
      throw new EvrecError('UNAVAILABLE', `cannot connect to Redis at ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
    }
  }

  // ---- scripts ----

  private async run(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (e) {
      // The script cache is empty after a Redis restart or SCRIPT FLUSH: send the source once.
      if (isNoScript(e)) return this.client.eval(script.source, keys.length, ...keys, ...args);
      throw e;
    }
  }

  /** Runs many script calls in one pipeline (one round trip); each call is atomic on its own. */
  private async runMany(script: LuaScript, calls: ReadonlyArray<{ keys: string[]; args: (string | number)[] }>): Promise<unknown[]> {
    const send = async (batch: typeof calls): Promise<Array<[Error | null, unknown]>> => {
      const p = this.client.pipeline();
      for (const c of batch) p.evalsha(script.sha, c.keys.length, ...c.keys, ...c.args);
      const res = await p.exec();
      if (res === null) throw new EvrecError('UNAVAILABLE', 'redis pipeline was discarded');
      return res;
    };
    let res = await send(calls);
    const missing = res.flatMap(([err], i) => (isNoScript(err) ? [i] : []));
    if (missing.length > 0) {
      // NOSCRIPT means that call did nothing, so loading the script and re-sending just those is safe.
      await this.client.script('LOAD', script.source);
      const retried = await send(missing.map((i) => calls[i]));
      res = [...res];
      missing.forEach((i, k) => (res[i] = retried[k]));
    }
    return res.map(([err, value]) => {
      if (err) throw err;
      return value;
    });
  }

  // ---- reads ----

  async snapshot(query: ActivityQuery): Promise<ActivitySnapshot> {
    const { userId, eventIds, at } = parseQuery(query);
    const k = this.keys;
    const keys = [k.friends(userId), k.history(userId), k.registrations(userId), k.dismissed(userId), k.invites(userId)];
    for (const e of eventIds) keys.push(k.attendees(e), k.counters(e));
    const args = [String(at), `(${at}`, String(at - MS_PER_DAY), String(at - 7 * MS_PER_DAY), this.historyLength, k.registrationsPrefix(), ...eventIds];
    let raw: unknown;
    try {
      raw = await this.run(SNAPSHOT, keys, args);
    } catch (e) {
      throw storeError(e, 'snapshot');
    }
    if (!Array.isArray(raw) || raw.length !== 5) throw new EvrecError('INTERNAL', 'redis snapshot: unexpected reply shape');
    const [friends, hist, regs, dismissed, nums] = raw as [string[], string[], string[], string[], number[]];

    const history: HistoryItem[] = [];
    for (let i = 0; i + 1 < hist.length; i += 2) history.push({ ...parseHistoryMember(hist[i]), at: Number(hist[i + 1]) });
    const registered: string[] = [];
    for (let i = 0; i + 1 < regs.length; i += 2) if (Number(regs[i + 1]) < at) registered.push(regs[i]);
    const events: Record<string, EventActivity> = {};
    eventIds.forEach((eventId, i) => {
      const b = i * 7;
      events[eventId] = {
        registrations: nums[b],
        registrations1d: nums[b + 1],
        registrations7d: nums[b + 2],
        impressions: nums[b + 3],
        clicks: nums[b + 4],
        friendsRegistered: nums[b + 5],
        invitesReceived: nums[b + 6],
      };
    });
    return {
      at,
      user: { userId, friendIds: friends.sort(), history, registeredEventIds: registered.sort(), dismissedEventIds: dismissed.sort() },
      events,
    };
  }

  async getUser(id: string): Promise<User | undefined> {
    const raw = await this.get(this.keys.user(parseId(id, 'userId')));
    return raw === null ? undefined : (JSON.parse(raw) as User);
  }

  async getEvent(id: string): Promise<Event | undefined> {
    const raw = await this.get(this.keys.event(parseId(id, 'eventId')));
    return raw === null ? undefined : (JSON.parse(raw) as Event);
  }

  private async get(key: string): Promise<string | null> {
    try {
      return await this.client.get(key);
    } catch (e) {
      throw storeError(e, 'get');
    }
  }

  // ---- writes ----

  async ingest(interactions: readonly Interaction[]): Promise<IngestResult> {
    return this.ingestTrusted(parseInteractions(interactions, this.maxIngestBatch));
  }

  async ingestTrusted(interactions: readonly Interaction[]): Promise<IngestResult> {
    const k = this.keys;
    let accepted = 0;
    for (let start = 0; start < interactions.length; start += this.chunk) {
      // One pipeline per chunk, one script call per group inside it.
      const calls: Array<{ keys: string[]; args: (string | number)[] }> = [];
      const chunk = interactions.slice(start, start + this.chunk);
      for (let g = 0; g < chunk.length; g += INGEST_GROUP) {
        const keys: string[] = [];
        const args: (string | number)[] = [this.historyLength, this.dedupeTtl, this.logMaxLen];
        for (const i of chunk.slice(g, g + INGEST_GROUP)) {
          keys.push(
            k.dedupe(i.id),
            k.log(),
            k.history(i.userId),
            k.registrations(i.userId),
            k.dismissed(i.userId),
            k.invites(i.userId),
            k.attendees(i.eventId),
            k.counters(i.eventId),
          );
          args.push(i.type, i.userId, i.eventId, String(i.at), JSON.stringify(i), isHistoryType(i.type) ? historyMember(i) : '');
        }
        calls.push({ keys, args });
      }
      try {
        for (const r of await this.runMany(INGEST, calls)) accepted += typeof r === 'number' ? r : 0;
      } catch (e) {
        throw storeError(e, 'ingest');
      }
    }
    return { accepted, duplicates: interactions.length - accepted };
  }

  async setFriends(userId: string, friendIds: readonly string[]): Promise<void> {
    const v = parseFriends(userId, friendIds);
    try {
      await this.run(SET_FRIENDS, [this.keys.friends(v.userId)], [this.keys.friendsPrefix(), v.userId, ...v.friendIds]);
    } catch (e) {
      throw storeError(e, 'setFriends');
    }
  }

  async addFriendship(friendship: Friendship): Promise<void> {
    await this.putFriendships([parseFriendship(friendship)]);
  }

  async putFriendships(friendships: readonly Friendship[]): Promise<void> {
    // MULTI per call: both directions of every pair land together.
    await this.exec('friendships', (m) => {
      for (const f of friendships) {
        m.sadd(this.keys.friends(f.userId), f.friendId);
        m.sadd(this.keys.friends(f.friendId), f.userId);
      }
    });
  }

  async upsertUser(user: User): Promise<void> {
    await this.putUsers([parseUser(user)]);
  }

  async putUsers(users: readonly User[]): Promise<void> {
    await this.exec('users', (m) => {
      for (const u of users) m.set(this.keys.user(u.id), JSON.stringify(u));
    });
  }

  async upsertEvent(event: Event): Promise<void> {
    await this.putEvents([parseEvent(event)]);
  }

  async putEvents(events: readonly Event[]): Promise<void> {
    await this.exec('events', (m) => {
      for (const e of events) m.set(this.keys.event(e.id), JSON.stringify(e));
    });
  }

  private async exec(what: string, fill: (m: ReturnType<Redis['multi']>) => void): Promise<void> {
    const m = this.client.multi();
    fill(m);
    try {
      const res = await m.exec();
      if (res === null) throw new EvrecError('UNAVAILABLE', `redis ${what}: transaction was discarded`);
      for (const [err] of res) if (err) throw err;
    } catch (e) {
      throw storeError(e, what);
    }
  }

  // ---- log, export, bulk load ----

  async *readLog(range: TimeRange = {}): AsyncIterable<Interaction> {
    const from = range.from ?? -Infinity;
    const to = range.to ?? Infinity;
    let start = '-';
    for (;;) {
      let page: [string, string[]][];
      try {
        page = await this.client.xrange(this.keys.log(), start, '+', 'COUNT', LOG_PAGE);
      } catch (e) {
        throw storeError(e, 'readLog');
      }
      for (const [, fields] of page) {
        const json = fields[fields.indexOf('i') + 1];
        if (json === undefined) continue;
        const i = JSON.parse(json) as Interaction;
        if (i.at >= from && i.at < to) yield i;
      }
      if (page.length < LOG_PAGE) return;
      start = `(${page[page.length - 1][0]}`;
    }
  }

  private async *scanKeys(rest: string): AsyncIterable<string[]> {
    let cursor = '0';
    do {
      let keys: string[];
      try {
        [cursor, keys] = await this.client.scan(cursor, 'MATCH', this.keys.pattern(rest), 'COUNT', SCAN_COUNT);
      } catch (e) {
        throw storeError(e, 'scan');
      }
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }

  async *allUsers(): AsyncIterable<User> {
    for await (const keys of this.scanKeys('user:')) {
      for (const raw of await this.client.mget(keys)) if (raw !== null) yield JSON.parse(raw) as User;
    }
  }

  async *allEvents(): AsyncIterable<Event> {
    for await (const keys of this.scanKeys('event:')) {
      for (const raw of await this.client.mget(keys)) if (raw !== null) yield JSON.parse(raw) as Event;
    }
  }

  async *allFriendships(): AsyncIterable<Friendship> {
    const skip = this.keys.friendsPrefix().length;
    for await (const keys of this.scanKeys('fr:')) {
      const p = this.client.pipeline();
      for (const key of keys) p.smembers(key);
      const res = (await p.exec()) ?? [];
      for (let i = 0; i < keys.length; i++) {
        const userId = keys[i].slice(skip);
        const members = (res[i]?.[1] ?? []) as string[];
        for (const friendId of members) if (userId < friendId) yield { userId, friendId };
      }
    }
  }

  exportLog(options: ExportLogOptions): Promise<DatasetManifest> {
    return exportStoreLog(this, this.kind, options);
  }

  materialize(source: MaterializeSource, options: MaterializeOptions = {}): Promise<MaterializeResult> {
    return materializeInto(this, source, options, this.chunk);
  }

  async clear(): Promise<void> {
    for await (const keys of this.scanKeys('')) {
      try {
        await this.client.unlink(...keys);
      } catch (e) {
        throw storeError(e, 'clear');
      }
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.ping();
    } catch (e) {
      throw new EvrecError('UNAVAILABLE', `redis ping: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through to a hard disconnect
      }
    }
    this.client.disconnect();
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
