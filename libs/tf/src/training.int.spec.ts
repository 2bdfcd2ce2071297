import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, type ProgressEvent } from '@evrec/core';
import { binaryCrossEntropy, fitModel, initTf, loadModel, saveModel, seededInitializer, type FitData } from './index.ts';

/** ROC AUC by the rank-sum formula (ties count half); kept here so @evrec/tf needs no metrics lib. */
function auc(labels: Float32Array, scores: Float32Array): number {
  let pos = 0;
  let neg = 0;
  let wins = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    pos++;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  for (let j = 0; j < labels.length; j++) if (labels[j] === 0) neg++;
  return wins / (pos * neg);
}

/** Labels from a fixed hyperplane with a little label noise: separable up to the noise. */
function toyData(n: number, seed: number): FitData {
  const rng = createRng(seed);
  const dims = 8;
  const w = [1.5, -2, 0.5, 0, 1, -1, 0, 0.7];
  const x = new Float32Array(n * dims);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dims; d++) {
      const v = rng.normal();
      x[i * dims + d] = v;
      s += w[d] * v;
    }
    y[i] = s + 0.3 * rng.normal() > 0 ? 1 : 0;
  }
  return { x: tf.tensor2d(x, [n, dims]), y: tf.tensor2d(y, [n, 1]) };
}

function mlp(seed: number): tf.LayersModel {
  const rng = createRng(seed);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 16, inputShape: [8], activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal') }),
      tf.layers.dense({ units: 1, kernelInitializer: seededInitializer(rng) }), // logits
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: binaryCrossEntropy(), metrics: [] });
  return model;
}

let root: string;

describe('fitModel on WASM (integration: real training)', () => {
  let train: FitData;
  let valid: FitData;
  beforeAll(async () => {
    const rt = await initTf({ backend: 'wasm', logger: null });
    expect(rt.backend).toBe('wasm');
    train = toyData(2000, 1);
    valid = toyData(500, 2);
    root = await mkdtemp(join(tmpdir(), 'evrec-tf-train-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trains a tiny MLP: loss falls, validation AUC > 0.9, progress per epoch', async () => {
    const events: ProgressEvent[] = [];
    const model = mlp(3);
    const result = await fitModel(model, train, {
      epochs: 8,
      batchSize: 64,
      validation: valid,
      epochMetrics: { auc },
      progress: (e) => events.push(e),
      seed: 5,
    });
    const h = result.history;
    expect(h).toHaveLength(8);
    expect(h[7].loss).toBeLessThan(h[0].loss * 0.6);
    expect(h[7].metrics.val_auc).toBeGreaterThan(0.9);
    expect(h[7].metrics.val_loss).toBeLessThan(h[0].metrics.val_loss);
    expect(h.every((e) => e.backend === 'wasm' && e.examplesPerSecond > 0)).toBe(true);
    expect(events.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(events[0]).toMatchObject({ stage: 'train.epoch', total: 8, metrics: expect.objectContaining({ backend: 'wasm', loss: h[0].loss }) });
    expect(result.stoppedEarly).toBe(false);

    // Save/load round trip: same predictions, bit for bit.
    const dir = join(root, 'mlp');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const a = model.predict(valid.x, { batchSize: 500 }) as tf.Tensor;
    const b = loaded.predict(valid.x, { batchSize: 500 }) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([a, b]);
  });

  it('repeats exactly with the same seed', async () => {
    const run = async () => (await fitModel(mlp(9), train, { epochs: 2, batchSize: 128, seed: 1 })).history.map((e) => e.loss);
    const first = await run();
    expect(await run()).toEqual(first);
    const other = (await fitModel(mlp(9), train, { epochs: 2, batchSize: 128, seed: 2 })).history.map((e) => e.loss);
    expect(other).not.toEqual(first);
  });

  it('stops early on a metric that stops improving and restores the best weights', async () => {
    const model = mlp(4);
    // Labels unrelated to the inputs: validation loss soon stops improving.
    const noise: FitData = { x: train.x, y: tf.tensor2d(Float32Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2), [2000, 1]) };
    const result = await fitModel(model, noise, {
      epochs: 30,
      batchSize: 64,
      validation: valid,
      earlyStopping: { monitor: 'val_loss', patience: 2 },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history.length).toBeLessThan(30);
    expect(result.history.length).toBe((result.bestEpoch ?? 0) + 2);
    expect(result.restoredBestWeights).toBe(true);
    // After restoring, the model scores the best epoch's validation loss again.
    const restored = (model.evaluate(valid.x, valid.y, { batchSize: 500 }) as tf.Scalar).dataSync()[0];
    expect(restored).toBeCloseTo(result.bestValue ?? NaN, 5);
    noise.y.dispose();
  });

  it('trains tf.layers.embedding under model.fit (gather gradient via the added WASM kernel)', async () => {
    const rows = 50;
    const n = 1000;
    const rng = createRng(8);
    const ids = Int32Array.from({ length: n }, () => rng.int(rows));
    // Ids below 25 are positive: learnable only through the embedding rows.
    const y = Float32Array.from(ids, (id) => (id < 25 ? 1 : 0));
    const r = createRng(10);
    const model = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: rows, outputDim: 4, inputLength: 1, embeddingsInitializer: seededInitializer(r) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seededInitializer(r) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
    const xs = tf.tensor2d(ids, [n, 1], 'int32');
    const ys = tf.tensor2d(y, [n, 1]);
    const before = model.getWeights()[0].dataSync().slice();
    const history = await model.fit(xs, ys, { epochs: 5, batchSize: 100, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[4]).toBeLessThan(losses[0] * 0.5);
    const after = model.getWeights()[0].dataSync();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    tf.dispose([xs, ys]);
  });
});

describe('fitModel on the pure-JS CPU backend (small)', () => {
  it('trains the same MLP (fallback path works)', async () => {
    const rt = await initTf({ backend: 'cpu', logger: null });
    expect(rt.backend).toBe('cpu');
    const train = toyData(600, 11);
    const result = await fitModel(mlp(3), train, { epochs: 4, batchSize: 64, epochMetrics: { auc } });
    expect(result.backend).toBe('cpu');
    expect(result.history[3].loss).toBeLessThan(result.history[0].loss);
    expect(result.history[3].metrics.auc).toBeGreaterThan(0.9);
  });
});
