/**
 * Candidate-generation benchmark for @evrec/retrieval: per-request latency (p50/p99, with a per-stage
 * breakdown) of `retrieveCandidates` with 500 ANN candidates from an index of N events, with and
 * without caller filters, against the embedded feature store (MemoryFeatureStore) holding users,
 * friendships and registrations.
 *
 *   npx tsx tools/bench/src/retrieval.bench.ts                        # N = 100k (~1–2 min, mostly the index build)
 *   npx tsx tools/bench/src/retrieval.bench.ts --events 1000000 --requests 200   # 1M: the build takes minutes
 *
 * Each scenario runs twice on the same world: `buckets` (the request path: popular/new walk the
 * catalogue's sorted buckets, allowed ids listed only for small windows; once per --exact-share
 * value when several are given) and `scan` (the previous path, `poolScan: true`: one scan of every
 * event in the window), unless --no-baseline.
 *
 * World: N events around `--cities` city centres (Zipf-sized, so big cities hold many events), starting
 * uniformly over 60 days after T, 5% online, 20 categories, 10 languages, prices, capacities; 64-d
 * clustered synthetic vectors (`clusteredVectorsWithQueries`: structure like learned embeddings).
 * Users live in the same cities (Zipf), each with friends and registrations before T.
 * Prints tables to stdout, progress to stderr, and writes bench-results/retrieval.json (--out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AnnIndex, clusteredVectorsWithQueries } from '@evrec/ann';
import { MS_PER_DAY, createRng, throttledStderrProgress, type Event, type Interaction, type RequestContext, type User } from '@evrec/core';
import { MemoryFeatureStore } from '@evrec/store';
import { Catalog, refreshCatalogStats, retrieveCandidates, type RetrievalFilters, type RetrievalResult } from '@evrec/retrieval';
import { printTable, quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    events: { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'index-dir': { type: 'string' },
    'exact-share': { type: 'string' },
    dims: { type: 'string', default: '64' },
    requests: { type: 'string', default: '500' },
    k: { type: 'string', default: '500' },
    cities: { type: 'string', default: '300' },
    users: { type: 'string', default: '20000' },
    friends: { type: 'string', default: '12' },
    registrations: { type: 'string', default: '6' },
    seed: { type: 'string', default: 'retrieval-bench' },
    out: { type: 'string', default: 'bench-results/retrieval.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`retrieval.bench.ts options (defaults in brackets):
  --n N, --events N   indexed events [100000]
  --no-baseline       skip the previous path (poolScan: one scan of the window) as the baseline
  --exact-share LIST  exactScanMaxShare of the current path; several (0.1,0.2,0.5) run one mode each [retrieval default]
  --index-dir DIR     load the HNSW index from DIR when it holds one for the same world, else build and save it there
  --dims D            vector dimensions [64]
  --requests R        requests per scenario [500]
  --k K               ANN candidates per request [500]
  --cities C          city centres (Zipf-sized) [300]
  --users U           users in the store [20000]
  --friends F         friends per user [12]
  --registrations G   registrations per user before T [6]
  --seed S            seed [retrieval-bench]
  --out FILE          JSON results [bench-results/retrieval.json]
`);
  process.exit(0);
}

const n = Number(args.events ?? args.n);
const dims = Number(args.dims);
const nReq = Number(args.requests);
const k = Number(args.k);
const nCities = Number(args.cities);
const nUsers = Number(args.users);
const log = (s: string): boolean => process.stderr.write(s + '\n');
const T = Date.UTC(2026, 5, 1);
const CATEGORIES = Array.from({ length: 20 }, (_, i) => `cat${i}`);
const LANGUAGES = ['en', 'es', 'fr', 'de', 'ja', 'zh', 'pt', 'it', 'ko', 'ar'];

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Zipf(1) weights: city i gets weight 1/(i+1). */
function zipfPicker(count: number, rng: ReturnType<typeof createRng>): () => number {
  const cum = new Float64Array(count);
  let s = 0;
  for (let i = 0; i < count; i++) cum[i] = s += 1 / (i + 1);
  return () => {
    const x = rng.next() * s;
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

interface Scenario {
  name: string;
  description: string;
  context: (i: number) => Omit<RequestContext, 'at'>;
  filters?: (i: number) => RetrievalFilters;
  anonymous?: boolean;
  radiusKm?: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const progress = throttledStderrProgress(2000);
  const rng = createRng(args.seed);
  log(`[retrieval.bench] n=${n} dims=${dims} requests=${nReq} k=${k} cities=${nCities} users=${nUsers}`);

  // Cities, events, vectors.
  const cities = Array.from({ length: nCities }, () => ({ lat: -45 + rng.next() * 105, lng: -180 + rng.next() * 360 }));
  const pickCity = zipfPicker(nCities, rng.fork('zipf'));
  const jitter = (c: { lat: number; lng: number }, km: number): { lat: number; lng: number } => {
    const r = km * Math.sqrt(rng.next());
    const a = 2 * Math.PI * rng.next();
    const lat = Math.max(-89, Math.min(89, c.lat + (r / 111) * Math.cos(a)));
    const lng = ((c.lng + (r / (111 * Math.cos((c.lat * Math.PI) / 180))) * Math.sin(a) + 540) % 360) - 180;
    return { lat, lng };
  };
  const t0 = performance.now();
  const data = clusteredVectorsWithQueries({ n, dims, latentDims: 16, clusters: 200, seed: args.seed }, nReq);
  const events: Event[] = [];
  const eventsByCity = new Map<number, string[]>();
  for (let i = 0; i < n; i++) {
    const online = rng.chance(0.05);
    const city = online ? -1 : pickCity();
    const p = online ? undefined : jitter(cities[city], 30);
    if (!online) {
      const l = eventsByCity.get(city) ?? [];
      l.push(`e${i}`);
      eventsByCity.set(city, l);
    }
    const price = rng.chance(0.3) ? 0 : Math.round(5 + rng.next() * 95);
    events.push({
      id: `e${i}`,
      createdAt: T - Math.floor(rng.next() * 30 * MS_PER_DAY),
      startsAt: T + Math.floor(rng.next() * 60 * MS_PER_DAY),
      online,
      lat: p?.lat,
      lng: p?.lng,
      category: rng.pick(CATEGORIES),
      language: rng.pick(LANGUAGES),
      price,
      currency: 'USD',
      capacity: rng.chance(0.5) ? 5 + rng.int(200) : undefined,
      status: 'scheduled',
    });
  }
  log(`[retrieval.bench] world generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const tb = performance.now();
  // The same seed and sizes give the same vectors, so a saved index can stand in for a rebuild.
  const cacheDir = args['index-dir'] === undefined ? undefined : join(args['index-dir'], `n${n}-d${dims}-${args.seed}`);
  let index: AnnIndex;
  let buildSeconds = NaN;
  if (cacheDir !== undefined && existsSync(join(cacheDir, 'manifest.json'))) {
    index = await AnnIndex.load(cacheDir, { verify: false });
    log(`[retrieval.bench] index loaded from ${cacheDir} in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
  } else {
    index = AnnIndex.build(
      events.map((e, i) => ({ id: e.id, vector: data.items.subarray(i * dims, (i + 1) * dims) })),
      { dims, progress },
    );
    buildSeconds = (performance.now() - tb) / 1000;
    if (cacheDir !== undefined) await index.save(cacheDir);
  }
  const catalog = new Catalog({ index });
  catalog.upsertMany(events, undefined, false);

  // Users with homes, friends and registrations in their city, in the embedded store.
  const store = await MemoryFeatureStore.open();
  const users: User[] = [];
  const homeCity: number[] = [];
  const byCity = new Map<number, string[]>();
  for (let u = 0; u < nUsers; u++) {
    const c = pickCity();
    const home = jitter(cities[c], 20);
    users.push({ id: `u${u}`, lat: home.lat, lng: home.lng });
    homeCity.push(c);
    const list = byCity.get(c) ?? [];
    list.push(`u${u}`);
    byCity.set(c, list);
  }
  const ts = performance.now();
  let seq = 0;
  const batch: Interaction[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length > 0) await store.ingest(batch.splice(0, batch.length));
  };
  for (let u = 0; u < nUsers; u++) {
    const pool = eventsByCity.get(homeCity[u]) ?? [];
    for (let r = 0; r < Number(args.registrations) && pool.length > 0; r++) {
      batch.push({ id: `i${seq++}`, userId: `u${u}`, eventId: rng.pick(pool), type: 'register', at: T - 1 - Math.floor(rng.next() * 20 * MS_PER_DAY) });
      if (batch.length >= 5000) await flush();
    }
    const mates = byCity.get(homeCity[u]) ?? [];
    for (let f = 0; f < Number(args.friends) / 2 && mates.length > 1; f++) {
      const friendId = rng.pick(mates);
      if (friendId !== `u${u}`) await store.addFriendship({ userId: `u${u}`, friendId });
    }
  }
  await flush();
  await refreshCatalogStats(catalog, store, { at: T });
  // As the server does at bundle load: the buckets' index label lists are ready before requests.
  const tl = performance.now();
  const lists = catalog.prepareLabelLists();
  log(`[retrieval.bench] ${lists} bucket label lists in ${((performance.now() - tl) / 1000).toFixed(1)} s`);
  log(`[retrieval.bench] store loaded (${seq} registrations) and stats refreshed in ${((performance.now() - ts) / 1000).toFixed(1)} s`);

  const queryVec = (i: number): Float32Array => data.queries.subarray((i % nReq) * dims, ((i % nReq) + 1) * dims);
  const userOf = (i: number): User => users[(i * 7919) % users.length];
  const scenarios: Scenario[] = [
    { name: 'rules only', description: 'home location, 30 days, 100 km, registered/dismissed/sold out', context: () => ({}) },
    {
      name: 'rules + filters',
      description: '+ one category and max price 30 USD',
      context: () => ({}),
      filters: (i) => ({ categories: [CATEGORIES[i % CATEGORIES.length]], maxPrice: 30 }),
    },
    { name: 'narrow radius', description: '10 km radius around the request location', context: (i) => ({ lat: userOf(i).lat, lng: userOf(i).lng }), radiusKm: 10 },
    { name: 'anonymous', description: 'no user: request location, popular + new + context ANN', context: (i) => ({ lat: userOf(i).lat, lng: userOf(i).lng }), anonymous: true },
  ];

  // One `buckets` mode per --exact-share value (the retrieval default when absent).
  const shares = args['exact-share'] === undefined ? [undefined] : args['exact-share'].split(',').map(Number);
  const modes: Array<{ name: string; poolScan: boolean; exactScanMaxShare?: number }> = shares.map((share) => ({
    name: shares.length > 1 ? `buckets share ${share}` : 'buckets',
    poolScan: false,
    exactScanMaxShare: share,
  }));
  if (!args['no-baseline']) modes.push({ name: 'scan', poolScan: true });
  const rows: Record<string, string | number>[] = [];
  const results: Record<string, unknown>[] = [];
  // The raw index alone, for reference: the same k with no rules at all.
  {
    const samples: number[] = [];
    for (let i = 0; i < nReq; i++) {
      const t = performance.now();
      index.search(queryVec(i), k);
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    rows.push({ scenario: 'raw ANN (no rules)', path: '-', p50Ms: round(quantile(samples, 0.5)), p99Ms: round(quantile(samples, 0.99)), meanCandidates: k, annMs: round(quantile(samples, 0.5)), scanMs: 0, popularMs: 0, newMs: 0, activityMs: 0, friendsMs: 0, mergeMs: 0, allowed: n, paths: 'hnsw' });
  }
  // Popular and new lists per request on the first mode, to check the other mode returns the same.
  const reference = new Map<string, string>();
  const sameLists = new Map<string, string>();
  for (const s of scenarios) for (const mode of modes) {
    const samples: number[] = [];
    const stage: Record<'activity' | 'scan' | 'ann' | 'friends' | 'popular' | 'new' | 'merge', number[]> = { activity: [], scan: [], ann: [], friends: [], popular: [], new: [], merge: [] };
    let candidates = 0;
    let allowed = 0;
    let listed = 0;
    let same = 0;
    let truncatedBaseline = 0;
    const paths = new Map<string, number>();
    const run = async (i: number): Promise<RetrievalResult> => {
      const user = userOf(i);
      return retrieveCandidates({
        user: s.anonymous ? undefined : user,
        userVector: queryVec(i),
        context: { ...s.context(i), at: T },
        filters: s.filters?.(i),
        activity: store,
        catalog,
        k,
        radiusKm: s.radiusKm,
        poolScan: mode.poolScan,
        // The previous path with its previous defaults.
        maxScan: mode.poolScan ? 100_000 : undefined,
        exactScanMaxShare: mode.exactScanMaxShare,
      });
    };
    for (let i = 0; i < 20; i++) await run(nReq + i); // warm up
    for (let i = 0; i < nReq; i++) {
      const t = performance.now();
      const r = await run(i);
      samples.push(performance.now() - t);
      for (const key of Object.keys(stage) as Array<keyof typeof stage>) stage[key].push(r.timings[key]);
      candidates += r.candidates.length;
      if (r.allowed !== null) {
        allowed += r.allowed;
        listed++;
      }
      paths.set(r.annPath, (paths.get(r.annPath) ?? 0) + 1);
      // Each source's own list in its own order (the merged order also depends on the ANN's answer).
      const lists = JSON.stringify(
        (['popular', 'new'] as const).map((src) =>
          r.candidates
            .filter((c) => c.ranks[src] !== undefined)
            .sort((a, b) => (a.ranks[src] ?? 0) - (b.ranks[src] ?? 0))
            .map((c) => [c.eventId, c.scores[src]]),
        ),
      );
      const key = `${s.name}/${i}`;
      const ref = reference.get(key);
      if (ref === undefined) reference.set(key, lists);
      else if (r.truncated) truncatedBaseline++;
      else if (ref === lists) same++;
    }
    // The previous path's scan stops at maxScan (truncated): its popular/new then saw part of the area.
    if (mode !== modes[0]) sameLists.set(`${s.name} (${mode.name})`, `${same}/${nReq - truncatedBaseline} (+${truncatedBaseline} truncated)`);
    samples.sort((a, b) => a - b);
    const med = (xs: number[]): number => round(quantile(xs.sort((a, b) => a - b), 0.5));
    const row = {
      scenario: s.name,
      path: mode.name,
      p50Ms: round(quantile(samples, 0.5)),
      p99Ms: round(quantile(samples, 0.99)),
      meanCandidates: round(candidates / nReq, 1),
      annMs: med(stage.ann),
      scanMs: med(stage.scan),
      popularMs: med(stage.popular),
      newMs: med(stage.new),
      activityMs: med(stage.activity),
      friendsMs: med(stage.friends),
      mergeMs: med(stage.merge),
      allowed: listed === 0 ? '—' : round(allowed / listed, 0),
      paths: [...paths].map(([p, c]) => `${p} ${c}`).join(', '),
    };
    rows.push(row);
    results.push({ ...row, description: s.description });
    log(`[retrieval.bench] ${JSON.stringify(row)}`);
  }
  const maxRssMB = round(process.resourceUsage().maxRSS / 1024, 0);
  printTable(`Candidate generation, N=${n} events, k=${k}, ${nReq} requests per scenario (one thread; ms; stage columns are per-stage medians)`, rows);
  process.stdout.write(`\nIndex build: ${Number.isNaN(buildSeconds) ? 'loaded from --index-dir' : `${buildSeconds.toFixed(1)} s`} (M=16, efConstruction=200). Peak RSS ${maxRssMB} MB. ${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'}.\n`);
  if (sameLists.size > 0) {
    process.stdout.write(`Popular and new lists identical on both paths (of the requests the old scan did not truncate): ${[...sameLists].map(([sc, x]) => `${sc} ${x}`).join(', ')}\n`);
  }

  const out = {
    bench: 'retrieval',
    date: new Date().toISOString(),
    params: { n, dims, requests: nReq, k, cities: nCities, users: nUsers, friends: Number(args.friends), registrations: Number(args.registrations) },
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?' },
    buildSeconds: round(buildSeconds),
    maxRssMB,
    sameLists: Object.fromEntries(sameLists),
    rows,
    scenarios: results,
    seconds: (Date.now() - started) / 1000,
  };
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(out, null, 2) + '\n');
  log(`[retrieval.bench] wrote ${args.out} in ${out.seconds.toFixed(0)} s`);
  await store.close();
}

await main();
