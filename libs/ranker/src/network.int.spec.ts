import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { fitModel, initTf } from '@evrec/tf';
import { weightedRankerLoss } from './loss.ts';
import { buildLogisticRegression, inputTensors, predictLogits, trainingGraph, type InputLayout } from './network.ts';

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
