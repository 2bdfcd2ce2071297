import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { initTf } from '@evrec/tf';
import { DEFAULT_ARCHITECTURE } from './config.ts';
import { TwoTowerModel } from './model.ts';
import { EmbeddingTable } from './embedding-table.ts';
import { TowerBatchBuilder } from './encoders.ts';
import { RowGradients, bagSums, l2Normalize, type TowerInput } from './towers.ts';

beforeAll(async () => {
  await initTf({ backend: 'cpu' });
});

// Table t: 3 rows × 2 dims. Example 0 = 0.5·row0 + 0.5·row2; example 1 = row2; example 2 = nothing.
const table = new EmbeddingTable({ name: 't', rows: 3, dims: 2 }, Float32Array.from([1, 2, 3, 4, 5, 6]));
const tables = new Map([['t', table]]);
function input(): TowerInput {
  const b = new TowerBatchBuilder(1, 0, 3);
  b.next();
  b.add(0, 0, 0.5);
  b.add(0, 2, 0.5);
  b.next();
  b.add(0, 2);
  b.next();
  return { batch: b.build(), slots: [{ name: 's', table: 't' }] };
}

describe('embedding bags', () => {
  it('sums weighted rows per example (hand-computed)', () => {
    expect(Array.from(bagSums(tables, input())[0])).toEqual([3, 4, 5, 6, 0, 0]);
  });

  it('sends bag gradients back onto rows like autodiff through gather + segment sum', () => {
    const x = input();
    const dBag = Float32Array.from([1, -1, 2, 0.5, 7, 7]); // d(loss)/d(bag) per example
    const grads = new RowGradients();
    grads.add(table, x.batch.slots[0], dBag);
    grads.applyAdagrad(1); // with accumulator 0.1: v -= g / √(0.1 + g²)
    const after = table.values.slice();
    table.restore(Float32Array.from([1, 2, 3, 4, 5, 6]));

    // The same gradient by TF.js autodiff: loss = Σ bag ⊙ dBag with bag = segmentSum(w · gather(table)).
    const v = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
    const { grads: g } = tf.variableGrads(() => {
      const e = x.batch.slots[0];
      const picked = tf.mul(tf.gather(v, tf.tensor1d(e.row, 'int32')), tf.tensor2d(e.weight, [e.weight.length, 1]));
      const bag = tf.unsortedSegmentSum(picked, tf.tensor1d(e.example, 'int32'), 3);
      return tf.sum(tf.mul(bag, tf.tensor2d(dBag, [3, 2]))) as tf.Scalar;
    }, [v]);
    const expected = g[v.name].dataSync(); // row0: 0.5·[1,-1]; row1: 0; row2: 0.5·[1,-1] + [2,0.5]
    expect(Array.from(expected)).toEqual([0.5, -0.5, 0, 0, 2.5, 0]);
    const adagrad = (w: number, grad: number) => (grad === 0 ? w : w - grad / Math.sqrt(0.1 + grad * grad));
    [1, 2, 3, 4, 5, 6].forEach((w, i) => expect(after[i]).toBeCloseTo(adagrad(w, expected[i]), 6));
    v.dispose();
  });
});

describe('l2Normalize', () => {
  it('normalises rows and keeps the gradient finite at an all-zero row', () => {
    const x = tf.tensor2d([[3, 4], [0, 0]]);
    const y = l2Normalize(x);
    const v = y.arraySync();
    expect(v[0][0]).toBeCloseTo(0.6, 6);
    expect(v[0][1]).toBeCloseTo(0.8, 6);
    expect(v[1]).toEqual([0, 0]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(l2Normalize(t as tf.Tensor2D)))(x).arraySync() as number[][];
    for (const row of g) for (const value of row) expect(Number.isFinite(value)).toBe(true);
  });
});

describe('TwoTowerModel.initialise', () => {
  it('starts event-id rows at zero with content inputs, random without (else no gradient reaches them)', () => {
    const small = { ...DEFAULT_ARCHITECTURE, eventIdBuckets: 8, hostBuckets: 8, geoBuckets: 8, categoryBuckets: 8, tagBuckets: 8, textDims: 4, hidden: 4, dims: 2 };
    const nonZero = (m: TwoTowerModel): number => Array.from(m.tables.get('event_id')?.values ?? []).filter((v) => v !== 0).length;
    const full = TwoTowerModel.initialise(small, createRng(1));
    const idOnly = TwoTowerModel.initialise({ ...small, contentInputs: false }, createRng(1));
    expect(nonZero(full)).toBe(0);
    expect(nonZero(idOnly)).toBe(8 * small.eventIdDims);
    full.dispose();
    idOnly.dispose();
  });
});
