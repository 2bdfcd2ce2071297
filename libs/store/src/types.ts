import type {
  ActivityQuery,
  ActivityReader,
  ActivitySnapshot,
  Event,
  Friendship,
  Interaction,
  ProgressReporter,
  User,
} from '@evrec/core';
import type { DatasetManifest } from '@evrec/data';

/**
 * The online feature store: the live state behind the activity features (counters, attendee sets,
 * friend sets, per-user history) plus the durable interaction log. Two implementations pass one
 * contract suite: `RedisFeatureStore` (production) and `MemoryFeatureStore` (embedded default).
 *
 * Visibility "as of `at`" in `snapshot()` (online, `at` is normally now; exact offline replay of any
 * past moment lives in libs/features):
 * - exact as of `at` (only things stamped strictly before `at` count): history, registrations,
 *   registrations1d/7d (windows `[at-24h, at)` / `[at-7d, at)`), friendsRegistered, registeredEventIds.
 *   These are computed from registration *times*, so any `at` gives the right answer for the
 *   registrations that still stand.
 * - current totals, whatever `at` is: impressions, clicks, invitesReceived, dismissedEventIds,
 *   friendIds, and cancellations (a cancel removes the registration; its original time is forgotten).
 */
export interface FeatureStore extends ActivityReader {
  readonly kind: 'memory' | 'redis';

  /** Everything one request needs for one user and its candidates; one round trip on Redis. */
  snapshot(query: ActivityQuery): Promise<ActivitySnapshot>;

  /**
   * Validates the whole batch first (a bad item rejects the batch with INVALID_INPUT naming
   * `interactions[i].field`; more than `maxIngestBatch` items is TOO_LARGE), then applies each
   * interaction atomically and appends it to the log. Idempotent on `id`: an id seen before (within
   * the dedupe retention) changes nothing and is not logged again. Resolves once the writes are
   * visible to `snapshot()`.
   */
  ingest(interactions: readonly Interaction[]): Promise<IngestResult>;

  /** Replaces `userId`'s friend set; symmetric (old friends lose `userId`, new ones gain it). */
  setFriends(userId: string, friendIds: readonly string[]): Promise<void>;
  /** Adds one undirected friendship (both directions). */
  addFriendship(friendship: Friendship): Promise<void>;

  upsertUser(user: User): Promise<void>;
  upsertEvent(event: Event): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  getEvent(id: string): Promise<Event | undefined>;

  /** The accepted interactions in ingest order, optionally only those with `from <= at < to`. */
  readLog(range?: TimeRange): AsyncIterable<Interaction>;
  /**
   * Writes the log (filtered by `from`/`to`, sorted by `at`) as a native dataset for retraining,
   * with the users, events and friendships the store holds. Sorting happens in memory: the log is
   * bounded (Redis `logMaxLen`); export windows of a huge memory log with `from`/`to`.
   */
  exportLog(options: ExportLogOptions): Promise<DatasetManifest>;

  /**
   * Batch-loads a dataset: users and events, then friendships, then interactions in time order
   * (strictly before `until` when given), in chunks (one pipeline per chunk on Redis). Goes through
   * the same idempotent path as `ingest`, so running it twice changes nothing.
   */
  materialize(source: MaterializeSource, options?: MaterializeOptions): Promise<MaterializeResult>;

  /** Deletes everything this store holds (Redis: every key under the prefix; memory: state and log file). */
  clear(): Promise<void>;
  /** Resolves when the store can serve; throws UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface IngestResult {
  /** Interactions applied and logged. */
  accepted: number;
  /** Interactions whose id had been seen already (no effect). */
  duplicates: number;
}

export interface TimeRange {
  /** Inclusive lower bound on `at` (epoch ms). */
  from?: number;
  /** Exclusive upper bound on `at` (epoch ms). */
  to?: number;
}

export interface ExportLogOptions extends TimeRange {
  outDir: string;
  /** Dataset name in the manifest. Default `store-export`. */
  name?: string;
  /** Also write the users, events and friendships the store knows. Default true. */
  includeCatalogue?: boolean;
}

/** Options shared by both implementations. */
export interface StoreOptions {
  /** Positive interactions kept per user (newest by `at`) and returned by `snapshot()`. Default 100. */
  historyLength?: number;
  /** Most interactions one `ingest()` call accepts. Default 10,000. */
  maxIngestBatch?: number;
  /** Items per pipeline / log write in `materialize()`. Default 2,000. */
  materializeChunk?: number;
}

export const DEFAULT_HISTORY_LENGTH = 100;
export const DEFAULT_MAX_INGEST_BATCH = 10_000;
export const DEFAULT_MATERIALIZE_CHUNK = 2_000;

/** The counts a manifest carries; enough for progress totals and the sortedness shortcut. */
export interface SourceManifest {
  counts?: Partial<DatasetManifest['counts']>;
  /** When true, interactions are streamed without buffering; otherwise they are sorted in memory. */
  interactionsSorted?: boolean;
}

type Rows<T> = AsyncIterable<T> | Iterable<T>;

/** A streaming dataset, e.g. `openDataset(dir)` from @evrec/data. */
export interface DatasetStreams {
  manifest?: SourceManifest;
  users?(): Rows<User>;
  events?(): Rows<Event>;
  friendships(): Rows<Friendship>;
  interactions(): Rows<Interaction>;
}

/** A dataset in memory, e.g. `loadDataset(dir)` from @evrec/data. */
export interface LoadedDataset {
  manifest?: SourceManifest;
  users?: ReadonlyMap<string, User>;
  events?: ReadonlyMap<string, Event>;
  /** Adjacency lists; symmetric or not, each listed pair becomes an undirected friendship. */
  friends: ReadonlyMap<string, readonly string[]>;
  interactions: readonly Interaction[];
}

export type MaterializeSource = DatasetStreams | LoadedDataset;

export interface MaterializeOptions {
  /**
   * Only load interactions with `at < until` (epoch ms). Users, events and friendships are loaded
   * whole, as the offline replay in libs/features treats them (friendships carry no reliable
   * start; catalogue filters such as "not before createdAt" belong to retrieval). Default: all.
   */
  until?: number;
  /** Stages `materialize.users`, `.events`, `.friendships`, `.interactions`. */
  progress?: ProgressReporter;
}

export interface MaterializeResult {
  users: number;
  events: number;
  friendships: number;
  interactions: IngestResult;
  /** Rows left out: interactions at or after `until`, self-friendships. */
  skipped: number;
  ms: number;
}

/** Typed entry points `materialize()` and `exportLog()` drive; each store implements them. */
export interface BulkAccess {
  putUsers(users: readonly User[]): Promise<void>;
  putEvents(events: readonly Event[]): Promise<void>;
  putFriendships(friendships: readonly Friendship[]): Promise<void>;
  /** `ingest()` without validation or the batch-size limit (rows come from a validated dataset). */
  ingestTrusted(interactions: readonly Interaction[]): Promise<IngestResult>;
  allUsers(): AsyncIterable<User>;
  allEvents(): AsyncIterable<Event>;
  /** Each undirected friendship once, `userId < friendId`. */
  allFriendships(): AsyncIterable<Friendship>;
  readLog(range?: TimeRange): AsyncIterable<Interaction>;
}
