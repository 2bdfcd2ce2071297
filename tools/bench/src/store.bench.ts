/**
 * Online feature store benchmark: snapshot latency for one user × 500 candidates (p50/p99) and
 * ingest throughput, memory store vs Redis, on a seeded synthetic world.
 *
 *   npx tsx tools/bench/src/store.bench.ts [--redis URL] [--users N] [--events N] [--interactions N]
 *
 * Prints a table and writes bench-results/store.json. Redis defaults to $REDIS_URL or
 * redis://127.0.0.1:6379; when it is unreachable the Redis rows are skipped, not faked.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MS_PER_DAY, createRng, isEvrecError, type Interaction, type InteractionType } from '@evrec/core';
import { MemoryFeatureStore, RedisFeatureStore, type FeatureStore, type LoadedDataset } from '@evrec/store';

const { values: args } = parseArgs({
  options: {
    redis: { type: 'string' },
    users: { type: 'string', default: '10000' },
    events: { type: 'string', default: '5000' },
    interactions: { type: 'string', default: '100000' },
    candidates: { type: 'string', default: '500' },
    queries: { type: 'string', default: '300' },
    seed: { type: 'string', default: '42' },
  },
});
const N_USERS = Number(args.users);
const N_EVENTS = Number(args.events);
const N_INTERACTIONS = Number(args.interactions);
const N_CANDIDATES = Number(args.candidates);
const N_QUERIES = Number(args.queries);
const FRIENDS_PER_USER = 20;
const ONLINE_INGEST = 20_000;
const redisUrl = args.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const NOW = Date.UTC(2026, 5, 1);
const rng = createRng(Number(args.seed));

// ---- a synthetic world: popularity-skewed events, random friend graph, 30 days of interactions ----
const userId = (i: number) => `u${i}`;
const eventId = (i: number) => `e${i}`;
const popularity = Float64Array.from({ length: N_EVENTS }, (_, i) => 1 / Math.pow(i + 1, 0.8));
// Cumulative weights: rng.weighted scans linearly, too slow for 200k draws over 5k events.
const cumulative = new Float64Array(N_EVENTS);
popularity.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
function popularEvent(): number {
  const x = rng.next() * cumulative[N_EVENTS - 1];
  let lo = 0;
  let hi = N_EVENTS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function world(): LoadedDataset {
  const friends = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    const l = friends.get(a);
    if (l) l.push(b);
    else friends.set(a, [b]);
  };
  const pairs = new Set<string>();
  for (let n = 0; n < (N_USERS * FRIENDS_PER_USER) / 2; n++) {
    const a = rng.int(N_USERS);
    const b = rng.int(N_USERS);
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (a === b || pairs.has(key)) continue;
    pairs.add(key);
    link(userId(a), userId(b));
    link(userId(b), userId(a));
  }
  const types: InteractionType[] = ['impression', 'click', 'register', 'interested', 'not_interested', 'invite', 'cancel'];
  const typeWeights = [60, 15, 15, 4, 2, 2, 2];
  const interactions: Interaction[] = [];
  for (let n = 0; n < N_INTERACTIONS; n++) {
    const at = NOW - 30 * MS_PER_DAY + Math.floor(((n + rng.next()) / N_INTERACTIONS) * 30 * MS_PER_DAY);
    interactions.push({ id: `w${n}`, userId: userId(rng.int(N_USERS)), eventId: eventId(popularEvent()), type: types[rng.weighted(typeWeights)], at });
  }
  return {
    users: new Map(Array.from({ length: N_USERS }, (_, i) => [userId(i), { id: userId(i) }])),
    events: new Map(Array.from({ length: N_EVENTS }, (_, i) => [eventId(i), { id: eventId(i), startsAt: NOW + rng.int(30) * MS_PER_DAY }])),
    friends,
    interactions,
  };
}

function candidates(): string[] {
  const picked = new Set<string>();
  while (picked.size < Math.min(N_CANDIDATES, N_EVENTS)) picked.add(eventId(popularEvent()));
  return [...picked];
}

/** Generated once, so every store answers exactly the same queries and ingests the same rows. */
function onlineBatch(start: number, n: number): Interaction[] {
  return Array.from({ length: n }, (_, k) => ({
    id: `o${start + k}`,
    userId: userId(rng.int(N_USERS)),
    eventId: eventId(popularEvent()),
    type: rng.chance(0.7) ? 'impression' : rng.chance(0.5) ? 'click' : 'register',
    at: NOW + start + k,
  }));
}

// ---- measurement ----
interface Row {
  store: string;
  materializePerS: number;
  ingestBatch100PerS: number;
  ingestSingleP50Ms: number;
  snapshotP50Ms: number;
  snapshotP99Ms: number;
  snapshotMeanMs: number;
  meanFriendsRegistered: number;
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const WARMUP = 100;
interface Workload {
  batches100: Interaction[][];
  singles: Interaction[][];
  queries: Array<{ userId: string; eventIds: string[]; at: number }>;
}

function workload(): Workload {
  return {
    batches100: Array.from({ length: ONLINE_INGEST / 100 }, (_, b) => onlineBatch(b * 100, 100)),
    singles: Array.from({ length: 500 }, (_, i) => onlineBatch(ONLINE_INGEST + i, 1)),
    queries: Array.from({ length: WARMUP + N_QUERIES }, () => ({ userId: userId(rng.int(N_USERS)), eventIds: candidates(), at: NOW + MS_PER_DAY })),
  };
}

async function measure(name: string, store: FeatureStore, data: LoadedDataset, work: Workload): Promise<Row> {
  await store.clear();
  const m = await store.materialize(data);
  const rowsLoaded = m.users + m.events + m.friendships + m.interactions.accepted;
  const materializePerS = rowsLoaded / (m.ms / 1000);

  let t = performance.now();
  for (const batch of work.batches100) await store.ingest(batch);
  const ingestBatch100PerS = ONLINE_INGEST / ((performance.now() - t) / 1000);

  const single: number[] = [];
  for (const batch of work.singles) {
    t = performance.now();
    await store.ingest(batch);
    single.push(performance.now() - t);
  }

  const lat: number[] = [];
  const friendsRegistered: number[] = [];
  for (const [q, query] of work.queries.entries()) {
    t = performance.now();
    const snap = await store.snapshot(query);
    const ms = performance.now() - t;
    if (q < WARMUP) continue;
    lat.push(ms);
    friendsRegistered.push(Object.values(snap.events).reduce((a, e) => a + e.friendsRegistered, 0));
  }
  return {
    store: name,
    materializePerS,
    ingestBatch100PerS,
    ingestSingleP50Ms: pct(single, 0.5),
    snapshotP50Ms: pct(lat, 0.5),
    snapshotP99Ms: pct(lat, 0.99),
    snapshotMeanMs: mean(lat),
    meanFriendsRegistered: mean(friendsRegistered),
  };
}

const started = performance.now();
const data = world();
const work = workload();
const rows: Row[] = [];
const notes: string[] = [];
const dir = await mkdtemp(join(tmpdir(), 'evrec-store-bench-'));

try {
  const memory = await MemoryFeatureStore.open();
  rows.push(await measure('memory', memory, data, work));
  await memory.close();

  const logged = await MemoryFeatureStore.open({ logPath: join(dir, 'log.jsonl'), logFsync: 'always' });
  rows.push(await measure('memory + log (fsync per call)', logged, data, work));
  await logged.close();

  let redis: RedisFeatureStore | undefined;
  try {
    redis = await RedisFeatureStore.connect({ url: redisUrl, keyPrefix: `evrec-bench:${process.pid}:`, connectTimeoutMs: 2000 });
  } catch (e) {
    if (!isEvrecError(e, 'UNAVAILABLE')) throw e;
    notes.push(`redis skipped: ${e.message}`);
  }
  if (redis) {
    try {
      rows.push(await measure('redis', redis, data, work));
    } finally {
      await redis.clear();
      await redis.close();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const f = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const header = ['store', 'materialize rows/s', 'ingest ×100 /s', 'ingest ×1 p50 ms', `snapshot 1×${N_CANDIDATES} p50 ms`, 'p99 ms', 'mean ms', 'friendsReg/query'];
const table = rows.map((r) => [r.store, f(r.materializePerS), f(r.ingestBatch100PerS), f(r.ingestSingleP50Ms, 3), f(r.snapshotP50Ms, 2), f(r.snapshotP99Ms, 2), f(r.snapshotMeanMs, 2), f(r.meanFriendsRegistered, 1)]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
const totalS = (performance.now() - started) / 1000;
console.log(`store bench: ${N_USERS} users, ${N_EVENTS} events, ${N_INTERACTIONS} interactions, ${N_QUERIES} snapshots of 1 user × ${N_CANDIDATES} candidates`);
console.log(line(header));
for (const row of table) console.log(line(row));
for (const n of notes) console.log(n);
console.log(`total ${totalS.toFixed(1)} s`);

await mkdir('bench-results', { recursive: true });
await writeFile(
  'bench-results/store.json',
  JSON.stringify(
    {
      bench: 'store',
      at: new Date().toISOString(),
      machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model },
      params: { users: N_USERS, events: N_EVENTS, interactions: N_INTERACTIONS, friendsPerUser: FRIENDS_PER_USER, candidates: N_CANDIDATES, queries: N_QUERIES, onlineIngest: ONLINE_INGEST, redisUrl: rows.some((r) => r.store === 'redis') ? redisUrl : null },
      results: rows,
      notes,
      totalSeconds: totalS,
    },
    null,
    2,
  ) + '\n',
);
