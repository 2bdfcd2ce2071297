import { EvrecError } from '@evrec/core';

/** A vector as callers hand it over: a Float32Array (embeddings) or a plain number array (JSON). */
export type VectorInput = Float32Array | readonly number[];

/**
 * Writes the L2-normalised `v` into `out` at `offset`. Throws INVALID_INPUT on a wrong length, a
 * non-finite component or a zero vector (it has no direction, so no cosine).
 */
export function writeNormalized(v: VectorInput, dims: number, out: Float32Array, offset: number, what: string): void {
  if (v.length !== dims) {
    throw new EvrecError('INVALID_INPUT', `${what} has ${v.length} dimensions, the index has ${dims}`, { field: what });
  }
  let ss = 0;
  for (let i = 0; i < dims; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) throw new EvrecError('INVALID_INPUT', `${what}[${i}] is not a finite number`, { field: `${what}[${i}]` });
    ss += x * x;
  }
  if (ss === 0) throw new EvrecError('INVALID_INPUT', `${what} is the zero vector`, { field: what });
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < dims; i++) out[offset + i] = v[i] * inv;
}

/** Copies `dims` floats from `src` at `offset` into the reusable plain array hnswlib-node insists on. */
export function copyToArray(src: Float32Array, offset: number, dims: number, out: number[]): number[] {
  for (let i = 0; i < dims; i++) out[i] = src[offset + i];
  return out;
}

/**
 * Keeps the k best (highest score) labels seen, as a min-heap on score, so a scan over n rows costs
 * O(n log k). Ties are broken towards the smaller label so results are deterministic.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly labels: Int32Array;
  /** A number carried with each kept item (a caller's row id), returned by `sorted`. */
  private readonly tags: Int32Array;
  private n = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(k);
    this.labels = new Int32Array(k);
    this.tags = new Int32Array(k);
  }

  /** Whether (score, label) ranks below (s2, l2): lower score, or equal score and larger label. */
  private worse(s: number, l: number, s2: number, l2: number): boolean {
    return s < s2 || (s === s2 && l > l2);
  }

  /**
   * The score an item must reach to be kept: -Infinity while fewer than k are kept, else the worst
   * kept score (equal scores are then decided by label: `admits`). Lets a scan reject most rows with
   * one comparison, before reading anything else about them.
   */
  threshold(): number {
    return this.n < this.k ? -Infinity : this.scores[0];
  }

  /** Whether `push(score, label)` would keep the item (lets a caller skip an expensive check). */
  admits(score: number, label: number): boolean {
    return this.k > 0 && (this.n < this.k || this.worse(this.scores[0], this.labels[0], score, label));
  }

  push(score: number, label: number, tag = 0): void {
    if (this.k === 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(score, label, this.scores[p], this.labels[p])) break;
        this.scores[i] = this.scores[p];
        this.labels[i] = this.labels[p];
        this.tags[i] = this.tags[p];
        i = p;
      }
      this.scores[i] = score;
      this.labels[i] = label;
      this.tags[i] = tag;
      return;
    }
    if (!this.worse(this.scores[0], this.labels[0], score, label)) return;
    // Replace the root (the worst kept) and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const c = r < this.n && this.worse(this.scores[r], this.labels[r], this.scores[l], this.labels[l]) ? r : l;
      if (!this.worse(this.scores[c], this.labels[c], score, label)) break;
      this.scores[i] = this.scores[c];
      this.labels[i] = this.labels[c];
      this.tags[i] = this.tags[c];
      i = c;
    }
    this.scores[i] = score;
    this.labels[i] = label;
    this.tags[i] = tag;
  }

  /** How many items are kept. */
  get size(): number {
    return this.n;
  }

  /** The kept entries, best first (ties: smaller label first). */
  sorted(): { label: number; score: number; tag: number }[] {
    const out: { label: number; score: number; tag: number }[] = [];
    for (let i = 0; i < this.n; i++) out.push({ label: this.labels[i], score: this.scores[i], tag: this.tags[i] });
    return out.sort((a, b) => b.score - a.score || a.label - b.label);
  }
}
