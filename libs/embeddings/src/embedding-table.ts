import type { Rng } from '@evrec/core';
import type { TableSpec } from './encoders.ts';

/**
 * An embedding table held as a plain Float32Array outside TF.js, updated sparsely.
 *
 * Why not a tf.Variable: the gradient of a gather is a dense [rows, dims] tensor, so every step
 * would touch (and with Adagrad/Adam, allocate) the whole table — gigabytes per step on the CPU
 * backend and a 2–3× slowdown on WASM at 1M rows (docs/PLATFORM: sparse JS updates ran 6,400
 * ex/s at 0.7 GB against 2,050 ex/s at 2 GB for a 1M-row table under Adagrad). Here a step reads
 * only the rows its examples use (the bags in towers.ts) and Adagrad updates only those rows — the
 * same result `tf.train.adagrad` would give, since untouched rows have zero gradient.
 */
export class EmbeddingTable {
  readonly name: string;
  readonly rows: number;
  readonly dims: number;
  readonly values: Float32Array;
  /** Adagrad accumulators, allocated on the first update. */
  private accum: Float32Array | undefined;

  constructor(spec: TableSpec, values?: Float32Array) {
    this.name = spec.name;
    this.rows = spec.rows;
    this.dims = spec.dims;
    if (values !== undefined && values.length !== spec.rows * spec.dims) {
      throw new RangeError(`table ${spec.name}: ${values.length} values for ${spec.rows} × ${spec.dims}`);
    }
    this.values = values ?? new Float32Array(spec.rows * spec.dims);
  }

  /** N(0, std²) initial values; std 0 keeps zeros (used for the id table: untrained rows stay exactly zero). */
  initNormal(rng: Rng, std: number): void {
    if (std === 0) return;
    for (let i = 0; i < this.values.length; i++) this.values[i] = rng.normal() * std;
  }

  /** The listed rows, packed row-major. */
  gather(rows: ArrayLike<number>): Float32Array {
    const d = this.dims;
    const out = new Float32Array(rows.length * d);
    for (let i = 0; i < rows.length; i++) out.set(this.values.subarray(rows[i] * d, rows[i] * d + d), i * d);
    return out;
  }

  /** Adagrad on the listed rows; `grads` is packed like {@link gather}'s output. */
  adagrad(rows: ArrayLike<number>, grads: Float32Array, learningRate: number, initialAccumulator = 0.1): void {
    if (this.accum === undefined) this.accum = new Float32Array(this.values.length).fill(initialAccumulator);
    const acc = this.accum;
    const v = this.values;
    const d = this.dims;
    for (let i = 0; i < rows.length; i++) {
      const base = rows[i] * d;
      for (let k = 0; k < d; k++) {
        const g = grads[i * d + k];
        if (g === 0) continue;
        const a = acc[base + k] + g * g;
        acc[base + k] = a;
        v[base + k] -= (learningRate * g) / Math.sqrt(a);
      }
    }
  }

  /** Copy of the values (for keeping the best epoch's weights). */
  snapshot(): Float32Array {
    return this.values.slice();
  }

  restore(values: Float32Array): void {
    this.values.set(values);
  }
}
