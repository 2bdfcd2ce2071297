import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { initTf } from './index.ts';

async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = fn();
  const data = Float32Array.from(await t.data());
  t.dispose();
  return data;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('UnsortedSegmentSum on WASM', () => {
  beforeAll(async () => {
    await initTf({ backend: 'wasm', logger: null });
  });

  it('sums rows into segments and drops out-of-range ids (hand-computed)', async () => {
    const out = await on('wasm', () =>
      tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]), tf.tensor1d([2, 0, 2, -1, 3], 'int32'), 3),
    );
    // id 2 gets rows 0 and 2, id 0 row 1, id 1 nothing; -1 and 3 are out of range.
    expect([...out]).toEqual([3, 4, 0, 0, 6, 8]);
    expect(tf.memory().numTensors).toBeLessThan(10);
  });

  it('matches the CPU kernel on random data, float and int (max abs diff < 1e-5)', async () => {
    const rng = createRng(7);
    const rows = 300;
    const x = Float32Array.from({ length: rows * 6 }, () => rng.normal());
    const ids = Int32Array.from({ length: rows }, () => rng.int(44) - 2); // some ids out of [0, 40)
    const make = () => tf.unsortedSegmentSum(tf.tensor3d(x, [rows, 2, 3]), tf.tensor1d(ids, 'int32'), 40);
    expect(maxAbsDiff(await on('wasm', make), await on('cpu', make))).toBeLessThan(1e-5);
    const xi = Int32Array.from({ length: rows * 3 }, () => rng.int(100));
    const makeInt = () => tf.unsortedSegmentSum(tf.tensor2d(xi, [rows, 3], 'int32'), tf.tensor1d(ids, 'int32'), 40);
    expect(maxAbsDiff(await on('wasm', makeInt), await on('cpu', makeInt))).toBe(0);
  });

  it('gives the gather gradient CPU gives', async () => {
    const rng = createRng(11);
    const table = Float32Array.from({ length: 30 * 4 }, () => rng.normal());
    const ids = Int32Array.from({ length: 64 }, () => rng.int(30));
    const w = Float32Array.from({ length: 64 * 4 }, () => rng.normal());
    const grad = () =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(ids, 'int32')), tf.tensor2d(w, [64, 4]))))(tf.tensor2d(table, [30, 4])));
    expect(maxAbsDiff(await on('wasm', grad), await on('cpu', grad))).toBeLessThan(1e-5);
  });

  it('is correct when the output is large enough to grow the WASM heap', async () => {
    await tf.setBackend('wasm');
    const segments = 200_000;
    const dims = 16; // 12.8 MB output: allocated before any heap view is taken
    const ids = Int32Array.from([0, segments - 1, 12345, 12345]);
    const x = Float32Array.from({ length: 4 * dims }, (_, i) => i + 1);
    const out = tf.unsortedSegmentSum(tf.tensor2d(x, [4, dims]), tf.tensor1d(ids, 'int32'), segments);
    const data = await out.data();
    out.dispose();
    expect(data[0]).toBe(1);
    expect(data[(segments - 1) * dims + dims - 1]).toBe(2 * dims);
    expect(data[12345 * dims]).toBe(x[2 * dims] + x[3 * dims]);
    let nonZero = 0;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) nonZero++;
    expect(nonZero).toBe(3 * dims);
  });
});
