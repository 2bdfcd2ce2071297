import {
  EvrecError,
  MS_PER_DAY,
  emptyEventActivity,
  type ActivityQuery,
  type ActivitySnapshot,
  type Event,
  type EventActivity,
  type Friendship,
  type HistoryItem,
  type Interaction,
  type InteractionType,
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
  parseId,
  parseInteractions,
  parseQuery,
  parseUser,
  positiveInt,
} from './input.ts';
import { AppendLog, logLines, type FsyncPolicy, type LogLine } from './jsonl-log.ts';
import { materializeInto } from './materialize.ts';
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

export interface MemoryStoreOptions extends StoreOptions {
  /**
   * Append-only JSON Lines log of every mutation (interactions, friendships, users, events). On open
   * the file is replayed to rebuild the state, so a restart loses nothing. Default: none — state lives
   * and dies with the process, and `readLog`/`exportLog` are UNSUPPORTED.
   */
  logPath?: string;
  /**
   * `always` (default): fsync after each write call, before it resolves — survives a power loss.
   * `never`: leave flushing to the OS — survives a process crash, not a machine crash; faster.
   */
  logFsync?: FsyncPolicy;
}

/** One log line. Interactions carry the validated interaction; the rest replays catalogue writes. */
type LogRecord =
  | { op: 'interaction'; v: Interaction }
  | { op: 'friends'; userId: string; friendIds: string[] }
  | { op: 'friendship'; v: Friendship }
  | { op: 'user'; v: User }
  | { op: 'event'; v: Event };

interface HistoryEntry {
  at: number;
  member: string;
  eventId: string;
  type: InteractionType;
}

class UserState {
  friends = new Set<string>();
  /** Sorted ascending by (at, member), newest last; capped. */
  history: HistoryEntry[] = [];
  /** eventId → registration time. */
  registrations = new Map<string, number>();
  dismissed = new Set<string>();
  invites = new Map<string, number>();
}

class EventState {
  /** userId → registration time. */
  attendees = new Map<string, number>();
  /** Registration times, ascending (a multiset), for window counts by binary search. */
  times: number[] = [];
  impressions = 0;
  clicks = 0;
}

/** Index of the first element >= x. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function cmpHistory(a: HistoryEntry, b: HistoryEntry): number {
  return a.at - b.at || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0);
}

/**
 * The in-process store: plain maps, every operation synchronous underneath (so each interaction
 * is applied atomically by construction), with an optional append-only log file written ahead of
 * the in-memory change. The embedded default; semantics identical to `RedisFeatureStore`
 * (one contract suite runs against both).
 */
export class MemoryFeatureStore implements FeatureStore, BulkAccess {
  readonly kind = 'memory' as const;
  private users = new Map<string, UserState>();
  private events = new Map<string, EventState>();
  private userRecords = new Map<string, User>();
  private eventRecords = new Map<string, Event>();
  /** Every interaction id ever accepted; rebuilt from the log on open (retention = the log's). */
  private seen = new Set<string>();
  private closed = false;
  private readonly historyLength: number;
  private readonly maxIngestBatch: number;
  private readonly chunk: number;
  private log: AppendLog | undefined;

  private constructor(options: MemoryStoreOptions) {
    this.historyLength = positiveInt(options.historyLength, DEFAULT_HISTORY_LENGTH, 'historyLength');
    this.maxIngestBatch = positiveInt(options.maxIngestBatch, DEFAULT_MAX_INGEST_BATCH, 'maxIngestBatch');
    this.chunk = positiveInt(options.materializeChunk, DEFAULT_MATERIALIZE_CHUNK, 'materializeChunk');
  }

  /** Creates the store, replaying `logPath` when given. */
  static async open(options: MemoryStoreOptions = {}): Promise<MemoryFeatureStore> {
    const store = new MemoryFeatureStore(options);
    if (options.logPath !== undefined) {
      store.log = await AppendLog.open(options.logPath, options.logFsync ?? 'always', (l) => store.replay(l, options.logPath ?? ''));
    }
    return store;
  }

  // ---- reads ----

  async snapshot(query: ActivityQuery): Promise<ActivitySnapshot> {
    this.requireOpen();
    const { userId, eventIds, at } = parseQuery(query);
    const user = this.users.get(userId);
    const history: HistoryItem[] = [];
    if (user) {
      for (let i = user.history.length - 1; i >= 0 && history.length < this.historyLength; i--) {
        const h = user.history[i];
        if (h.at < at) history.push({ eventId: h.eventId, type: h.type, at: h.at });
      }
    }
    const registered: string[] = [];
    for (const [eventId, t] of user?.registrations ?? []) if (t < at) registered.push(eventId);
    const events: Record<string, EventActivity> = {};
    for (const eventId of eventIds) events[eventId] = this.eventActivity(user, eventId, at);
    return {
      at,
      user: {
        userId,
        friendIds: [...(user?.friends ?? [])].sort(),
        history,
        registeredEventIds: registered.sort(),
        dismissedEventIds: [...(user?.dismissed ?? [])].sort(),
      },
      events,
    };
  }

  private eventActivity(user: UserState | undefined, eventId: string, at: number): EventActivity {
    const ev = this.events.get(eventId);
    const out = emptyEventActivity();
    out.invitesReceived = user?.invites.get(eventId) ?? 0;
    if (!ev) return out;
    const before = lowerBound(ev.times, at);
    out.registrations = before;
    out.registrations1d = before - lowerBound(ev.times, at - MS_PER_DAY);
    out.registrations7d = before - lowerBound(ev.times, at - 7 * MS_PER_DAY);
    out.impressions = ev.impressions;
    out.clicks = ev.clicks;
    if (user && user.friends.size > 0 && ev.attendees.size > 0) {
      let n = 0;
      if (user.friends.size <= ev.attendees.size) {
        for (const f of user.friends) {
          const t = ev.attendees.get(f);
          if (t !== undefined && t < at) n++;
        }
      } else {
        for (const [u, t] of ev.attendees) if (t < at && user.friends.has(u)) n++;
      }
      out.friendsRegistered = n;
    }
    return out;
  }

  async getUser(id: string): Promise<User | undefined> {
    this.requireOpen();
    return this.userRecords.get(parseId(id, 'userId'));
  }

  async getEvent(id: string): Promise<Event | undefined> {
    this.requireOpen();
    return this.eventRecords.get(parseId(id, 'eventId'));
  }

  // ---- writes: validate, append to the log, then apply ----

  async ingest(interactions: readonly Interaction[]): Promise<IngestResult> {
    this.requireOpen();
    return this.ingestTrusted(parseInteractions(interactions, this.maxIngestBatch));
  }

  async ingestTrusted(interactions: readonly Interaction[]): Promise<IngestResult> {
    this.requireOpen();
    const fresh: Interaction[] = [];
    const batchIds = new Set<string>();
    for (const i of interactions) {
      if (this.seen.has(i.id) || batchIds.has(i.id)) continue;
      batchIds.add(i.id);
      fresh.push(i);
    }
    this.log?.append(fresh.map((v): LogRecord => ({ op: 'interaction', v })));
    for (const i of fresh) this.applyInteraction(i);
    return { accepted: fresh.length, duplicates: interactions.length - fresh.length };
  }

  async setFriends(userId: string, friendIds: readonly string[]): Promise<void> {
    this.requireOpen();
    const v = parseFriends(userId, friendIds);
    this.log?.append([{ op: 'friends', ...v } satisfies LogRecord]);
    this.applyFriends(v.userId, v.friendIds);
  }

  async addFriendship(friendship: Friendship): Promise<void> {
    this.requireOpen();
    await this.putFriendships([parseFriendship(friendship)]);
  }

  async putFriendships(friendships: readonly Friendship[]): Promise<void> {
    this.requireOpen();
    this.log?.append(friendships.map((v): LogRecord => ({ op: 'friendship', v })));
    for (const f of friendships) this.applyFriendship(f);
  }

  async upsertUser(user: User): Promise<void> {
    this.requireOpen();
    await this.putUsers([parseUser(user)]);
  }

  async putUsers(users: readonly User[]): Promise<void> {
    this.requireOpen();
    this.log?.append(users.map((v): LogRecord => ({ op: 'user', v })));
    for (const u of users) this.userRecords.set(u.id, u);
  }

  async upsertEvent(event: Event): Promise<void> {
    this.requireOpen();
    await this.putEvents([parseEvent(event)]);
  }

  async putEvents(events: readonly Event[]): Promise<void> {
    this.requireOpen();
    this.log?.append(events.map((v): LogRecord => ({ op: 'event', v })));
    for (const e of events) this.eventRecords.set(e.id, e);
  }

  // ---- the state machine (shared by live writes and log replay) ----

  private user(id: string): UserState {
    let u = this.users.get(id);
    if (!u) this.users.set(id, (u = new UserState()));
    return u;
  }

  private event(id: string): EventState {
    let e = this.events.get(id);
    if (!e) this.events.set(id, (e = new EventState()));
    return e;
  }

  private applyInteraction(i: Interaction): void {
    this.seen.add(i.id);
    const user = this.user(i.userId);
    switch (i.type) {
      case 'impression':
        this.event(i.eventId).impressions++;
        break;
      case 'click':
        this.event(i.eventId).clicks++;
        break;
      case 'register':
      case 'attend':
        // `attend` counts as a registration only when none stands.
        if (!user.registrations.has(i.eventId)) {
          const ev = this.event(i.eventId);
          user.registrations.set(i.eventId, i.at);
          ev.attendees.set(i.userId, i.at);
          ev.times.splice(lowerBound(ev.times, i.at), 0, i.at);
        }
        break;
      case 'cancel': {
        const t = user.registrations.get(i.eventId);
        const ev = this.events.get(i.eventId);
        if (t !== undefined && ev) {
          user.registrations.delete(i.eventId);
          ev.attendees.delete(i.userId);
          ev.times.splice(lowerBound(ev.times, t), 1);
        }
        break;
      }
      case 'not_interested':
        user.dismissed.add(i.eventId);
        break;
      case 'invite':
        user.invites.set(i.eventId, (user.invites.get(i.eventId) ?? 0) + 1);
        break;
      case 'interested':
        break;
    }
    if (isHistoryType(i.type)) {
      const entry: HistoryEntry = { at: i.at, member: historyMember(i), eventId: i.eventId, type: i.type };
      const h = user.history;
      // Insert in order; appends are the common case (interactions arrive roughly in time order).
      let k = h.length;
      while (k > 0 && cmpHistory(h[k - 1], entry) > 0) k--;
      h.splice(k, 0, entry);
      if (h.length > this.historyLength) h.splice(0, h.length - this.historyLength);
    }
  }

  private applyFriends(userId: string, friendIds: readonly string[]): void {
    const u = this.user(userId);
    const next = new Set(friendIds);
    for (const old of u.friends) if (!next.has(old)) this.users.get(old)?.friends.delete(userId);
    for (const f of next) this.user(f).friends.add(userId);
    u.friends = next;
  }

  private applyFriendship(f: Friendship): void {
    this.user(f.userId).friends.add(f.friendId);
    this.user(f.friendId).friends.add(f.userId);
  }

  private replay({ line, value }: LogLine, file: string): void {
    const r = value as LogRecord;
    switch (r?.op) {
      case 'interaction':
        this.applyInteraction(r.v);
        return;
      case 'friends':
        this.applyFriends(r.userId, r.friendIds);
        return;
      case 'friendship':
        this.applyFriendship(r.v);
        return;
      case 'user':
        this.userRecords.set(r.v.id, r.v);
        return;
      case 'event':
        this.eventRecords.set(r.v.id, r.v);
        return;
      default:
        throw new EvrecError('INVALID_DATA', 'log record has no known "op"', { location: { file, line, field: 'op' } });
    }
  }

  // ---- log, export, bulk load ----

  async *readLog(range: TimeRange = {}): AsyncIterable<Interaction> {
    this.requireOpen();
    if (!this.log) {
      throw new EvrecError('UNSUPPORTED', 'this memory store has no log file: open it with `logPath` to keep and export the interaction log');
    }
    const from = range.from ?? -Infinity;
    const to = range.to ?? Infinity;
    for await (const { value } of logLines(this.log.path)) {
      const r = value as LogRecord;
      if (r.op === 'interaction' && r.v.at >= from && r.v.at < to) yield r.v;
    }
  }

  async *allUsers(): AsyncIterable<User> {
    yield* this.userRecords.values();
  }

  async *allEvents(): AsyncIterable<Event> {
    yield* this.eventRecords.values();
  }

  async *allFriendships(): AsyncIterable<Friendship> {
    for (const [userId, u] of this.users) for (const friendId of u.friends) if (userId < friendId) yield { userId, friendId };
  }

  exportLog(options: ExportLogOptions): Promise<DatasetManifest> {
    this.requireOpen();
    return exportStoreLog(this, this.kind, options);
  }

  materialize(source: MaterializeSource, options: MaterializeOptions = {}): Promise<MaterializeResult> {
    this.requireOpen();
    return materializeInto(this, source, options, this.chunk);
  }

  async clear(): Promise<void> {
    this.requireOpen();
    this.log?.truncate();
    this.users.clear();
    this.events.clear();
    this.userRecords.clear();
    this.eventRecords.clear();
    this.seen.clear();
  }

  async ping(): Promise<void> {
    this.requireOpen();
  }

  async close(): Promise<void> {
    this.log?.close();
    this.closed = true;
  }

  private requireOpen(): void {
    if (this.closed) throw new EvrecError('UNAVAILABLE', 'the feature store is closed');
  }
}
