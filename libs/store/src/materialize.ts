import { silentProgress, type Event, type Friendship, type Interaction, type User } from '@evrec/core';
import type {
  BulkAccess,
  DatasetStreams,
  LoadedDataset,
  MaterializeOptions,
  MaterializeResult,
  MaterializeSource,
} from './types.ts';

function isLoaded(source: MaterializeSource): source is LoadedDataset {
  return typeof (source as DatasetStreams).interactions !== 'function';
}

function* friendshipsOf(friends: ReadonlyMap<string, readonly string[]>): Iterable<Friendship> {
  for (const [userId, ids] of friends) {
    // Each pair once when the map is symmetric; asymmetric maps still yield every pair.
    for (const friendId of ids) {
      if (userId < friendId || !friends.get(friendId)?.includes(userId)) yield { userId, friendId };
    }
  }
}

function isSorted(xs: readonly Interaction[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i].at < xs[i - 1].at) return false;
  return true;
}

/** Stable sort by time; ties keep file order (e.g. register before its cancel). */
function byTime(xs: Interaction[]): Interaction[] {
  return xs
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x.at - b.x.at || a.i - b.i)
    .map((p) => p.x);
}

/**
 * Shared driver behind `FeatureStore.materialize()`: streams each table in chunks of `chunk` rows
 * into the store's bulk entry points, reporting progress per chunk.
 */
export async function materializeInto(
  sink: BulkAccess,
  source: MaterializeSource,
  options: MaterializeOptions,
  chunk: number,
): Promise<MaterializeResult> {
  const started = Date.now();
  const until = options.until ?? Infinity;
  const progress = options.progress ?? silentProgress;
  const counts = source.manifest?.counts ?? {};
  let skipped = 0;

  async function load<T>(
    stage: string,
    rows: AsyncIterable<T> | Iterable<T> | undefined,
    total: number | undefined,
    keep: (row: T) => boolean,
    put: (batch: T[]) => Promise<void>,
  ): Promise<number> {
    if (rows === undefined) return 0;
    let batch: T[] = [];
    let seen = 0;
    let loaded = 0;
    progress({ stage, done: 0, total });
    for await (const row of rows) {
      seen++;
      if (!keep(row)) {
        skipped++;
        continue;
      }
      batch.push(row);
      if (batch.length >= chunk) {
        await put(batch);
        loaded += batch.length;
        batch = [];
        progress({ stage, done: seen, total });
      }
    }
    if (batch.length > 0) await put(batch);
    loaded += batch.length;
    progress({ stage, done: seen, total: total ?? seen });
    return loaded;
  }

  const loaded = isLoaded(source);
  const users = await load<User>(
    'materialize.users',
    loaded ? source.users?.values() : source.users?.(),
    loaded ? source.users?.size : counts.users,
    () => true,
    (b) => sink.putUsers(b),
  );
  const events = await load<Event>(
    'materialize.events',
    loaded ? source.events?.values() : source.events?.(),
    loaded ? source.events?.size : counts.events,
    () => true,
    (b) => sink.putEvents(b),
  );
  const friendships = await load<Friendship>(
    'materialize.friendships',
    loaded ? friendshipsOf(source.friends) : source.friendships(),
    loaded ? undefined : counts.friendships,
    (f) => f.userId !== f.friendId,
    (b) => sink.putFriendships(b),
  );

  let interactions: AsyncIterable<Interaction> | Iterable<Interaction>;
  let total: number | undefined;
  if (loaded) {
    interactions = isSorted(source.interactions) ? source.interactions : byTime([...source.interactions]);
    total = source.interactions.length;
  } else if (source.manifest?.interactionsSorted === true) {
    interactions = source.interactions();
    total = counts.interactions;
  } else {
    // Order matters (a cancel must follow its register), so an unsorted stream is sorted in memory.
    const all: Interaction[] = [];
    for await (const i of source.interactions()) all.push(i);
    interactions = byTime(all);
    total = all.length;
  }
  const result = { accepted: 0, duplicates: 0 };
  await load<Interaction>(
    'materialize.interactions',
    interactions,
    total,
    (i) => i.at < until,
    async (b) => {
      const r = await sink.ingestTrusted(b);
      result.accepted += r.accepted;
      result.duplicates += r.duplicates;
    },
  );
  return { users, events, friendships, interactions: result, skipped, ms: Date.now() - started };
}
