/**
 * Ranking API load benchmark: `evrec serve` in a child process on 127.0.0.1 over a synthetic
 * catalogue of --events upcoming events and --users users (store materialised in the embedded
 * store), driven by autocannon with GET /v1/users/{id}/recommendations (up to 500 candidates
 * ranked per request). Reports client p50/p99 and requests/s, and the server's own per-stage
 * breakdown from its /metrics histograms. `--swap` runs 60 s and publishes a new bundle version in
 * the middle (the server must swap it in with zero failed requests).
 *
 *   npx tsx tools/bench/src/api-load.bench.ts [--events 100000] [--users 100000] [--duration 20]
 *       [--connections 8] [--rate R] [--swap] [--swap-duration 60] [--work DIR] [--rebuild] [--build-only] [--no-scoring-thread] [--semi-space-mb 64] [--rates 25,50] [--cpu-prof DIR] [--server-flags=--trace-gc] [--replicas N] [--store memory|redis]
 *
 * The world and bundle are built once per size under --work (default tmp/bench-api/<events>x<users>)
 * and reused. The models are trained on the small synthetic world of @evrec/data with the default
 * architectures (serving cost is what is measured, not quality); the extra events are placed by
 * the event tower from their content (cold start), the extra users by the user tower from profile
 * and history on each request. Prints a table and writes bench-results/api-load.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, WorkBundle, createRng, throttledStderrProgress, type Event, type Interaction, type User } from '@evrec/core';
import { DatasetWriter, generateWorld, loadDataset } from '@evrec/data';
import { trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { trainRankerIntoBundle } from '@evrec/ranker';
import { buildIndexIntoBundle } from '@evrec/retrieval';
import { quantile as sampleQuantile } from './report.ts';

interface AutocannonResult {
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
interface AutocannonRequest {
  method: string;
  path?: string;
  setupRequest?: (req: { path?: string }) => { path?: string };
}
type Autocannon = (opts: { url: string; connections: number; duration: number; requests: AutocannonRequest[]; timeout?: number; overallRate?: number }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    users: { type: 'string', default: '100000' },
    'interactions-per-user': { type: 'string', default: '4' },
    'friends-per-user': { type: 'string', default: '10' },
    duration: { type: 'string', default: '20' },
    'swap-duration': { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    rate: { type: 'string' },
    /**
     * Extra open-loop phases at these request rates (comma-separated), after the closed-loop ones:
     * requests sent on a fixed schedule (one every 1/rate s, however many are in flight) and latency
     * counted from the scheduled time, so queueing shows (autocannon's overallRate sends each
     * second's budget in bursts).
     */
    rates: { type: 'string' },
    swap: { type: 'boolean', default: false },
    work: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    'build-only': { type: 'boolean', default: false },
    /** Score on the serving thread (the server's --no-scoring-thread), to measure what the scoring thread buys. */
    'no-scoring-thread': { type: 'boolean', default: false },
    /**
     * V8 young-generation semi-space of the server (MB). Request garbage that is still referenced
     * while other requests run (8 in flight) outlives a small young generation and is promoted; at
     * 1M events every major GC then marks a multi-GB heap. 0 keeps Node's default (16 MB).
     */
    'semi-space-mb': { type: 'string', default: '64' },
    /**
     * Write the server's V8 CPU profile (node --cpu-prof) into this directory when it stops; read it
     * with `npx tsx tools/bench/src/cpu-profile.ts FILE --last SECONDS` (the load phases are at the end).
     */
    'cpu-prof': { type: 'string' },
    /** Extra node flags for the server, space-separated (e.g. "--trace-gc"); its stdout is then copied to stderr. */
    'server-flags': { type: 'string' },
    /**
     * Serve with this many processes (`evrec serve --replicas N`, node:cluster). More than 1 needs the
     * Redis store: the world is then materialised into Redis first (`evrec materialize --reset`
     * under a bench key prefix) and every replica reads it there.
     */
    replicas: { type: 'string', default: '1' },
    /** Feature store of the server: memory (embedded, materialised at start) or redis. Default memory (redis with --replicas > 1). */
    store: { type: 'string' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    port: { type: 'string', default: '18480' },
    seed: { type: 'string', default: '42' },
  },
});
const N_EVENTS = Number(args.events);
const N_USERS = Number(args.users);
const PER_USER = Number(args['interactions-per-user']);
const FRIENDS = Number(args['friends-per-user']);
const CONNECTIONS = Number(args.connections);
/** Fixed request rate (autocannon overallRate); default: as fast as the connections go. */
const RATE = args.rate === undefined ? undefined : Number(args.rate);
const DURATION = Number(args.swap ? args['swap-duration'] : args.duration);
const PORT = Number(args.port);
const SEMI_SPACE_MB = Number(args['semi-space-mb']);
const REPLICAS = Number(args.replicas);
if (!(Number.isInteger(REPLICAS) && REPLICAS >= 1)) throw new Error(`--replicas: a positive integer, got ${args.replicas}`);
const STORE = args.store ?? (REPLICAS > 1 ? 'redis' : 'memory');
if (STORE !== 'memory' && STORE !== 'redis') throw new Error(`--store: memory or redis, got ${STORE}`);
if (REPLICAS > 1 && STORE !== 'redis') throw new Error('--replicas > 1 needs --store redis');
const REDIS_URL = args['redis-url'] ?? 'redis://127.0.0.1:6379';
const WORK = resolve(args.work ?? join('tmp', 'bench-api', `${N_EVENTS}x${N_USERS}`));
const DATA = join(WORK, 'world');
const ARTIFACTS = join(WORK, 'artifacts');
const READY = join(WORK, 'ready.json');
const progress = throttledStderrProgress(2000);
const started = performance.now();
const log = (s: string): void => void process.stderr.write(`[api-load] ${s}\n`);

interface Ready {
  params: { events: number; users: number; perUser: number; friends: number; seed: number };
  at: number;
  buildSeconds: Record<string, number>;
  userIds: string[];
}

// ───────────────────────────── world + bundle ─────────────────────────────

/**
 * The small generated world trains the models; the catalogue is scaled up around its cities with
 * events that copy its events' content (same category, language, host style, priced alike) and
 * users living in its cities with a few registrations and clicks each, popularity-skewed.
 */
async function buildWorld(): Promise<Ready> {
  const params = { events: N_EVENTS, users: N_USERS, perUser: PER_USER, friends: FRIENDS, seed: Number(args.seed) };
  const secs: Record<string, number> = {};
  let t = performance.now();
  const lap = (k: string): void => {
    secs[k] = (performance.now() - t) / 1000;
    t = performance.now();
    log(`${k}: ${secs[k].toFixed(1)} s`);
  };
  await rm(WORK, { recursive: true, force: true });
  const base = join(WORK, 'base');
  await generateWorld({ preset: 'tiny', seed: params.seed, outDir: base });
  const ds = await loadDataset(base);
  lap('generate base world');

  await trainEmbeddingsIntoBundle({ data: ds, artifactsDir: ARTIFACTS, publish: false, train: { epochs: 2, seed: params.seed }, progress });
  lap('train embeddings');
  const bundle = await WorkBundle.open(ARTIFACTS);
  const at = Number(bundle.components.embeddings.meta.until);

  const rng = createRng(params.seed);
  const templates = [...ds.events.values()].filter((e) => e.lat !== undefined && e.lng !== undefined && e.online !== true);
  const cities = [...new Map(templates.map((e) => [e.city ?? '', e])).values()];
  const byCity = new Map<string, Event[]>();
  for (const e of templates) byCity.set(e.city ?? '', [...(byCity.get(e.city ?? '') ?? []), e]);
  const w = await DatasetWriter.open(DATA, { name: `bench-api-${N_EVENTS}x${N_USERS}`, source: { generator: 'api-load.bench', ...params } });
  const flush = async (p: Promise<void> | undefined): Promise<void> => {
    if (p) await p;
  };
  for (const u of ds.users.values()) await flush(w.user(u));
  for (const e of ds.events.values()) await flush(w.event(e));
  for (const [u, fs] of ds.friends) for (const f of fs) if (u < f) await flush(w.friendship({ userId: u, friendId: f }));

  const cityEvents: string[][] = cities.map(() => []);
  const events: Event[] = [];
  for (let i = 0; i < N_EVENTS; i++) {
    const c = rng.int(cities.length);
    const city = cities[c];
    const tpl = rng.pick(byCity.get(city.city ?? '') ?? templates);
    const createdAt = at - Math.floor(rng.next() * 30 * MS_PER_DAY);
    const e: Event = {
      id: `be${i}`,
      title: `${tpl.title ?? 'Event'} #${i % 997}`,
      description: tpl.description?.slice(0, 400),
      language: tpl.language,
      category: tpl.category,
      tags: tpl.tags,
      hostId: `bh${c}-${rng.int(200)}`,
      createdAt,
      startsAt: at + MS_PER_HOUR + Math.floor(rng.next() * 60 * MS_PER_DAY),
      durationMinutes: tpl.durationMinutes,
      utcOffsetMinutes: tpl.utcOffsetMinutes,
      timezone: tpl.timezone,
      online: rng.chance(0.03) ? true : undefined,
      lat: (city.lat ?? 0) + (rng.next() - 0.5) * 0.4,
      lng: (city.lng ?? 0) + (rng.next() - 0.5) * 0.4,
      city: city.city,
      country: city.country,
      price: rng.chance(0.3) ? 0 : Math.round((tpl.price ?? 10) * (0.5 + rng.next())),
      currency: tpl.currency,
      capacity: rng.chance(0.3) ? 20 + rng.int(500) : undefined,
      status: 'scheduled',
    };
    events.push(e);
    cityEvents[c].push(e.id);
    await flush(w.event(e));
  }
  progress({ stage: 'bench.events', done: N_EVENTS, total: N_EVENTS });

  const cityUsers: string[][] = cities.map(() => []);
  const userIds: string[] = [];
  for (let i = 0; i < N_USERS; i++) {
    const c = rng.int(cities.length);
    const city = cities[c];
    const u: User = {
      id: `bu${i}`,
      language: city.language,
      birthYear: 1960 + rng.int(45),
      gender: rng.pick(['male', 'female', 'other'] as const),
      joinedAt: at - Math.floor(rng.next() * 365 * MS_PER_DAY),
      lat: (city.lat ?? 0) + (rng.next() - 0.5) * 0.3,
      lng: (city.lng ?? 0) + (rng.next() - 0.5) * 0.3,
      city: city.city,
      country: city.country,
      utcOffsetMinutes: city.utcOffsetMinutes,
    };
    cityUsers[c].push(u.id);
    userIds.push(u.id);
    await flush(w.user(u));
  }
  for (let c = 0; c < cities.length; c++) {
    const us = cityUsers[c];
    if (us.length < 2) continue;
    for (const u of us) {
      for (let k = 0; k < FRIENDS / 2; k++) {
        const f = us[rng.int(us.length)];
        if (f !== u) await flush(w.friendship({ userId: u, friendId: f }));
      }
    }
  }
  // Popularity skew: a user's events are drawn ∝ 1/(rank+1) within their city.
  let seq = 0;
  const types: Interaction['type'][] = ['register', 'register', 'click', 'click', 'impression'];
  for (let c = 0; c < cities.length; c++) {
    const evs = cityEvents[c];
    if (evs.length === 0) continue;
    const cum = new Float64Array(evs.length);
    let acc = 0;
    for (let r = 0; r < evs.length; r++) cum[r] = acc += 1 / (r + 1);
    for (const u of cityUsers[c]) {
      for (let k = 0; k < PER_USER; k++) {
        const x = rng.next() * acc;
        let lo = 0;
        let hi = evs.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cum[mid] <= x) lo = mid + 1;
          else hi = mid;
        }
        const e = events[Number(evs[lo].slice(2))];
        const from = e.createdAt ?? at - 30 * MS_PER_DAY;
        await flush(w.interaction({ id: `bi${seq++}`, userId: u, eventId: e.id, type: types[rng.int(types.length)], at: from + Math.floor(rng.next() * (at - MS_PER_MINUTE - from)) }));
      }
    }
  }
  await w.close();
  lap('write catalogue dataset');

  await buildIndexIntoBundle({ artifactsDir: ARTIFACTS, data: events.concat([...ds.events.values()]), at, horizonDays: 90, worker: true, publish: false, progress });
  lap('embed events + build index');
  const ranker = await trainRankerIntoBundle({ data: ds, artifactsDir: ARTIFACTS, epochs: 2, towers: 'auto', seed: params.seed, progress });
  ranker.ranker.dispose();
  lap('train ranker + publish');
  const ready: Ready = { params, at, buildSeconds: secs, userIds: userIds.filter((_, i) => i % Math.max(1, Math.floor(N_USERS / 20_000)) === 0) };
  await writeFile(READY, JSON.stringify(ready));
  return ready;
}

async function worldReady(): Promise<Ready> {
  if (!args.rebuild && existsSync(READY)) {
    const r = JSON.parse(await readFile(READY, 'utf8')) as Ready;
    if (r.params.events === N_EVENTS && r.params.users === N_USERS && r.params.perUser === PER_USER && r.params.friends === FRIENDS) {
      log(`reusing ${WORK}`);
      return r;
    }
  }
  return buildWorld();
}

// ───────────────────────────── server + metrics ─────────────────────────────

async function startServer(at: number): Promise<{ proc: ChildProcess; url: string; startSeconds: number }> {
  const t0 = performance.now();
  // --cpu-prof is refused in NODE_OPTIONS, so it goes on the command line.
  const profile = args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(args['cpu-prof'])}`];
  const flags = (args['server-flags'] ?? '').split(' ').filter((f) => f !== '');
  const redis = STORE === 'redis' ? ['--key-prefix', redisKeyPrefix(), '--replicas', String(REPLICAS)] : [];
  const proc = spawn(process.execPath, [...profile, ...flags, 'apps/cli/bin/evrec.mjs', 'serve', '--data', DATA, '--artifacts', ARTIFACTS, '--port', String(PORT), '--host', '127.0.0.1', '--clock', String(at), '--poll-ms', '1000', ...redis], {
    env: { ...process.env, EVREC_LOG_LEVEL: 'warn', REDIS_URL: STORE === 'redis' ? REDIS_URL : '', EVREC_API_KEY: '', EVREC_SCORING_THREAD: args['no-scoring-thread'] ? '0' : '1', NODE_OPTIONS: [`--max-old-space-size=${Math.floor(totalmem() / 1024 / 1024 / 2)}`, ...(SEMI_SPACE_MB > 0 ? [`--max-semi-space-size=${SEMI_SPACE_MB}`] : [])].join(' ') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      if (flags.length > 0) process.stderr.write(d);
      out += d.toString();
      // Several replicas: the cluster primary says when all of them listen.
      const m = (REPLICAS > 1 ? /replicas on (http:\/\/\S+)/ : /listening on (http:\/\/\S+)/).exec(out);
      if (m !== null) resolveUrl(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`evrec serve exited with ${code}`)));
  });
  return { proc, url, startSeconds: (performance.now() - t0) / 1000 };
}

function redisKeyPrefix(): string {
  return `evrec-bench:${N_EVENTS}x${N_USERS}:`;
}

/** Loads the world into Redis under the bench prefix (everything under it deleted first). */
async function materializeIntoRedis(): Promise<number> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['apps/cli/bin/evrec.mjs', 'materialize', '--data', DATA, '--redis', REDIS_URL, '--key-prefix', redisKeyPrefix(), '--reset'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, EVREC_LOG_LEVEL: 'warn' } });
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`evrec materialize exited with ${code}`);
  return (performance.now() - t0) / 1000;
}

type Histograms = Map<string, { buckets: Array<[number, number]>; sum: number; count: number }>;

/** Parses `<name>_bucket{...,stage="x"}`-style histograms of /metrics, keyed by the label value. */
async function histograms(url: string, name: string, label: string): Promise<Histograms> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Histograms = new Map();
  const get = (k: string) => {
    let h = out.get(k);
    if (h === undefined) out.set(k, (h = { buckets: [], sum: 0, count: 0 }));
    return h;
  };
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const key = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
    if (key === undefined) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${name}_bucket`)) {
      const le = /le="([^"]*)"/.exec(line)?.[1] ?? '+Inf';
      get(key).buckets.push([le === '+Inf' ? Infinity : Number(le), value]);
    } else if (line.startsWith(`${name}_sum`)) get(key).sum = value;
    else if (line.startsWith(`${name}_count`)) get(key).count = value;
  }
  return out;
}

/** Quantile of the observations between two histogram snapshots (linear inside a bucket). */
function quantile(buckets: Array<[number, number]>, q: number): number {
  const total = buckets[buckets.length - 1]?.[1] ?? 0;
  if (total === 0) return NaN;
  const target = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= target) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (target - prevCount)) / Math.max(1e-9, count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

function diff(after: Histograms, before: Histograms): Histograms {
  const out: Histograms = new Map();
  for (const [k, a] of after) {
    const b = before.get(k);
    out.set(k, {
      buckets: a.buckets.map(([le, c], i) => [le, c - (b?.buckets[i]?.[1] ?? 0)]),
      sum: a.sum - (b?.sum ?? 0),
      count: a.count - (b?.count ?? 0),
    });
  }
  return out;
}

interface StageRow {
  stage: string;
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

function stageRows(h: Histograms, unit = 1000): StageRow[] {
  return [...h.entries()]
    .filter(([, v]) => v.count > 0)
    .map(([stage, v]) => ({ stage, count: v.count, meanMs: (v.sum / v.count) * unit, p50Ms: quantile(v.buckets, 0.5) * unit, p99Ms: quantile(v.buckets, 0.99) * unit }));
}

// ───────────────────────────── run ─────────────────────────────

const ready = await worldReady();
if (args['build-only']) {
  log(`world and bundle ready under ${WORK} (build-only: no load run)`);
  process.exit(0);
}
const T = ready.at + MS_PER_HOUR;
const materializeSeconds = STORE === 'redis' ? await materializeIntoRedis() : undefined;
if (materializeSeconds !== undefined) {
  log(`world materialised into Redis (${redisKeyPrefix()}) in ${materializeSeconds.toFixed(1)} s`);
  // It stays there (the next run resets it); 1M users take ~4 GB and make every keyspace SCAN slow.
  log(`when done: redis-cli --scan --pattern '${redisKeyPrefix()}*' | xargs -r -n 1000 redis-cli unlink   (or FLUSHALL on a Redis of your own)`);
}
const server = await startServer(ready.at);
log(`server up at ${server.url} in ${server.startSeconds.toFixed(1)} s`);
// Steady state is measured: the server hashes every upcoming event's text in the background first.
const warmStarted = performance.now();
// Each replica warms its own cache and a request reaches any of them: wait for warm answers in a row.
let warmInARow = 0;
for (;;) {
  const b = (await (await fetch(`${server.url}/v1/bundle`)).json()) as { textCache?: { entries: number; warmUp: { done: number; total: number; finished: boolean } } };
  const w = b.textCache?.warmUp;
  if (w === undefined || w.finished) {
    if (++warmInARow >= 3 * REPLICAS) break;
    continue;
  }
  warmInARow = 0;
  progress({ stage: 'server.text-cache', done: w.done, total: w.total });
  if (performance.now() - warmStarted > 20 * 60_000) {
    log('text cache still warming after 20 min: measuring anyway');
    break;
  }
  await new Promise((r) => setTimeout(r, 2000));
}
const textCacheWarmSeconds = (performance.now() - warmStarted) / 1000;
log(`text cache warm after ${textCacheWarmSeconds.toFixed(1)} s more`);
const users = ready.userIds;
let next = 0;
const request: AutocannonRequest = {
  method: 'GET',
  setupRequest: (req) => ({ ...req, path: `/v1/users/${users[next++ % users.length]}/recommendations?limit=20&at=${T}` }),
};

interface Phase {
  name: string;
  seconds: number;
  connections: number;
  requestsPerSecond: number;
  requests: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  failed: { non2xx: number; errors: number; timeouts: number };
  stages: StageRow[];
  candidates: StageRow[];
  /** The server's garbage collections during the phase, by kind (prom-client's nodejs_gc_duration_seconds). */
  gc: Array<{ kind: string; count: number; totalMs: number; meanMs: number }>;
  /**
   * CPU time during the phase (Linux /proc; null elsewhere), ms per completed request: the server's
   * process tree (every replica, the scoring threads, the GC threads), Redis when it is the store,
   * and the machine's busy share of its cores. What the throughput target costs in cores.
   */
  cpu: { serverMsPerRequest: number | null; redisMsPerRequest: number | null; machineBusy: number | null };
  swap?: { from: string; to: string; publishSeconds: number; visibleAfterSeconds: number | null; serverLoad?: unknown };
}

/** Open-loop load: request i is sent at t0 + i / rate; its latency runs from that scheduled moment. */
async function pacedLoad(rate: number, seconds: number): Promise<AutocannonResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const t0 = performance.now() + 50;
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const path = `/v1/users/${users[next++ % users.length]}/recommendations?limit=20&at=${T}`;
    inFlight.push(
      fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) })
        .then(async (res) => {
          await res.arrayBuffer();
          if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - due);
          else non2xx++;
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(inFlight);
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => (sorted.length === 0 ? NaN : sampleQuantile(sorted, q));
  const elapsed = (performance.now() - t0) / 1000;
  return {
    latency: { p50: at(0.5), p90: at(0.9), p99: at(0.99), average: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length), max: sorted[sorted.length - 1] ?? NaN },
    requests: { average: latencies.length / elapsed, total: latencies.length },
    non2xx,
    errors,
    timeouts: 0,
    duration: elapsed,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime (s) of `pid` and every process below it, and of processes named `comm`; null without /proc. */
async function cpuSeconds(rootPid: number | undefined, comm: string): Promise<{ tree: number; named: number } | null> {
  if (!existsSync('/proc/self/stat')) return null;
  const stats: Array<{ pid: number; ppid: number; comm: string; ticks: number }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = text.lastIndexOf(')');
    if (close < 0) continue;
    // Fields after "(comm)": state ppid … utime (14th field overall) stime (15th).
    const rest = text.slice(close + 2).split(' ');
    stats.push({ pid: Number(entry), ppid: Number(rest[1]), comm: text.slice(text.indexOf('(') + 1, close), ticks: Number(rest[11]) + Number(rest[12]) });
  }
  const inTree = new Set<number>(rootPid === undefined ? [] : [rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of stats) {
      if (inTree.has(p.pid) || !inTree.has(p.ppid)) continue;
      inTree.add(p.pid);
      grew = true;
    }
  }
  let tree = 0;
  let named = 0;
  for (const p of stats) {
    if (inTree.has(p.pid)) tree += p.ticks;
    if (p.comm === comm) named += p.ticks;
  }
  return { tree: tree / CLOCK_TICKS_PER_SECOND, named: named / CLOCK_TICKS_PER_SECOND };
}

/** Busy and total jiffies of the whole machine (/proc/stat), null elsewhere. */
async function machineJiffies(): Promise<{ busy: number; total: number } | null> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => null);
  const cpu = text?.split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  if (cpu === undefined) return null;
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - cpu[3] - (cpu[4] ?? 0), total };
}

async function phase(name: string, seconds: number, connections: number, during?: () => Promise<Phase['swap']>, rate?: number, paced = false): Promise<Phase> {
  const before = await histograms(server.url, 'evrec_stage_duration_seconds', 'stage');
  const candBefore = await histograms(server.url, 'evrec_candidates', 'source');
  const gcBefore = await histograms(server.url, 'evrec_nodejs_gc_duration_seconds', 'kind');
  const cpuBefore = await cpuSeconds(server.proc.pid, 'redis-server');
  const jiffiesBefore = await machineJiffies();
  const running =
    paced && rate !== undefined
      ? pacedLoad(rate, seconds)
      : autocannon({ url: server.url, connections, duration: seconds, requests: [request], timeout: 10, ...(rate === undefined ? {} : { overallRate: rate }) });
  const swap = during === undefined ? undefined : await during();
  const r = await running;
  const cpuAfter = await cpuSeconds(server.proc.pid, 'redis-server');
  const jiffiesAfter = await machineJiffies();
  const perRequest = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined || r.requests.total === 0 ? null : ((b - a) * 1000) / r.requests.total);
  const cpu: Phase['cpu'] = {
    serverMsPerRequest: perRequest(cpuBefore?.tree, cpuAfter?.tree),
    redisMsPerRequest: STORE === 'redis' ? perRequest(cpuBefore?.named, cpuAfter?.named) : null,
    machineBusy: jiffiesBefore === null || jiffiesAfter === null ? null : (jiffiesAfter.busy - jiffiesBefore.busy) / Math.max(1, jiffiesAfter.total - jiffiesBefore.total),
  };
  // /metrics is per process: with replicas two scrapes may reach different ones, so their
  // differences mean nothing (the CPU figures above cover every replica).
  const perProcess = REPLICAS === 1;
  const stages = perProcess ? stageRows(diff(await histograms(server.url, 'evrec_stage_duration_seconds', 'stage'), before)) : [];
  const candidates = perProcess ? stageRows(diff(await histograms(server.url, 'evrec_candidates', 'source'), candBefore), 1) : [];
  const gc = perProcess
    ? [...diff(await histograms(server.url, 'evrec_nodejs_gc_duration_seconds', 'kind'), gcBefore).entries()]
        .filter(([, h]) => h.count > 0)
        .map(([kind, h]) => ({ kind, count: h.count, totalMs: h.sum * 1000, meanMs: (h.sum * 1000) / h.count }))
    : [];
  return {
    name,
    seconds,
    connections,
    requestsPerSecond: r.requests.average,
    requests: r.requests.total,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max },
    failed: { non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts },
    stages,
    candidates,
    gc,
    cpu,
    swap,
  };
}

async function bundleVersion(): Promise<string> {
  return ((await (await fetch(`${server.url}/v1/bundle`)).json()) as { version: string }).version;
}

/** Publishes the work bundle as a new version halfway through; the server follows current.json. */
async function swapHalfway(): Promise<Phase['swap']> {
  await new Promise((r) => setTimeout(r, (DURATION * 1000) / 2));
  const from = await bundleVersion();
  const t0 = performance.now();
  const { version } = await (await WorkBundle.open(ARTIFACTS)).publish({ setCurrent: true });
  const publishSeconds = (performance.now() - t0) / 1000;
  let visible: number | null = null;
  const deadline = t0 + (DURATION * 1000) / 2 - 1000;
  while (performance.now() < deadline) {
    if ((await bundleVersion()) === version) {
      visible = (performance.now() - t0) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(visible === null ? `bundle ${version} not swapped in before the run ended` : `bundle ${version} serving ${visible.toFixed(1)} s after publish started`);
  const serverLoad = visible === null ? undefined : ((await (await fetch(`${server.url}/v1/bundle`)).json()) as { load: unknown }).load;
  return { from, to: version, publishSeconds, visibleAfterSeconds: visible, serverLoad };
}

const phases: Phase[] = [];
try {
  log('warm-up');
  await phase('warm-up', 5, 2);
  const at = RATE === undefined ? '' : ` at ${RATE} req/s`;
  if (args.swap) phases.push(await phase(`swap (${DURATION} s, publish at ${DURATION / 2} s), ${CONNECTIONS} connections${at}`, DURATION, CONNECTIONS, swapHalfway, RATE));
  else {
    phases.push(await phase('1 connection', DURATION, 1));
    phases.push(await phase(`${CONNECTIONS} connections${at}`, DURATION, CONNECTIONS, undefined, RATE));
    for (const r of (args.rates ?? '').split(',').filter((x) => x !== '').map(Number)) {
      phases.push(await phase(`${r} req/s paced (open loop)`, DURATION, 0, undefined, r, true));
    }
  }
} finally {
  server.proc.kill('SIGTERM');
  // A CPU profile is written as the server exits: wait for it (bounded).
  if (args['cpu-prof'] !== undefined) await Promise.race([new Promise((r) => server.proc.once('exit', r)), new Promise((r) => setTimeout(r, 60_000))]);
}

// ───────────────────────────── report ─────────────────────────────

const f = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : '-');
console.log(`api-load: ${N_EVENTS.toLocaleString('en-US')} events, ${N_USERS.toLocaleString('en-US')} users, GET recommendations (limit 20) as of ${new Date(T).toISOString()}, ranker on ${args['no-scoring-thread'] ? 'the serving thread' : 'a scoring thread'}, ${STORE} store, ${REPLICAS} ${REPLICAS === 1 ? 'process' : 'replica processes (per-process server stages and GC not shown)'}; ${cpus().length} cpus (server, autocannon${STORE === 'redis' ? ', Redis' : ''} and the OS share them)`);
for (const p of phases) {
  const failed = p.failed.non2xx + p.failed.errors + p.failed.timeouts;
  console.log(`\n${p.name}: ${f(p.requestsPerSecond)} req/s, client latency p50 ${f(p.latencyMs.p50)} ms, p90 ${f(p.latencyMs.p90)} ms, p99 ${f(p.latencyMs.p99)} ms, max ${f(p.latencyMs.max)} ms; failed ${failed} (non-2xx ${p.failed.non2xx}, errors ${p.failed.errors}, timeouts ${p.failed.timeouts})`);
  if (p.swap) {
    console.log(`  swap ${p.swap.from} → ${p.swap.to}: publish took ${f(p.swap.publishSeconds)} s, serving after ${p.swap.visibleAfterSeconds === null ? 'never' : `${f(p.swap.visibleAfterSeconds)} s`}`);
    if (p.swap.serverLoad !== undefined) console.log(`  server-side load of the new bundle: ${JSON.stringify(p.swap.serverLoad)}`);
  }
  const cand = p.candidates.map((c) => `${c.stage} ${f(c.meanMs, 0)}`).join(', ');
  console.log(`  candidates per request (mean): ${cand}`);
  console.log(`  CPU per request: server ${f(p.cpu.serverMsPerRequest ?? NaN)} ms${p.cpu.redisMsPerRequest === null ? '' : `, Redis ${f(p.cpu.redisMsPerRequest)} ms`}; machine busy ${p.cpu.machineBusy === null ? '-' : `${(100 * p.cpu.machineBusy).toFixed(0)}%`} of ${cpus().length} cores`);
  console.log(`  server GC: ${p.gc.map((g) => `${g.kind} ${g.count}× (${f(g.totalMs, 0)} ms, mean ${f(g.meanMs, 1)} ms)`).join(', ') || 'none'}`);
  console.log(`  ${'server stage'.padEnd(20)} ${'mean ms'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const s of p.stages.sort((a, b) => b.meanMs - a.meanMs)) console.log(`  ${s.stage.padEnd(20)} ${f(s.meanMs, 2).padStart(8)} ${f(s.p50Ms, 2).padStart(8)} ${f(s.p99Ms, 2).padStart(8)}`);
}
console.log('\n(server stage quantiles are interpolated inside the /metrics histogram buckets)');

await mkdir('bench-results', { recursive: true });
const file = 'bench-results/api-load.json';
const previous = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as { runs?: unknown[] }) : {};
const run = {
  at: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30) },
  params: { events: N_EVENTS, users: N_USERS, interactionsPerUser: PER_USER, friendsPerUser: FRIENDS, connections: CONNECTIONS, rate: RATE ?? null, durationSeconds: DURATION, swap: args.swap, limit: 20, scoringThread: !args['no-scoring-thread'], semiSpaceMb: SEMI_SPACE_MB, store: STORE, replicas: REPLICAS },
  build: { seconds: ready.buildSeconds, materializeSeconds: materializeSeconds ?? null, serverStartSeconds: server.startSeconds, textCacheWarmSeconds },
  phases,
  totalSeconds: (performance.now() - started) / 1000,
};
// One file, the latest run per mode (plain / swap) and size.
const runs = ((previous.runs ?? []) as Array<typeof run>).filter((r) => !(r.params.events === N_EVENTS && r.params.users === N_USERS && r.params.swap === args.swap && r.params.scoringThread === !args['no-scoring-thread']));
await writeFile(file, JSON.stringify({ bench: 'api-load', runs: [...runs, run] }, null, 2) + '\n');
const failedTotal = phases.reduce((n, p) => n + p.failed.non2xx + p.failed.errors + p.failed.timeouts, 0);
if (args.swap && failedTotal > 0) {
  console.error(`FAILED: ${failedTotal} failed requests during the swap run`);
  process.exitCode = 1;
}
