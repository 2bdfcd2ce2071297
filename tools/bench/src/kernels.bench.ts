/**
 * Dot-product kernel micro-benchmark for @evrec/ann's exact scans: one query against R rows of D floats
 * (default 36k × 64: the biggest window of the 1M-event retrieval bench), median of runs, for
 *   - `js-f64`: the plain JS loop the scans used before (dotRow: f64 sums, unrolled by 4),
 *   - `js-f32`: VectorArena's JS kernel (the fallback: f32 arithmetic with Math.fround, same bits as WASM),
 *   - `wasm-simd`: VectorArena's WebAssembly SIMD kernel over a contiguous block (`scan`),
 *   - `wasm-simd gather`: the same rows picked by index out of a bigger array (`scanRows`, the index's
 *     exact-allowed path), and `js-f32 gather`.
 *
 *   npx tsx tools/bench/src/kernels.bench.ts                 # ~5 s
 *   npx tsx tools/bench/src/kernels.bench.ts --rows 100000 --dims 128 --runs 50
 *
 * Prints a table to stdout and writes bench-results/kernels.json (--out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { VectorArena } from '@evrec/ann';
import { createRng } from '@evrec/core';
import { printTable, quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '36000' },
    dims: { type: 'string', default: '64' },
    'gather-from': { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '31' },
    seed: { type: 'string', default: 'kernels-bench' },
    out: { type: 'string', default: 'bench-results/kernels.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`kernels.bench.ts options (defaults in brackets):
  --rows R          rows scored per run [36000]
  --dims D          floats per row [64]
  --gather-from G   rows of the array the gather picks R rows from [1000000]
  --runs N          timed runs per kernel (median reported; 3 warm-up runs first) [31]
  --seed S          data seed [kernels-bench]
  --out FILE        JSON results [bench-results/kernels.json]
`);
  process.exit(0);
}

const rows = Number(args.rows);
const dims = Number(args.dims);
const gatherFrom = Math.max(rows, Number(args['gather-from']));
const runs = Number(args.runs);

/** The scans' previous kernel (vector-math.ts dotRow before the arena): f64 sums in four accumulators. */
function dotRowF64(q: Float32Array, m: Float32Array, offset: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < d; i += 4) {
    s0 += q[i] * m[offset + i];
    s1 += q[i + 1] * m[offset + i + 1];
    s2 += q[i + 2] * m[offset + i + 2];
    s3 += q[i + 3] * m[offset + i + 3];
  }
  for (; i < d; i++) s0 += q[i] * m[offset + i];
  return s0 + s1 + s2 + s3;
}

function time(run: () => unknown): number[] {
  for (let i = 0; i < 3; i++) run();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    run();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const rng = createRng(args.seed);
  const data = Float32Array.from({ length: rows * dims }, () => rng.next() * 2 - 1);
  const query = Float32Array.from({ length: dims }, () => rng.next() * 2 - 1);
  const picks = Int32Array.from({ length: rows }, () => rng.int(gatherFrom));
  const big = Float32Array.from({ length: gatherFrom * dims }, () => rng.next() * 2 - 1);

  const out = new Float32Array(rows);
  const kernels: Array<{ kernel: string; run: () => unknown; check: () => Float32Array }> = [];
  kernels.push({
    kernel: 'js-f64 (previous dotRow)',
    run: () => {
      for (let r = 0; r < rows; r++) out[r] = dotRowF64(query, data, r * dims, dims);
    },
    check: () => out,
  });
  for (const kind of ['js', 'auto'] as const) {
    const arena = new VectorArena(dims, { kernel: kind });
    const block = arena.alloc(rows);
    arena.view(block).set(data);
    const bigBlock = arena.alloc(gatherFrom);
    arena.view(bigBlock).set(big);
    const name = arena.kernel === 'js' ? 'js-f32' : arena.kernel;
    kernels.push({ kernel: name, run: () => arena.scan(block, query), check: () => arena.scan(block, query).slice() });
    kernels.push({ kernel: `${name} gather`, run: () => arena.scanRows(bigBlock, picks, query), check: () => arena.scanRows(bigBlock, picks, query).slice() });
  }

  const rowsOut: Record<string, string | number>[] = [];
  const load = loadavg()[0];
  let baseline = NaN;
  for (const k of kernels) {
    const samples = time(k.run);
    const p50 = quantile(samples, 0.5);
    if (Number.isNaN(baseline)) baseline = p50;
    rowsOut.push({
      kernel: k.kernel,
      rows,
      dims,
      p50Ms: Number(p50.toFixed(3)),
      minMs: Number(samples[0].toFixed(3)),
      gmacPerSec: Number(((rows * dims) / (p50 * 1e6)).toFixed(2)),
      speedup: Number((baseline / p50).toFixed(1)),
    });
  }
  // The two f32 kernels must agree bit for bit (the JS one is the fallback).
  const [, js, jsGather, wasm, wasmGather] = kernels.map((k) => k.check());
  const identical = js.every((x, i) => Object.is(x, wasm[i])) && jsGather.every((x, i) => Object.is(x, wasmGather[i]));

  printTable(`Dot-product kernels: one query × ${rows} rows × ${dims} dims, median of ${runs} runs (gather: rows picked from ${gatherFrom})`, rowsOut);
  process.stdout.write(`\njs-f32 and wasm-simd scores bit-identical: ${identical}. Load average ${load.toFixed(2)}; ${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'}.\n`);
  const result = { bench: 'kernels', date: new Date().toISOString(), params: { rows, dims, gatherFrom, runs }, loadAverage: load, identical, rows: rowsOut };
  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(args.out, JSON.stringify(result, null, 2) + '\n');
  if (!identical) process.exitCode = 1;
}

await main();
