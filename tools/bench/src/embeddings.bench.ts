/**
 * Two-tower benchmark for @evrec/embeddings: per available backend, training examples/s of the
 * default towers (64-d, 2^16-row event-id table, in-batch softmax with log-q) on a generated
 * synthetic world, and the serving latencies: one user vector from profile + 50 history events,
 * one new event vector, and a batch of 256 user vectors.
 *
 *   npx tsx tools/bench/src/embeddings.bench.ts                     # wasm and cpu, ~1–2 min
 *   npx tsx tools/bench/src/embeddings.bench.ts --backends wasm --epochs 3 --data DIR
 *
 * Prints a table to stdout, progress to stderr, and writes bench-results/embeddings.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Event, TfBackendChoice } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { trainTwoTower, type TwoTowerModel } from '@evrec/embeddings';
import { initTf } from '@evrec/tf';
import { markdownGrid } from './report.ts';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,wasm,cpu' },
    data: { type: 'string' },
    epochs: { type: 'string', default: '2' },
    batch: { type: 'string', default: '512' },
    'latency-seconds': { type: 'string', default: '3' },
    out: { type: 'string', default: 'bench-results/embeddings.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`embeddings.bench.ts options (defaults in brackets):
  --backends LIST          backends to try, skipped when unavailable [tensorflow,wasm,cpu]
  --data DIR               native dataset to train on [a generated world: 1,000 users, 800 events, 28 days]
  --epochs N               training epochs per backend; examples/s is that of the last [2]
  --batch B                positives per step [512]
  --latency-seconds S      time budget per latency measurement [3]
  --out FILE               JSON results [bench-results/embeddings.json]
`);
  process.exit(0);
}

const epochs = Number(args.epochs);
const batchSize = Number(args.batch);
const latencySeconds = Number(args['latency-seconds']);
const log = (s: string): boolean => process.stderr.write(s + '\n');

interface Latency {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

interface BackendResult {
  backend: string;
  trainPairs: number;
  trainExamplesPerSec: number;
  /** CPU seconds per wall second while training (below 1: the process waited for a shared core). */
  cpuShare: number;
  recallAt50?: number;
  userVector: Latency;
  newEventVector: Latency;
  users256PerSec: number;
}

function measure(f: () => void): Latency {
  for (let i = 0; i < 5; i++) f();
  const samples: number[] = [];
  const start = performance.now();
  while ((performance.now() - start) / 1000 < latencySeconds && samples.length < 5000) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number): number => +samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(3);
  return { p50Ms: q(0.5), p99Ms: q(0.99), samples: samples.length };
}

async function benchBackend(ds: InMemoryDataset, choice: TfBackendChoice, backend: string): Promise<BackendResult> {
  let lastRate = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { model, metrics } = await trainTwoTower(ds, {
    epochs,
    batchSize,
    backend: choice,
    patience: epochs,
    progress: (e) => {
      if (e.stage !== 'train.embeddings' || e.metrics === undefined) return;
      lastRate = Number(e.metrics['ex/s']);
      log(`[embeddings.bench] ${backend}: epoch ${e.done}/${e.total} ${Object.entries(e.metrics).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(3) : v}`).join(' ')}`);
    },
  });
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  try {
    return { backend, trainPairs: metrics.train_pairs, trainExamplesPerSec: lastRate, cpuShare: +(cpuSeconds / wall).toFixed(2), recallAt50: metrics['recall@50'], ...latencies(ds, model) };
  } finally {
    model.dispose();
  }
}

function latencies(ds: InMemoryDataset, model: TwoTowerModel): Pick<BackendResult, 'userVector' | 'newEventVector' | 'users256PerSec'> {
  const events = [...ds.events.values()];
  const users = [...ds.users.values()];
  const history = events.slice(0, 50);
  const at = ds.manifest.timeRange?.[1] ?? Date.now();
  let u = 0;
  const userVector = measure(() => {
    model.embedUser({ user: users[u++ % users.length], history, context: { at } });
  });
  let n = 0;
  const newEventVector = measure(() => {
    const source = events[n % events.length];
    const fresh: Event = { ...source, id: `bench-new-${n++}` };
    model.embedEvents([fresh]);
  });
  const inputs = users.slice(0, 256).map((user, i) => ({ user, history: events.slice(i % 100, (i % 100) + 20), context: { at } }));
  const batch = measure(() => {
    model.embedUsers(inputs);
  });
  return { userVector, newEventVector, users256PerSec: Math.round(256 / (batch.p50Ms / 1000)) };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg()[0];
  let tmp: string | undefined;
  let dataDir = args.data;
  if (dataDir === undefined) {
    tmp = await mkdtemp(join(tmpdir(), 'evrec-embeddings-bench-'));
    dataDir = join(tmp, 'world');
    await generateWorld({ preset: 'tiny', users: 1000, events: 800, seed: 1, outDir: dataDir });
  }
  const ds = await loadDataset(dataDir);
  const results: BackendResult[] = [];
  const skipped: Array<{ backend: string; reason: string }> = [];
  try {
    for (const choice of args.backends.split(',') as TfBackendChoice[]) {
      let backend: string;
      try {
        backend = (await initTf({ backend: choice })).backend;
      } catch (e) {
        skipped.push({ backend: choice, reason: (e as Error).message });
        log(`[embeddings.bench] ${choice}: unavailable (${(e as Error).message.slice(0, 160)})`);
        continue;
      }
      results.push(await benchBackend(ds, choice, backend));
    }
  } finally {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  }

  const header = ['backend', 'train ex/s', 'CPU share', 'recall@50', 'user vec p50 ms', 'p99 ms', 'new event p50 ms', 'p99 ms', '256 users/s'];
  const rows = results.map((r) => [
    r.backend,
    r.trainExamplesPerSec.toLocaleString('en-US'),
    r.cpuShare.toFixed(2),
    r.recallAt50?.toFixed(3) ?? '—',
    r.userVector.p50Ms.toFixed(2),
    r.userVector.p99Ms.toFixed(2),
    r.newEventVector.p50Ms.toFixed(2),
    r.newEventVector.p99Ms.toFixed(2),
    r.users256PerSec.toLocaleString('en-US'),
  ]);
  console.log(`\ntwo-tower, 64-d, batch ${batchSize}, ${epochs} epochs on ${ds.manifest.name} (${results[0]?.trainPairs ?? '?'} training positives); user vector: profile + 50 history events; Node ${process.version}, ${cpus().length} cores`);
  console.log(markdownGrid(header, rows, { firstColumnLeft: true }));
  for (const s of skipped) console.log(`skipped ${s.backend}: ${s.reason.slice(0, 200)}`);
  const totalS = (performance.now() - started) / 1000;
  console.log(`total ${totalS.toFixed(1)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (shared cores inflate times)`);

  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(
    args.out,
    JSON.stringify(
      {
        bench: 'embeddings',
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) },
        dataset: { name: ds.manifest.name, dir: args.data ?? 'generated', counts: ds.manifest.counts },
        epochs,
        batchSize,
        results,
        skipped,
        totalSeconds: +totalS.toFixed(1),
      },
      null,
      2,
    ) + '\n',
  );
  log(`[embeddings.bench] wrote ${args.out}`);
}

await main();
