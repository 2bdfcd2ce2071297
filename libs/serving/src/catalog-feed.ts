import type { Redis } from 'ioredis';
import { z } from 'zod';
import { EventSchema, type Event, type Logger } from '@evrec/core';
import type { EventRecords } from './event-records.ts';
import type { ServingMetrics } from './metrics.ts';
import { redisError, type ServingRedisKeys } from './shared-state.ts';

/**
 * One catalogue change as the replicas exchange it: an event upserted or cancelled (with the
 * record, which the receiver applies exactly like the local path), or events whose registrations
 * changed (the receiver re-reads their popularity counters from the store).
 */
export type CatalogFeedChange = { op: 'upsert'; event: Event } | { op: 'cancel'; event: Event } | { op: 'stats'; eventIds: string[] };

/** What the engine needs from the feed: announce a change it accepted. */
export interface CatalogChangePublisher {
  /**
   * Announces `change` to the other replicas (after the store has it, before the caller applies
   * it). `superseded` is true when a later change to the same event, made by another replica, was
   * already applied here: the caller then leaves its own change unapplied, so that every replica
   * ends with the change that came last in the feed.
   */
  publish(change: CatalogFeedChange): Promise<{ id: string; superseded: boolean }>;
}

const MAX_ID_LENGTH = 256;
/** Fields of one stream entry (from outside the process: validated). */
const FeedEntrySchema = z.object({ replica: z.string().min(1).max(MAX_ID_LENGTH), change: z.string().min(2) });
const CatalogFeedChangeSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), event: EventSchema }),
  z.object({ op: z.literal('cancel'), event: EventSchema }),
  z.object({ op: z.literal('stats'), eventIds: z.array(z.string().min(1).max(MAX_ID_LENGTH)).min(1).max(10_000) }),
]);

/** Parses one entry's flat field list (`[k1, v1, k2, v2, …]`); throws a zod error or SyntaxError when malformed. */
export function parseFeedEntry(fields: readonly string[]): { replica: string; change: CatalogFeedChange } {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
  const entry = FeedEntrySchema.parse(record);
  return { replica: entry.replica, change: CatalogFeedChangeSchema.parse(JSON.parse(entry.change)) };
}

/** Orders stream ids (`<ms>-<seq>`); `0-0` is before every entry. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm);
  if (d !== 0n) return d < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

export interface CatalogChangeFeedOptions {
  /** A connected command client (XADD, XINFO); the caller owns it. The blocking reader is a duplicate the feed owns. */
  redis: Redis;
  keys: ServingRedisKeys;
  /** This process's replica id: its own entries are marked with it and skipped when read back. Required. */
  replicaId: string;
  /** The live catalogue records the changes are applied to (the bundle manager follows them). */
  records: EventRecords;
  /** Approximate cap on the stream (`XADD MAXLEN ~`). Default 10,000 entries. */
  maxLen?: number;
  /** Longest wait of one `XREAD BLOCK` (ms); an entry is delivered as soon as it is added. Default 5,000. */
  blockMs?: number;
  /** Entries read per call. Default 100. */
  batchSize?: number;
  /** First wait before reading again after a Redis error (ms), doubled up to `maxRetryMs`. Default 100. */
  retryMs?: number;
  /** Default 5,000. */
  maxRetryMs?: number;
  /** Counts entries (`evrec_catalog_feed_entries_total{op,result}`). Default none. */
  metrics?: ServingMetrics;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface CatalogFeedHandlers {
  /** Re-reads the popularity counters of these events from the store (a `stats` entry). Default: ignored. */
  refreshStats?: (eventIds: string[]) => Promise<unknown>;
}

/** Sleeps `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/** `p`, or a rejection as soon as `signal` aborts (a blocked read on a reconnecting client may never settle). */
function orAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('catalogue feed closed'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The catalogue change feed between replicas: a Redis Stream. A replica that accepts an event
 * upsert or cancellation (or feedback that changed registrations) adds an entry; every other
 * replica reads the stream with `XREAD BLOCK` from the last id it saw and applies the entry to its
 * EventRecords (hence to its serving bundle), within milliseconds. A replica starts reading at the
 * stream's end as of `open` (the store is the source of truth at boot, read after `open`), skips
 * its own entries, resumes from its last id after a reconnect (nothing is lost unless MAXLEN
 * trimmed it meanwhile, which is logged), and logs and skips a malformed entry.
 */
export class CatalogChangeFeed implements CatalogChangePublisher {
  private last: string;
  private readonly reader: Redis;
  private loop: Promise<void> | undefined;
  private readonly stopped = new AbortController();
  private handlers: CatalogFeedHandlers = {};
  /** Newest own entry per event, until the reader passes it: an older entry from elsewhere is superseded. */
  private readonly ownLatest = new Map<string, string>();
  /** Remote entries applied while own publishes are in flight: an own entry older than one of them is superseded. */
  private readonly remoteApplied = new Map<string, string>();
  private inFlight = 0;
  private readonly maxLen: number;

  private constructor(
    private readonly options: CatalogChangeFeedOptions,
    start: string,
  ) {
    this.last = start;
    this.maxLen = options.maxLen ?? 10_000;
    this.reader = options.redis.duplicate({ lazyConnect: true });
    this.reader.on('error', () => undefined);
  }

  /** Pins the start position (the stream's last entry now, or `0-0`) so nothing added from here on is missed. */
  static async open(options: CatalogChangeFeedOptions): Promise<CatalogChangeFeed> {
    let start = '0-0';
    try {
      const lastEntry = await options.redis.xrevrange(options.keys.catalogFeed(), '+', '-', 'COUNT', 1);
      if (lastEntry.length > 0) start = lastEntry[0][0];
    } catch (e) {
      throw redisError(e, 'reading the catalogue feed position');
    }
    return new CatalogChangeFeed(options, start);
  }

  /** The id of the last entry read (or the start position). */
  get position(): string {
    return this.last;
  }

  get replicaId(): string {
    return this.options.replicaId;
  }

  /** Starts reading in the background (once). */
  start(handlers: CatalogFeedHandlers = {}): void {
    this.handlers = handlers;
    if (this.loop === undefined && !this.stopped.signal.aborted) this.loop = this.read();
  }

  async publish(change: CatalogFeedChange): Promise<{ id: string; superseded: boolean }> {
    this.inFlight++;
    let id: string | null;
    try {
      id = await this.options.redis.xadd(this.options.keys.catalogFeed(), 'MAXLEN', '~', this.maxLen, '*', 'replica', this.options.replicaId, 'change', JSON.stringify(change));
    } catch (e) {
      throw redisError(e, 'announcing a catalogue change');
    } finally {
      this.inFlight--;
    }
    if (id === null) throw redisError(new Error('XADD returned no id'), 'announcing a catalogue change');
    this.options.metrics?.catalogFeed.inc({ op: change.op, result: 'published' });
    let superseded = false;
    if (change.op !== 'stats') {
      const eventId = change.event.id;
      const remote = this.remoteApplied.get(eventId);
      superseded = remote !== undefined && compareStreamIds(remote, id) > 0;
      // Remember it only while the reader has not passed it (later entries are newer anyway).
      const own = this.ownLatest.get(eventId);
      if (compareStreamIds(id, this.last) > 0 && (own === undefined || compareStreamIds(id, own) > 0)) this.ownLatest.set(eventId, id);
    }
    if (this.inFlight === 0) this.remoteApplied.clear();
    return { id, superseded };
  }

  private async read(): Promise<void> {
    const o = this.options;
    const key = o.keys.catalogFeed();
    const signal = this.stopped.signal;
    let retry = o.retryMs ?? 100;
    let failing = false;
    while (!signal.aborted) {
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await orAbort(this.reader.xread('COUNT', o.batchSize ?? 100, 'BLOCK', o.blockMs ?? 5000, 'STREAMS', key, this.last), signal)) as Array<[string, Array<[string, string[]]>]> | null;
        if (failing) {
          failing = false;
          retry = o.retryMs ?? 100;
          o.logger?.info({ position: this.last }, 'catalogue feed: reading again');
          await this.checkGap();
        }
      } catch (e) {
        if (signal.aborted) break;
        if (!failing) o.logger?.warn({ error: (e as Error).message, position: this.last }, 'catalogue feed: redis error; retrying from the last entry read');
        failing = true;
        await pause(retry, signal);
        retry = Math.min(retry * 2, o.maxRetryMs ?? 5000);
        continue;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          if (signal.aborted) return;
          await this.apply(id, fields);
          this.last = id;
        }
      }
    }
  }

  /** After an outage: were entries after our position trimmed (MAXLEN) before we read them? */
  private async checkGap(): Promise<void> {
    try {
      const info = (await this.options.redis.xinfo('STREAM', this.options.keys.catalogFeed())) as unknown[];
      const i = info.indexOf('max-deleted-entry-id');
      const maxDeleted = i >= 0 ? info[i + 1] : undefined;
      if (typeof maxDeleted === 'string' && compareStreamIds(maxDeleted, this.last) > 0) {
        this.options.metrics?.catalogFeed.inc({ op: 'unknown', result: 'lost' });
        this.options.logger?.error({ position: this.last, trimmedUpTo: maxDeleted }, 'catalogue feed: entries were trimmed before this replica read them; their changes reach it with its next restart');
      }
    } catch {
      // Best effort: the stream may not exist yet.
    }
  }

  private async apply(id: string, fields: readonly string[]): Promise<void> {
    const o = this.options;
    let entry: { replica: string; change: CatalogFeedChange };
    try {
      entry = parseFeedEntry(fields);
    } catch (e) {
      o.metrics?.catalogFeed.inc({ op: 'unknown', result: 'malformed' });
      o.logger?.warn({ id, error: e instanceof z.ZodError ? z.prettifyError(e) : (e as Error).message }, 'catalogue feed: malformed entry skipped');
      return;
    }
    const { change } = entry;
    const count = (result: string): void => o.metrics?.catalogFeed.inc({ op: change.op, result });
    if (entry.replica === o.replicaId) {
      if (change.op !== 'stats' && this.ownLatest.get(change.event.id) === id) this.ownLatest.delete(change.event.id);
      return count('own');
    }
    try {
      if (change.op === 'stats') {
        await this.handlers.refreshStats?.(change.eventIds);
        return count('applied');
      }
      const e = change.event;
      const own = this.ownLatest.get(e.id);
      if (own !== undefined && compareStreamIds(own, id) > 0) return count('superseded');
      if (this.inFlight > 0) this.remoteApplied.set(e.id, id);
      if (change.op === 'upsert') o.records.upsert(e);
      else if (o.records.has(e.id)) o.records.cancel(e.id);
      // Cancelled before this replica ever saw it: keep the cancelled record, like the origin.
      else o.records.upsert({ ...e, status: 'cancelled' });
      count('applied');
    } catch (err) {
      count('failed');
      o.logger?.error({ id, op: change.op, error: (err as Error).message }, 'catalogue feed: applying an entry failed; skipped');
    }
  }

  /** Stops reading (the blocking read is cut, not waited out) and closes the reader's connection. */
  async close(): Promise<void> {
    if (this.stopped.signal.aborted) return;
    this.stopped.abort();
    this.reader.disconnect();
    await this.loop;
  }
}
