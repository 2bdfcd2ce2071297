/**
 * TF.js backend benchmark for @evrec/tf: per available backend (the native tensorflow backends
 * when installed, WASM, pure-JS CPU), training examples/s of the ranker-sized MLP
 * (128 → 256/128/64 → 1 logit, BCE on logits, Adam, batch 1024, through fitModel) and p50/p99
 * latency to score 500 candidates (one predict call with batchSize 500, read back).
 *
 *   npx tsx tools/bench/src/tf.bench.ts                     # wasm and cpu, ~45 s
 *   npx tsx tools/bench/src/tf.bench.ts --backends wasm --train-seconds 20
 *
 * Each phase is time-bounded, so slow backends get fewer steps rather than more minutes.
 * Prints a table to stdout, progress to stderr, and writes bench-results/tf.json (override with --out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { createRng, type TfBackendChoice } from '@evrec/core';
import { binaryCrossEntropy, fitModel, initTf, seededInitializer, type TfRuntime } from '@evrec/tf';
import { markdownGrid, quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'tensorflow,wasm,cpu' },
    inputs: { type: 'string', default: '128' },
    batch: { type: 'string', default: '1024' },
    candidates: { type: 'string', default: '500' },
    'train-seconds': { type: 'string', default: '8' },
    'score-seconds': { type: 'string', default: '4' },
    out: { type: 'string', default: 'bench-results/tf.json' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`tf.bench.ts options (defaults in brackets):
  --backends LIST        backends to try, skipped when unavailable [tensorflow,wasm,cpu]
  --inputs N             MLP input width [128]
  --batch B              training batch size [1024]
  --candidates C         rows scored per latency sample [500]
  --train-seconds S      training time budget per backend (after one warm-up step) [8]
  --score-seconds S      scoring time budget per backend [4]
  --out FILE             JSON results [bench-results/tf.json]
`);
  process.exit(0);
}

const inputs = Number(args.inputs);
const batch = Number(args.batch);
const candidates = Number(args.candidates);
const trainSeconds = Number(args['train-seconds']);
const scoreSeconds = Number(args['score-seconds']);
const log = (s: string): boolean => process.stderr.write(s + '\n');

interface BackendResult {
  backend: string;
  requested: string;
  simd?: boolean;
  trainExamplesPerSec: number;
  /** Examples per second of this process's CPU time (steadier than wall clock on shared cores). */
  trainExamplesPerCpuSec: number;
  trainSteps: number;
  scoreP50Ms: number;
  scoreP99Ms: number;
  scoreMeanMs: number;
  scoreSamples: number;
  numTensorsAfter: number;
}

function rankerMlp(seed: number): tf.LayersModel {
  const rng = createRng(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 256, inputShape: [inputs], activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal') }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal') }),
      tf.layers.dense({ units: 64, activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal') }),
      tf.layers.dense({ units: 1, kernelInitializer: seededInitializer(rng) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: binaryCrossEntropy() });
  return model;
}

async function benchBackend(rt: TfRuntime): Promise<BackendResult> {
  const rng = createRng('tf-bench');
  const model = rankerMlp(1);
  // Four batches of data: fitModel shuffles and gathers them as it would real examples.
  const n = batch * 4;
  const x = tf.tensor2d(Float32Array.from({ length: n * inputs }, () => rng.normal()), [n, inputs]);
  const y = tf.tensor2d(Float32Array.from({ length: n }, () => (rng.chance(0.1) ? 1 : 0)), [n, 1]);
  const one = { x: x.slice([0, 0], [batch, inputs]), y: y.slice([0, 0], [batch, 1]) };
  await fitModel(model, one, { epochs: 1, batchSize: batch }); // warm-up: kernels, optimizer slots

  // Training: whole epochs of 4 steps until the budget is spent.
  let steps = 0;
  let seconds = 0;
  const cpu0 = process.cpuUsage();
  while (seconds < trainSeconds) {
    const t0 = performance.now();
    await fitModel(model, { x, y }, { epochs: 1, batchSize: batch, seed: steps });
    seconds += (performance.now() - t0) / 1000;
    steps += n / batch;
    log(`[tf.bench] ${rt.backend}: ${steps} steps, ${((steps * batch) / seconds).toFixed(0)} examples/s`);
  }

  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  // Scoring: one predict of `candidates` rows, data read back, like a ranking request.
  const cands = tf.tensor2d(Float32Array.from({ length: candidates * inputs }, () => rng.normal()), [candidates, inputs]);
  const score = async (): Promise<void> => {
    const out = model.predict(cands, { batchSize: candidates }) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < 5; i++) await score();
  const samples: number[] = [];
  const start = performance.now();
  while ((performance.now() - start) / 1000 < scoreSeconds && samples.length < 2000) {
    const t0 = performance.now();
    await score();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  tf.dispose([x, y, one.x, one.y, cands]);
  model.dispose();
  return {
    backend: rt.backend,
    requested: rt.details.requested,
    simd: rt.details.simd,
    trainExamplesPerSec: Math.round((steps * batch) / seconds),
    trainExamplesPerCpuSec: Math.round((steps * batch) / cpuSeconds),
    trainSteps: steps,
    scoreP50Ms: +quantile(samples, 0.5).toFixed(2),
    scoreP99Ms: +quantile(samples, 0.99).toFixed(2),
    scoreMeanMs: +(samples.reduce((s, v) => s + v, 0) / samples.length).toFixed(2),
    scoreSamples: samples.length,
    numTensorsAfter: tf.memory().numTensors,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const results: BackendResult[] = [];
  const skipped: Array<{ backend: string; reason: string }> = [];
  for (const choice of args.backends.split(',') as TfBackendChoice[]) {
    let rt: TfRuntime;
    try {
      rt = await initTf({ backend: choice });
    } catch (e) {
      skipped.push({ backend: choice, reason: (e as Error).message });
      log(`[tf.bench] ${choice}: unavailable (${(e as Error).message.slice(0, 160)})`);
      continue;
    }
    log(`[tf.bench] ${choice} → ${rt.backend}${rt.details.simd ? ' (SIMD)' : ''}`);
    results.push(await benchBackend(rt));
  }

  const header = ['backend', 'train examples/s', 'per CPU-s', 'steps', `score ${candidates} p50 ms`, 'p99 ms', 'mean ms', 'samples'];
  const rows = results.map((r) => [
    r.backend + (r.simd ? ' + SIMD' : ''),
    r.trainExamplesPerSec.toLocaleString('en-US'),
    r.trainExamplesPerCpuSec.toLocaleString('en-US'),
    String(r.trainSteps),
    r.scoreP50Ms.toFixed(2),
    r.scoreP99Ms.toFixed(2),
    r.scoreMeanMs.toFixed(2),
    String(r.scoreSamples),
  ]);
  console.log(`\nranker MLP ${inputs} → 256/128/64 → 1, BCE on logits, Adam, batch ${batch}; Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  console.log(markdownGrid(header, rows, { firstColumnLeft: true }));
  for (const s of skipped) console.log(`skipped ${s.backend}: ${s.reason.slice(0, 200)}`);
  const totalS = (performance.now() - started) / 1000;
  console.log(`total ${totalS.toFixed(1)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (shared cores inflate times)`);

  await mkdir(dirname(args.out), { recursive: true });
  await writeFile(
    args.out,
    JSON.stringify(
      {
        bench: 'tf',
        at: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) },
        tfjs: tf.version.tfjs,
        model: { inputs, hidden: [256, 128, 64], outputs: 1, loss: 'bce-logits', optimizer: 'adam', batch },
        candidates,
        results,
        skipped,
        totalSeconds: +totalS.toFixed(1),
      },
      null,
      2,
    ) + '\n',
  );
  log(`[tf.bench] wrote ${args.out}`);
}

await main();
