import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { fitModel, initTf } from '@evrec/tf';
import { weightedRankerLoss } from './loss.ts';
import { SeededDropout, buildLogisticRegression, buildRankerNetwork, copyWideFromBaseline, inputTensors, predictLogits, trainingGraph, type InputLayout } from './network.ts';

describe('logistic-regression baseline', () => {
  it('recovers the maximum-likelihood probabilities of a one-feature problem', async () => {
    await initTf();
    // x = 0: 20% positive; x = 1: 60% positive. The MLE predicts exactly those rates.
    const layout: InputLayout = { denseWidth: 1, categoricalOffsets: [0], categoricalRows: 2, towerDims: 0 };
    const n = 2000;
    const dense = new Float32Array(n);
    const categorical = new Int32Array(n); // one hashed column, always "missing" (id 0): adds a learned constant
    const y = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const x = i < n / 2 ? 0 : 1;
      dense[i] = x;
      const k = x === 0 ? i : i - n / 2;
      y[2 * i] = x === 0 ? (k % 5 === 0 ? 1 : 0) : k % 5 < 3 ? 1 : 0;
      y[2 * i + 1] = 1;
    }
    const lr = buildLogisticRegression(layout, 0, createRng(1));
    const graph = trainingGraph(lr);
    graph.compile({ optimizer: tf.train.adam(0.05), loss: weightedRankerLoss({ name: 'bce' }) });
    const x = inputTensors(layout, { rows: n, dense, categorical });
    const yt = tf.tensor2d(y, [n, 2]);
    await fitModel(graph, { x, y: yt }, { epochs: 30, batchSize: 256, seed: 1 });
    tf.dispose([...x, yt]);
    const logits = predictLogits(lr, layout, { rows: 2, dense: Float32Array.from([0, 1]), categorical: new Int32Array(2) });
    const p = Array.from(logits, (z) => 1 / (1 + Math.exp(-z)));
    expect(Math.abs(p[0] - 0.2)).toBeLessThan(0.02);
    expect(Math.abs(p[1] - 0.6)).toBeLessThan(0.02);
    lr.dispose();
  });
});

describe('wide & deep network', () => {
  const layout: InputLayout = { denseWidth: 3, categoricalOffsets: [0, 4], categoricalRows: 10, towerDims: 2 };
  const rows = 6;
  const x = {
    rows,
    dense: Float32Array.from({ length: rows * 3 }, (_, i) => ((i * 7) % 5) / 5 - 0.4),
    categorical: Int32Array.from({ length: rows * 2 }, (_, i) => i % 4),
    userVectors: Float32Array.from({ length: rows * 2 }, (_, i) => (i % 3) - 1),
    eventVectors: Float32Array.from({ length: rows * 2 }, (_, i) => ((i + 1) % 3) - 1),
  };

  it('starts as the LR baseline: with the wide part copied and the deep logit at zero, logits are identical', async () => {
    await initTf();
    const lr = buildLogisticRegression(layout, 0, createRng(1));
    // Give the baseline non-trivial weights (its id scalars start at zero).
    lr.getLayer('categorical_weight').setWeights([tf.tensor2d(Float32Array.from({ length: 10 }, (_, i) => i / 10 - 0.5), [10, 1])]);
    const nn = buildRankerNetwork(layout, { hidden: [8, 4] }, createRng(2));
    expect(predictLogits(nn, layout, x)).not.toEqual(predictLogits(lr, layout, x));
    expect(copyWideFromBaseline(nn, lr)).toBe(true);
    const a = predictLogits(nn, layout, x);
    const b = predictLogits(lr, layout, x);
    for (let i = 0; i < rows; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    // The deep part sees user ⊙ event; a plain MLP has no wide part to copy into.
    expect(nn.layers.map((l) => l.name)).toContain('tower_product');
    const mlp = buildRankerNetwork(layout, { architecture: 'mlp', hidden: [8] }, createRng(2));
    expect(copyWideFromBaseline(mlp, lr)).toBe(false);
    for (const m of [lr, nn, mlp]) m.dispose();
  });

  it('seeded dropout: identity at inference, a fresh mask each training step, and the same masks for the same seed', async () => {
    await initTf();
    const input = tf.ones([4, 50]);
    const a = new SeededDropout({ rate: 0.5, seed: 11 });
    const b = new SeededDropout({ rate: 0.5, seed: 11 });
    expect(Array.from((a.apply(input, { training: false }) as tf.Tensor).dataSync())).toEqual(new Array(200).fill(1));
    const a1 = Array.from((a.apply(input, { training: true }) as tf.Tensor).dataSync());
    const a2 = Array.from((a.apply(input, { training: true }) as tf.Tensor).dataSync());
    const b1 = Array.from((b.apply(input, { training: true }) as tf.Tensor).dataSync());
    expect(a1).toEqual(b1);
    expect(a1).not.toEqual(a2);
    // Inverted dropout: kept units are scaled by 1 / (1 − rate); about half are dropped.
    expect(new Set(a1)).toEqual(new Set([0, 2]));
    const kept = a1.filter((v) => v > 0).length;
    expect(kept).toBeGreaterThan(70);
    expect(kept).toBeLessThan(130);
    input.dispose();
  });
});
