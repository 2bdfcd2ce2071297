import { describe, expect, it } from 'vitest';
import { createRng } from '@evrec/core';
import { EmbeddingTable } from './embedding-table.ts';

describe('EmbeddingTable', () => {
  it('gathers rows packed row-major', () => {
    const t = new EmbeddingTable({ name: 't', rows: 3, dims: 2 }, Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(t.gather([2, 0, 2]))).toEqual([5, 6, 1, 2, 5, 6]);
  });

  it('applies Adagrad to the listed rows only (hand-computed)', () => {
    const t = new EmbeddingTable({ name: 't', rows: 3, dims: 2 }, Float32Array.from([1, 1, 1, 1, 1, 1]));
    t.adagrad([1], Float32Array.from([0.5, 0]), 0.1, 0.1);
    // accumulator 0.1 + 0.25 = 0.35; step 0.1 · 0.5 / √0.35
    expect(t.values[2]).toBeCloseTo(1 - 0.05 / Math.sqrt(0.35), 6);
    expect(Array.from(t.values).filter((_, i) => i !== 2)).toEqual([1, 1, 1, 1, 1]);
    t.adagrad([1], Float32Array.from([0.5, 0]), 0.1, 0.1);
    // accumulator 0.6: the second step is smaller
    expect(t.values[2]).toBeCloseTo(1 - 0.05 / Math.sqrt(0.35) - 0.05 / Math.sqrt(0.6), 6);
  });

  it('keeps zeros with std 0 and is seeded otherwise', () => {
    const z = new EmbeddingTable({ name: 'z', rows: 4, dims: 3 });
    z.initNormal(createRng(1), 0);
    expect(z.values.every((v) => v === 0)).toBe(true);
    const a = new EmbeddingTable({ name: 'a', rows: 4, dims: 3 });
    const b = new EmbeddingTable({ name: 'b', rows: 4, dims: 3 });
    a.initNormal(createRng(7), 0.05);
    b.initNormal(createRng(7), 0.05);
    expect(a.values).toEqual(b.values);
    expect(a.values.some((v) => v !== 0)).toBe(true);
  });

  it('refuses values of the wrong size', () => {
    expect(() => new EmbeddingTable({ name: 't', rows: 2, dims: 2 }, new Float32Array(3))).toThrow(RangeError);
  });
});
