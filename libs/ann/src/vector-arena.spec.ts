import { describe, expect, it } from 'vitest';
import { createRng, isEvrecError } from '@evrec/core';
import { VectorArena, type VectorBlock } from './vector-arena.ts';

const f = Math.fround;
const KERNELS = ['auto', 'js'] as const;

/** An arena holding `rows` (dims = rows[0].length) in one block. */
function arenaWith(rows: number[][], kernel: 'auto' | 'js'): { arena: VectorArena; block: VectorBlock } {
  const arena = new VectorArena(rows[0].length, { kernel });
  const block = arena.alloc(rows.length);
  rows.forEach((r, i) => arena.write(block, i, r));
  return { arena, block };
}

function randomRows(n: number, dims: number, seed: string): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * dims }, () => rng.next() * 2 - 1);
}

describe('VectorArena kernels', () => {
  it('uses WebAssembly SIMD on this engine when dims is a multiple of 4, else JS', () => {
    expect(new VectorArena(64).kernel).toBe('wasm-simd');
    expect(new VectorArena(64, { kernel: 'js' }).kernel).toBe('js');
    expect(new VectorArena(6).kernel).toBe('js');
  });

  for (const kernel of KERNELS) {
    it(`computes hand-checked f32 dot products (${kernel})`, () => {
      const { arena, block } = arenaWith(
        [
          [1, 1, 1, 1], // 1 + 2 + 3 + 4 = 10
          [0.5, 0.25, -1, 2], // 0.5 + 0.5 - 3 + 8 = 6
          [0, 0, 0, 0],
          [-1, 0, 0, 1], // -1 + 4 = 3
          [2, 2, 2, 2], // 20 (fifth row: the single-row tail after a group of four)
        ],
        kernel,
      );
      expect([...arena.scan(block, [1, 2, 3, 4])]).toEqual([10, 6, 0, 3, 20]);
      // Gather: any order, repeats.
      expect([...arena.scanRows(block, Int32Array.from([4, 0, 4, 1, 3, 2]), [1, 2, 3, 4])]).toEqual([20, 10, 20, 6, 3, 0]);
      // A prefix of the rows.
      expect([...arena.scan(block, [1, 2, 3, 4], 2)]).toEqual([10, 6]);
    });

    it(`sums lanes as (l0 + l2) + (l1 + l3) and rounds every product and sum to f32 (${kernel})`, () => {
      // Lanes 1e8, 1, -1e8, 1: (1e8 + -1e8) + (1 + 1) = 2, where a left-to-right sum gives
      // ((1e8 + 1) + -1e8) + 1 = 1 in f32 (1e8 + 1 rounds back to 1e8) and 2 in f64.
      const order = arenaWith([[1e8, 1, -1e8, 1]], kernel);
      expect(order.arena.scan(order.block, [1, 1, 1, 1])[0]).toBe(2);
      // f32(0.1) × 3 = 0.300000004470348…, rounded to f32: 0.300000011920928955078125 = f32(0.3).
      const product = arenaWith([[0.1, 0, 0, 0]], kernel);
      expect(product.arena.scan(product.block, [3, 0, 0, 0])[0]).toBe(0.300000011920928955078125);
      expect(0.300000011920928955078125).toBe(f(0.3));
      // Eight dims: lane 0 sums 2^24 then 1 (2^24 + 1 rounds back to 2^24 in f32), lane 1 holds 1, and
      // (2^24 + 0) + (1 + 0) rounds to 2^24 again, where the f64 sum is 2^24 + 2.
      const lanes = arenaWith([[2 ** 24, 1, 0, 0, 1, 0, 0, 0]], kernel);
      expect(lanes.arena.scan(lanes.block, [1, 1, 1, 1, 1, 1, 1, 1])[0]).toBe(2 ** 24);
    });
  }

  it('gives bit-identical scores on both kernels, for scans and gathers', () => {
    for (const dims of [4, 12, 64]) {
      const n = 37; // groups of four plus a tail
      const data = randomRows(n, dims, `bits-${dims}`);
      const query = randomRows(1, dims, `q-${dims}`);
      const [wasm, js] = KERNELS.map((kernel) => {
        const arena = new VectorArena(dims, { kernel });
        const block = arena.alloc(n);
        arena.view(block).set(data);
        const idx = Int32Array.from({ length: 23 }, (_, i) => (i * 17) % n);
        return { kernel: arena.kernel, all: [...arena.scan(block, query)], some: [...arena.scanRows(block, idx, query)] };
      });
      expect(wasm.kernel).toBe('wasm-simd');
      expect(js.kernel).toBe('js');
      expect(wasm.all).toEqual(js.all);
      expect(wasm.some).toEqual(js.some);
      // Object.is: -0 and +0 alike must match.
      wasm.all.forEach((s, i) => expect(Object.is(s, js.all[i])).toBe(true));
      // Each equals the reference arithmetic written out, and differs from the plain f64 sum somewhere.
      let differsFromF64 = false;
      for (let r = 0; r < n; r++) {
        const lanes = [0, 0, 0, 0];
        let f64 = 0;
        for (let j = 0; j < dims; j++) {
          lanes[j % 4] = f(lanes[j % 4] + f(query[j] * data[r * dims + j]));
          f64 += query[j] * data[r * dims + j];
        }
        expect(wasm.all[r]).toBe(f(f(lanes[0] + lanes[2]) + f(lanes[1] + lanes[3])));
        if (wasm.all[r] !== f64) differsFromF64 = true;
      }
      expect(differsFromF64).toBe(true);
    }
  });

  it('scans dims that are not a multiple of 4 with the same lanes (JS kernel)', () => {
    // dims 6: lane 0 gets j = 0, 4; lane 1 gets j = 1, 5; lanes 2, 3 get j = 2, 3:
    // l0 = 1 + 5, l1 = 2 + 6, l2 = 3, l3 = 4 → (l0 + l2) + (l1 + l3) = (6 + 3) + (8 + 4) = 21.
    const { arena, block } = arenaWith([[1, 2, 3, 4, 5, 6]], 'auto');
    expect(arena.kernel).toBe('js');
    expect(arena.scan(block, [1, 1, 1, 1, 1, 1])[0]).toBe(21);
  });

  it('refuses foreign or freed blocks, bad rows and wrong query lengths', () => {
    const a = new VectorArena(4);
    const b = new VectorArena(4);
    const block = a.alloc(2);
    const bad = (fn: () => unknown): void => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(isEvrecError(e, 'INVALID_INPUT'), String(e)).toBe(true);
      }
    };
    bad(() => b.scan(block, [1, 0, 0, 0]));
    bad(() => a.scan(block, [1, 0, 0]));
    bad(() => a.scan(block, [1, 0, 0, 0], 3));
    bad(() => a.scanRows(block, Int32Array.from([2]), [1, 0, 0, 0]));
    bad(() => a.write(block, 2, [1, 2, 3, 4]));
    bad(() => a.alloc(-1));
    a.free(block);
    bad(() => a.free(block));
    bad(() => a.view(block));
  });
});

describe('VectorArena memory', () => {
  const DIMS = 4; // 16 bytes a row
  const fill = (arena: VectorArena, block: VectorBlock, value: number): void => {
    arena.view(block).fill(value);
  };
  const holds = (arena: VectorArena, block: VectorBlock, value: number): boolean => arena.view(block).every((x) => x === value);

  it('reuses freed space (best fit), merges neighbouring holes and gives the top back', () => {
    const arena = new VectorArena(DIMS);
    const a = arena.alloc(10);
    const b = arena.alloc(4);
    const c = arena.alloc(10);
    const d = arena.alloc(2);
    expect(arena.stats()).toMatchObject({ blocks: 4, liveBytes: 26 * 16, freeBytes: 0, heapBytes: 26 * 16 });
    arena.free(b); // hole of 4 rows at 160
    arena.free(a); // merges with it: 14 rows at 0
    expect(arena.stats()).toMatchObject({ blocks: 2, liveBytes: 12 * 16, freeBytes: 14 * 16, heapBytes: 26 * 16 });
    const e = arena.alloc(3); // into the hole, heap unchanged
    expect(arena.stats()).toMatchObject({ freeBytes: 11 * 16, heapBytes: 26 * 16 });
    fill(arena, e, 5);
    fill(arena, c, 7);
    fill(arena, d, 9);
    expect([holds(arena, e, 5), holds(arena, c, 7), holds(arena, d, 9)]).toEqual([true, true, true]);
    arena.free(d); // the last block: the heap shrinks
    expect(arena.stats().heapBytes).toBe(24 * 16);
    arena.free(c); // merges with the 11-row hole below it and the top
    expect(arena.stats()).toMatchObject({ blocks: 1, liveBytes: 3 * 16, freeBytes: 0, heapBytes: 3 * 16 });
    expect(holds(arena, e, 5)).toBe(true);
  });

  it('keeps rows across memory growth, resize and compaction', () => {
    const arena = new VectorArena(DIMS, { minCompactBytes: 0 });
    const blocks: VectorBlock[] = [];
    for (let i = 0; i < 50; i++) {
      const block = arena.alloc(100 + i); // 50 × ~2 KB: past the first 64 KiB page
      fill(arena, block, i);
      blocks.push(block);
    }
    expect(arena.stats().memoryBytes).toBeGreaterThan(65_536);
    const kept = (i: number): boolean => i % 3 === 0 || i === 49;
    for (let i = 0; i < 50; i++) if (!kept(i)) arena.free(blocks[i]);
    const before = arena.stats();
    expect(before.freeBytes).toBeGreaterThan(before.liveBytes);
    // Too big for any hole, with the holes over the live bytes: compacts, then allocates at the top.
    const big = arena.alloc(3000);
    expect(arena.stats()).toMatchObject({ compactions: 1, freeBytes: 0, heapBytes: before.liveBytes + 3000 * 16 });
    for (let i = 0; i < 50; i++) if (kept(i)) expect(holds(arena, blocks[i], i)).toBe(true);
    // Resize: in place at the top (the heap grows by the difference), moved when not, shrunk in place.
    fill(arena, big, -1);
    arena.resize(big, 4000);
    expect(big.rows).toBe(4000);
    expect(arena.stats().heapBytes).toBe(before.liveBytes + 4000 * 16);
    expect(arena.view(big).subarray(0, 3000 * DIMS).every((x) => x === -1)).toBe(true);
    arena.resize(blocks[0], 500);
    expect(arena.view(blocks[0]).subarray(0, 100 * DIMS).every((x) => x === 0)).toBe(true);
    arena.resize(blocks[3], 10);
    expect(holds(arena, blocks[3], 3)).toBe(true);
    for (let i = 6; i < 50; i++) if (kept(i)) expect(holds(arena, blocks[i], i)).toBe(true);
    expect(arena.view(big).subarray(0, 3000 * DIMS).every((x) => x === -1)).toBe(true);
  });

  it('stays bounded under a steady stream of frees and re-allocations (catalogue buckets re-copied on upserts)', () => {
    for (const kernel of KERNELS) {
      const arena = new VectorArena(DIMS, { kernel, minCompactBytes: 64 * 1024 });
      const rng = createRng(`churn-${kernel}`);
      const live: Array<{ block: VectorBlock; value: number }> = [];
      for (let i = 0; i < 400; i++) {
        const block = arena.alloc(1 + rng.int(300));
        fill(arena, block, i);
        live.push({ block, value: i });
      }
      const liveBytes = arena.stats().liveBytes;
      let over = 0;
      for (let step = 0; step < 20_000; step++) {
        // A bucket changes: its block is freed and the bucket re-copied with a row more or less.
        const j = rng.int(live.length);
        const rows = Math.max(1, live[j].block.rows + (rng.next() < 0.5 ? -1 : 1));
        arena.free(live[j].block);
        const block = arena.alloc(rows);
        fill(arena, block, step);
        live[j] = { block, value: step };
        // Holes outgrow max(live, minCompactBytes) only until the next block misses them: heap ≤ 2 × live + slack + the new block.
        const s = arena.stats();
        if (s.heapBytes > 2 * s.liveBytes + 64 * 1024 + rows * 16) over++;
      }
      const s = arena.stats();
      expect(over).toBe(0);
      expect(s.memoryBytes).toBeLessThan(3 * liveBytes + 256 * 1024);
      for (const { block, value } of live) expect(holds(arena, block, value)).toBe(true);
    }
  });
});
