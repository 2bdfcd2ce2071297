/**
 * HNSW benchmark for @evrec/ann on clustered synthetic embeddings (latent dims + noise; uniform random
 * vectors would understate recall badly). Measures build time and inserts/s per M, index size on disk,
 * recall@k against exact search with queries/s and p50/p99 latency per (M, ef), incremental adds, and
 * filtered search at two selectivities (graph walk with the filter callback vs exact scans).
 *
 *   npx tsx tools/bench/src/ann.bench.ts --n 100000 --dims 64
 *   npx tsx tools/bench/src/ann.bench.ts --n 1000000 --queries 100 --m 16 --ef 50,100,200 \
 *       --selectivity 0.5,0.1,0.01,0.001                                  # the 1M run of issue #4
 *
 * Memory: `rssAfterBuildMB` is the resident set right after each build (data + index), `peakRssMB`
 * the process's peak so far (`process.resourceUsage().maxRSS`).
 *
 * Prints tables to stdout, progress to stderr, and writes bench-results/ann.json (override with --out).
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AnnIndex, clusteredVectorsWithQueries, type AnnHit, type AnnSearchOptions } from '@evrec/ann';
import { createRng, throttledStderrProgress } from '@evrec/core';
import { printTable, quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dims: { type: 'string', default: '64' },
    queries: { type: 'string', default: '500' },
    k: { type: 'string', default: '100' },
    m: { type: 'string', default: '8,16,32' },
    ef: { type: 'string', default: '50,100,200,400' },
    'ef-construction': { type: 'string', default: '200' },
    'latent-dims': { type: 'string', default: '16' },
    clusters: { type: 'string', default: '200' },
    'filter-m': { type: 'string', default: '16' },
    'filter-ef': { type: 'string', default: '100,200' },
    selectivity: { type: 'string', default: '0.1,0.005' },
    seed: { type: 'string', default: 'ann-bench' },
    out: { type: 'string', default: 'bench-results/ann.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`ann.bench.ts options (defaults in brackets):
  --n N                 indexed vectors [100000]
  --dims D              dimensions [64]
  --queries Q           queries per measurement [500]
  --k K                 neighbours per query; recall is recall@K [100]
  --m LIST              M values to build [8,16,32]
  --ef LIST             search ef values [50,100,200,400]
  --ef-construction E   build ef [200]
  --latent-dims L       latent dimensionality of the synthetic data [16]
  --clusters C          latent cluster centres [200]
  --filter-m M          index used for the filtered runs [16]
  --filter-ef LIST      ef values for filtered graph search [100,200]
  --selectivity LIST    shares of the index a filter keeps [0.1,0.005]
  --seed S              data seed [ann-bench]
  --out FILE            JSON results [bench-results/ann.json]
`);
  process.exit(0);
}

const list = (s: string): number[] => s.split(',').map(Number);
const n = Number(args.n);
const dims = Number(args.dims);
const nq = Number(args.queries);
const k = Number(args.k);
const Ms = list(args.m);
const efs = list(args.ef);
const efConstruction = Number(args['ef-construction']);
const filterM = Number(args['filter-m']);
const filterEfs = list(args['filter-ef']);
const selectivities = list(args.selectivity);
const log = (s: string): boolean => process.stderr.write(s + '\n');

interface LatencyStats {
  queriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

function latency(samples: number[]): LatencyStats {
  const sorted = samples.slice().sort((a, b) => a - b);
  const at = (q: number): number => quantile(sorted, q);
  const total = samples.reduce((s, x) => s + x, 0);
  return { queriesPerSec: Math.round((1000 * samples.length) / total), p50Ms: round(at(0.5), 3), p99Ms: round(at(0.99), 3), meanMs: round(total / samples.length, 3) };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function recallOf(approx: AnnHit[], exact: AnnHit[]): number {
  if (exact.length === 0) return 1;
  const truth = new Set(exact.map((h) => h.id));
  let hit = 0;
  for (const h of approx) if (truth.has(h.id)) hit++;
  return hit / exact.length;
}

/** Runs every query once, timing each call, and returns recall against `truth` and latency. */
function measure(queries: Float32Array[], truth: AnnHit[][], run: (q: Float32Array) => AnnHit[]): LatencyStats & { recall: number } {
  for (let i = 0; i < Math.min(20, queries.length); i++) run(queries[i]); // warm up JIT and caches
  const samples: number[] = [];
  let recall = 0;
  for (let i = 0; i < queries.length; i++) {
    const t = performance.now();
    const hits = run(queries[i]);
    samples.push(performance.now() - t);
    recall += recallOf(hits, truth[i]);
  }
  return { recall: round(recall / queries.length, 4), ...latency(samples) };
}

async function dirBytes(dir: string, files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(join(dir, f))).size;
  return total;
}

async function main(): Promise<void> {
  const started = Date.now();
  log(`[ann.bench] n=${n} dims=${dims} queries=${nq} k=${k} M=${Ms.join(',')} ef=${efs.join(',')} efConstruction=${efConstruction}`);
  const t0 = performance.now();
  const data = clusteredVectorsWithQueries(
    { n: n + 1000, dims, latentDims: Number(args['latent-dims']), clusters: Number(args.clusters), seed: args.seed },
    nq,
  );
  const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * dims, (i + 1) * dims);
  const items = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, vector: row(data.items, i) }));
  const extra = Array.from({ length: 1000 }, (_, i) => ({ id: `new${i}`, vector: row(data.items, n + i) }));
  const queries = Array.from({ length: nq }, (_, i) => row(data.queries, i));
  log(`[ann.bench] generated data in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const tmp = await mkdtemp(join(tmpdir(), 'evrec-ann-bench-'));
  const builds: Record<string, unknown>[] = [];
  const searches: Record<string, unknown>[] = [];
  let truth: AnnHit[][] = [];
  let exactScan: LatencyStats | undefined;
  let filterIndex: AnnIndex | undefined;
  let incremental: Record<string, number> | undefined;
  try {
    for (const M of Ms) {
      const tb = performance.now();
      const index = AnnIndex.build(items, { dims, M, efConstruction, progress: throttledStderrProgress(5000) });
      const buildSeconds = (performance.now() - tb) / 1000;
      const rssAfterBuildMB = round(process.memoryUsage().rss / 2 ** 20, 0);
      const peakRssMB = round(process.resourceUsage().maxRSS / 1024, 0);
      const dir = join(tmp, `m${M}`);
      const ts = performance.now();
      await index.save(dir);
      const saveSeconds = (performance.now() - ts) / 1000;
      const graphBytes = await dirBytes(dir, ['index.hnsw']);
      const totalBytes = await dirBytes(dir, ['index.hnsw', 'vectors.f32', 'ids.json', 'manifest.json']);
      const tl = performance.now();
      await AnnIndex.load(dir, { verify: true });
      const loadSeconds = (performance.now() - tl) / 1000;
      await rm(dir, { recursive: true, force: true });
      builds.push({
        M,
        efConstruction,
        buildSeconds: round(buildSeconds, 2),
        insertsPerSec: Math.round(n / buildSeconds),
        rssAfterBuildMB,
        peakRssMB,
        graphMB: round(graphBytes / 2 ** 20, 1),
        artefactMB: round(totalBytes / 2 ** 20, 1),
        saveSeconds: round(saveSeconds, 2),
        loadVerifySeconds: round(loadSeconds, 2),
      });
      log(`[ann.bench] M=${M} built in ${buildSeconds.toFixed(1)} s, RSS ${rssAfterBuildMB} MB, peak ${peakRssMB} MB`);

      if (truth.length === 0) {
        // Ground truth once, by brute force over the same normalised vectors; also the exact-scan latency.
        const samples: number[] = [];
        truth = queries.map((q) => {
          const t = performance.now();
          const r = index.exactSearch(q, k);
          samples.push(performance.now() - t);
          return r;
        });
        exactScan = latency(samples);
        log(`[ann.bench] exact ground truth: ${exactScan.meanMs} ms/query`);
      }
      for (const ef of efs) {
        const r = measure(queries, truth, (q) => index.search(q, k, { ef }));
        searches.push({ M, ef, effectiveEf: Math.max(ef, k), [`recall@${k}`]: r.recall, queriesPerSec: r.queriesPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
      }
      if (M === filterM) {
        filterIndex = index;
        // Incremental inserts into the built (full) index: the first add triggers a ×1.5 resize.
        const ti = performance.now();
        for (const it of extra) index.add(it.id, it.vector);
        const addSeconds = (performance.now() - ti) / 1000;
        const tr = performance.now();
        for (const it of extra) index.remove(it.id);
        const removeSeconds = (performance.now() - tr) / 1000;
        incremental = { adds: extra.length, addsPerSec: Math.round(extra.length / addSeconds), removesPerSec: Math.round(extra.length / removeSeconds) };
      }
    }

    const filtered: Record<string, unknown>[] = [];
    const plans: Record<string, string | number>[] = [];
    if (filterIndex !== undefined) {
      const index = filterIndex;
      for (const share of selectivities) {
        // A random subset: unlike a city or category filter it is uncorrelated with the clusters,
        // which is the harder case for a graph walk.
        const rng = createRng(`${args.seed}/filter/${share}`);
        const allowedIds = items.filter(() => rng.next() < share).map((it) => it.id);
        const allowed = new Set(allowedIds);
        const filter = (id: string): boolean => allowed.has(id);
        const ftruth = queries.map((q) => index.exactSearch(q, k, { allowedIds }));
        const runs: [string, AnnSearchOptions][] = [
          ...filterEfs.map((ef): [string, AnnSearchOptions] => [`hnsw filter callback, ef=${ef}`, { filter, ef }]),
          ['exact scan of allowed ids', { allowedIds, exact: true }],
          ['exact scan of all, filter first', { filter, exact: true }],
        ];
        for (const [method, opts] of runs) {
          const r = measure(queries, ftruth, (q) => index.search(q, k, opts));
          filtered.push({ selectivity: share, allowed: allowedIds.length, method, [`recall@${k}`]: r.recall, queriesPerSec: r.queriesPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms });
          log(`[ann.bench] filter ${share} ${method}: recall ${r.recall}, p50 ${r.p50Ms} ms`);
        }
        plans.push({
          selectivity: share,
          allowed: allowedIds.length,
          withAllowedIds: index.searchPlan({ allowedIds }),
          withFilterAndSelectivity: index.searchPlan({ filter, selectivity: share }),
          withFilterOnly: index.searchPlan({ filter }),
        });
      }
    }

    printTable(`Builds (n=${n}, dims=${dims})`, builds as Record<string, string | number>[]);
    printTable(`Search, k=${k}, ${nq} queries, recall vs exact (exact scan: ${exactScan?.meanMs} ms/query, ${exactScan?.queriesPerSec} q/s)`, searches as Record<string, string | number>[]);
    if (incremental) printTable(`Incremental (M=${filterM}, into the full index)`, [incremental]);
    printTable(`Filtered search (M=${filterM}, k=${k})`, filtered as Record<string, string | number>[]);
    printTable('Path AnnIndex.search picks by default (thresholds: 2,000 ids or 1% of the index)', plans);

    const peakRssMB = round(process.resourceUsage().maxRSS / 1024, 0);
    process.stdout.write(`\nPeak RSS of the whole run: ${peakRssMB} MB. ${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'}.\n`);
    const result = {
      benchmark: 'ann',
      peakRssMB,
      startedAt: started,
      seconds: round((Date.now() - started) / 1000, 1),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      params: { n, dims, queries: nq, k, efConstruction, latentDims: Number(args['latent-dims']), clusters: Number(args.clusters), seed: args.seed },
      exactScan,
      builds,
      searches,
      incremental,
      filtered,
      plans,
    };
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
    log(`[ann.bench] wrote ${args.out} after ${result.seconds} s`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
