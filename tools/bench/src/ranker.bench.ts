/**
 * Ranker benchmark (@evrec/ranker) on a seeded synthetic world: training-set materialisation rows/s,
 * NN and LR training examples/s on the TF.js backend initTf picks, and the latency of scoring 500
 * candidates for one request — features (assemble + encode) and model (one predict + calibration)
 * separately and together, p50/p99, plus the point-in-time snapshot that precedes them.
 *
 *   npx tsx tools/bench/src/ranker.bench.ts                          # ~1–2 min on 2 shared cores
 *   npx tsx tools/bench/src/ranker.bench.ts --users 5000 --events 3000 --days 60 --epochs 2
 *   npx tsx tools/bench/src/ranker.bench.ts --data DIR                # an existing native dataset
 *
 * Prints a table to stdout, progress to stderr, and writes bench-results/ranker.json (override with --out).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createRng, throttledStderrProgress, type Event } from '@evrec/core';
import { generateWorld, loadDataset } from '@evrec/data';
import { ReplayActivity, gatherActivity } from '@evrec/features';
import { trainRanker } from '@evrec/ranker';
import { initTf } from '@evrec/tf';
import { quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    users: { type: 'string', default: '1000' },
    events: { type: 'string', default: '800' },
    days: { type: 'string', default: '28' },
    seed: { type: 'string', default: '42' },
    epochs: { type: 'string', default: '2' },
    candidates: { type: 'string', default: '500' },
    queries: { type: 'string', default: '200' },
    out: { type: 'string', default: 'bench-results/ranker.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`ranker.bench.ts options (defaults in brackets):
  --data DIR        native dataset to use instead of generating one
  --users N         synthetic users [1000]      --events N   synthetic events [800]
  --days N          simulated days [28]         --seed S     world and training seed [42]
  --epochs N        training epochs (no early stop) [2]
  --candidates C    events scored per request [500]
  --queries Q       scoring requests measured [200]
  --out FILE        JSON results [bench-results/ranker.json]
`);
  process.exit(0);
}

const log = (s: string): boolean => process.stderr.write(s + '\n');
const round = (v: number, d = 2): number => +v.toFixed(d);

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const progress = throttledStderrProgress(3000);
  const runtime = await initTf();
  log(`[ranker.bench] backend ${runtime.backend}${runtime.details.simd ? ' (SIMD)' : ''}`);

  let tmp: string | undefined;
  let dir = args.data;
  if (dir === undefined) {
    tmp = await mkdtemp(join(tmpdir(), 'evrec-ranker-bench-'));
    dir = join(tmp, 'world');
    await generateWorld({ preset: 'tiny', users: Number(args.users), events: Number(args.events), days: Number(args.days), seed: Number(args.seed), outDir: dir });
  }
  try {
    const ds = await loadDataset(dir);
    log(`[ranker.bench] ${ds.manifest.name}: ${ds.users.size} users, ${ds.events.size} events, ${ds.interactions.length} interactions`);
    const epochs = Number(args.epochs);
    // Early stopping off (patience = epochs): every epoch is timed.
    const { ranker, report } = await trainRanker(ds, { epochs, patience: epochs + 1, seed: Number(args.seed), progress });
    const featureRows = report.nnFit.rows + report.validation.rows;

    // Scoring: random user, request time inside the last week, `candidates` events (live first).
    const n = Number(args.candidates);
    const queries = Number(args.queries);
    const rng = createRng(`ranker-bench-${args.seed}`);
    const reader = new ReplayActivity(ds);
    const users = [...ds.users.keys()];
    const events = [...ds.events.values()];
    const end = report.cuts.until;
    const snapshotMs: number[] = [];
    const featureMs: number[] = [];
    const modelMs: number[] = [];
    const totalMs: number[] = [];
    for (let q = -5; q < queries; q++) {
      const at = end - rng.int(7 * 86_400_000);
      const live = events.filter((e) => (e.startsAt ?? Infinity) > at && (e.createdAt ?? 0) <= at);
      const pool = live.length >= n ? live : events;
      const candidates: Event[] = Array.from({ length: n }, (_, i) => pool[(i + rng.int(pool.length)) % pool.length]);
      const userId = rng.pick(users);
      const t0 = performance.now();
      const snapshot = await gatherActivity(reader, { userId, eventIds: candidates.map((e) => e.id), at });
      const t1 = performance.now();
      const x = ranker.modelInput({ user: ds.users.get(userId), events: candidates, context: { at }, snapshot, catalog: ds.events });
      const t2 = performance.now();
      const p = ranker.probabilities('nn', x);
      const t3 = performance.now();
      if (p.length !== n) throw new Error('bad score count');
      if (q < 0) continue; // warm-up: text cache, kernels
      snapshotMs.push(t1 - t0);
      featureMs.push(t2 - t1);
      modelMs.push(t3 - t2);
      totalMs.push(t3 - t1);
    }
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { p50: round(quantile(s, 0.5)), p99: round(quantile(s, 0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
    };
    const scoring = { snapshot: stat(snapshotMs), features: stat(featureMs), model: stat(modelMs), featuresPlusModel: stat(totalMs) };
    const numTensors = tf.memory().numTensors;
    ranker.dispose();

    const training = {
      featureRowsPerSecond: Math.round(featureRows / report.seconds.features),
      featureRows,
      nnExamplesPerSecond: Math.round(report.nnFit.examplesPerSecond),
      nnRows: report.nnFit.rows,
      lrExamplesPerSecond: Math.round(report.lrFit.examplesPerSecond),
      epochs,
      inputs: ranker.meta.layout,
      hidden: ranker.meta.network.hidden,
    };
    const cpu = cpus()[0]?.model ?? '?';
    console.log(`\nranker on ${runtime.backend}${runtime.details.simd ? ' + SIMD' : ''}: ${ds.manifest.name}, ${ds.interactions.length} interactions; Node ${process.version}, ${cpus().length} cores (${cpu})`);
    console.log(`NN ${training.inputs.denseWidth} dense + ${training.inputs.categoricalOffsets.length} hashed ids (${training.inputs.categoricalRows}-row table) → ${ranker.meta.network.architecture} ${training.hidden.join('/')} → 1, ${ranker.meta.loss} loss, Adam, batch 512`);
    const table = (header: string[], rows: string[][]): void => {
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]): string => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
      console.log(line(header));
      console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
      for (const r of rows) console.log(line(r));
    };
    table(['training', 'rate', 'rows'], [
      ['features (snapshot + assemble + encode)', `${training.featureRowsPerSecond.toLocaleString('en-US')} rows/s`, String(featureRows)],
      ['NN training', `${training.nnExamplesPerSecond.toLocaleString('en-US')} examples/s`, String(training.nnRows)],
      ['LR training', `${training.lrExamplesPerSecond.toLocaleString('en-US')} examples/s`, String(training.nnRows)],
    ]);
    console.log('');
    table([`score ${n} candidates (${queries} requests)`, 'p50 ms', 'p99 ms', 'mean ms'], ([['snapshot (offline replay)', scoring.snapshot], ['features (assemble + encode)', scoring.features], ['model (predict + calibrate)', scoring.model], ['features + model', scoring.featuresPlusModel]] as const).map(([name, s]) => [name, String(s.p50), String(s.p99), String(s.mean)]));
    const totalS = (performance.now() - started) / 1000;
    console.log(`total ${totalS.toFixed(1)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (shared cores inflate times); tensors left ${numTensors}`);

    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(
      args.out,
      JSON.stringify(
        {
          bench: 'ranker',
          at: new Date().toISOString(),
          node: process.version,
          cpus: cpus().length,
          loadAverage: { before: round(loadBefore), after: round(loadavg()[0]) },
          backend: runtime.backend,
          simd: runtime.details.simd,
          dataset: { name: ds.manifest.name, users: ds.users.size, events: ds.events.size, interactions: ds.interactions.length },
          training,
          validation: report.validation,
          scoring: { candidates: n, queries, ...scoring },
          totalSeconds: round(totalS, 1),
        },
        null,
        2,
      ) + '\n',
    );
    log(`[ranker.bench] wrote ${args.out}`);
  } finally {
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  }
}

await main();
