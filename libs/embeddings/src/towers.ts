/**
 * The forward pass shared by training and inference. Each slot of a tower is an embedding bag
 * (the weighted sum of some table rows per example), computed here in plain JS into a
 * [batch, dims] matrix; the bags and the dense inputs are concatenated and go through the tower's
 * MLP; the output is L2-normalised.
 *
 * Why the bags live outside TF.js: inside the graph a bag is gather + unsortedSegmentSum, and the
 * gradient of gather is another unsortedSegmentSum. WASM has no kernel for it (we would need
 * @evrec/tf's JS one) and the pure-JS CPU backend's kernel loops over every segment with five
 * tensor ops each, O(segments × entries): a training step took seconds. As a JS loop the bag costs
 * entries × dims adds forward and the same backward ({@link scatterBagGradients}), on every
 * backend, and the graph only sees dense [batch, dims] inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { EvrecError, type Rng } from '@evrec/core';
import { seededInitializer } from '@evrec/tf';
import type { EmbeddingTable } from './embedding-table.ts';
import type { SlotEntries, SlotSpec, TowerBatch } from './encoders.ts';

export interface TowerInput {
  batch: TowerBatch;
  slots: readonly SlotSpec[];
}

function tableOf(tables: ReadonlyMap<string, EmbeddingTable>, name: string): EmbeddingTable {
  const t = tables.get(name);
  if (t === undefined) throw new EvrecError('INTERNAL', `no embedding table ${name}`);
  return t;
}

/** One bag per slot: size × dims, row-major, Σ weight · table[row] per example. */
export function bagSums(tables: ReadonlyMap<string, EmbeddingTable>, input: TowerInput): Float32Array[] {
  const n = input.batch.size;
  return input.slots.map((slot, s) => {
    const table = tableOf(tables, slot.table);
    const d = table.dims;
    const out = new Float32Array(n * d);
    const { example, row, weight } = input.batch.slots[s];
    const values = table.values;
    for (let i = 0; i < row.length; i++) {
      const src = row[i] * d;
      const dst = example[i] * d;
      const w = weight[i];
      for (let k = 0; k < d; k++) out[dst + k] += w * values[src + k];
    }
    return out;
  });
}

/** Per-table gradients of the rows a step touched, summed over every slot and example. */
export class RowGradients {
  private readonly byTable = new Map<string, { table: EmbeddingTable; rows: number[]; index: Map<number, number>; grads: number[] }>();

  /** Adds d(loss)/d(bag) of one slot back onto its rows: weight × bag gradient per entry. */
  add(table: EmbeddingTable, entries: SlotEntries, bagGrad: Float32Array): void {
    let t = this.byTable.get(table.name);
    if (t === undefined) {
      t = { table, rows: [], index: new Map(), grads: [] };
      this.byTable.set(table.name, t);
    }
    const d = table.dims;
    for (let i = 0; i < entries.row.length; i++) {
      let at = t.index.get(entries.row[i]);
      if (at === undefined) {
        at = t.rows.length;
        t.index.set(entries.row[i], at);
        t.rows.push(entries.row[i]);
        for (let k = 0; k < d; k++) t.grads.push(0);
      }
      const w = entries.weight[i];
      const src = entries.example[i] * d;
      for (let k = 0; k < d; k++) t.grads[at * d + k] += w * bagGrad[src + k];
    }
  }

  /** Applies Adagrad to every touched row. */
  applyAdagrad(learningRate: number): void {
    for (const t of this.byTable.values()) t.table.adagrad(t.rows, Float32Array.from(t.grads), learningRate);
  }
}

/**
 * y / sqrt(|y|² + ε). Written without tf.norm on purpose: norm's gradient at a zero row is 0/0 = NaN
 * (a tower whose ReLU outputs die for one example then poisons the whole step), while the gradient
 * of a sum of squares is finite everywhere.
 */
export function l2Normalize(y: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(y, tf.rsqrt(tf.add(tf.sum(tf.square(y), 1, true), 1e-12)));
}

/** The tower's L2-normalised output from its bag tensors and dense inputs. Call inside tf.tidy (or variableGrads). */
export function towerForward(tower: tf.LayersModel, bags: readonly tf.Tensor2D[], batch: TowerBatch): tf.Tensor2D {
  const x = tf.concat([...bags, tf.tensor2d(batch.dense, [batch.size, batch.denseWidth])], 1);
  return l2Normalize(tower.apply(x) as tf.Tensor2D);
}

/** Bag tensors (constants, for inference). Call inside tf.tidy. */
export function bagTensors(tables: ReadonlyMap<string, EmbeddingTable>, input: TowerInput): tf.Tensor2D[] {
  return bagSums(tables, input).map((values, s) => tf.tensor2d(values, [input.batch.size, tableOf(tables, input.slots[s].table).dims]));
}

/** A tower's MLP: inputs → hidden (ReLU) → dims, seeded. */
export function buildTowerMlp(name: string, inputWidth: number, hidden: number, dims: number, rng: Rng): tf.LayersModel {
  return tf.sequential({
    name,
    layers: [
      tf.layers.dense({ units: hidden, inputShape: [inputWidth], activation: 'relu', kernelInitializer: seededInitializer(rng, 'heNormal'), name: `${name}_hidden` }),
      tf.layers.dense({ units: dims, kernelInitializer: seededInitializer(rng, 'glorotUniform'), name: `${name}_out` }),
    ],
  });
}

/** Input width of a tower: its slots' table widths plus the dense inputs. */
export function towerInputWidth(tables: ReadonlyMap<string, EmbeddingTable>, slots: readonly SlotSpec[], denseWidth: number): number {
  return slots.reduce((w, s) => w + tableOf(tables, s.table).dims, denseWidth);
}

export { tableOf };
