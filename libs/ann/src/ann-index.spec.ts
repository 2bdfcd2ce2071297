import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvrecError, isEvrecError, type ProgressEvent } from '@evrec/core';
import { AnnIndex, clusteredVectorsWithQueries, type AnnHit } from './index.ts';

const DIMS = 32;
const N = 5000;
const Q = 100;
const data = clusteredVectorsWithQueries({ n: N, dims: DIMS, latentDims: 8, clusters: 40, seed: 'ann-spec' }, Q);
const row = (m: Float32Array, i: number): Float32Array => m.subarray(i * DIMS, (i + 1) * DIMS);
const idOf = (i: number): string => `e${i}`;
const numOf = (id: string): number => Number(id.slice(1));
const items = Array.from({ length: N }, (_, i) => ({ id: idOf(i), vector: row(data.items, i) }));
const query = (q: number): Float32Array => row(data.queries, q);
const ids = (hits: AnnHit[]): string[] => hits.map((h) => h.id);

function recall(approx: AnnHit[], exact: AnnHit[]): number {
  const truth = new Set(ids(exact));
  return approx.filter((h) => truth.has(h.id)).length / exact.length;
}

async function expectCorrupt(p: Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await p;
    expect.unreachable('load should have refused the artefact');
  } catch (e) {
    expect(isEvrecError(e, 'CORRUPT_ARTIFACT'), String(e)).toBe(true);
    expect((e as EvrecError).message).toMatch(message);
  }
}

let index: AnnIndex;
let tmp: string;
const events: ProgressEvent[] = [];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'evrec-ann-'));
  index = AnnIndex.build(items, { dims: DIMS, progress: (e) => events.push(e) });
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('exactSearch', () => {
  it('ranks by cosine, hand-checked in 2-D', () => {
    const small = AnnIndex.build(
      [
        { id: 'a', vector: [1, 0] },
        { id: 'b', vector: [0, 3] }, // normalised to (0, 1)
        { id: 'c', vector: [2, 2] }, // normalised to (.7071, .7071)
        { id: 'd', vector: [-1, 0] },
      ],
      { dims: 2 },
    );
    // query (5, 0) → (1, 0): a·q = 1, c·q = 1/√2, b·q = 0, d·q = −1
    const exact = small.exactSearch([5, 0], 3);
    expect(ids(exact)).toEqual(['a', 'c', 'b']);
    expect(exact[1].score).toBeCloseTo(Math.SQRT1_2, 6);
    // Exact scores are f32 sums of f32 products (the arena kernel): 1 · f32(1/√2) + 0 · f32(1/√2).
    expect(exact[1].score).toBe(Math.fround(Math.SQRT1_2));
    expect(ids(small.search([5, 0], 3))).toEqual(['a', 'c', 'b']);
    expect(small.search([5, 0], 3)[0].score).toBeCloseTo(1, 6);
    // k beyond the size returns everything
    expect(small.search([5, 0], 10)).toHaveLength(4);
    expect(small.exactSearch([5, 0], 10)).toHaveLength(4);
  });
});

describe('AnnIndex on 5k clustered vectors', () => {
  it('reports build progress', () => {
    expect(index.size).toBe(N);
    const last = events[events.length - 1];
    expect(last).toMatchObject({ stage: 'ann.build', done: N, total: N });
    expect(Number(last.metrics?.insertsPerSec)).toBeGreaterThan(0);
  });

  it('recall@10 ≥ 0.95 against exact search', () => {
    let sum = 0;
    for (let q = 0; q < Q; q++) sum += recall(index.search(query(q), 10), index.exactSearch(query(q), 10));
    expect(sum / Q).toBeGreaterThanOrEqual(0.95);
  });

  it('filters inside the graph search: no result violates the filter', () => {
    const even = (id: string): boolean => numOf(id) % 2 === 0;
    expect(index.searchPlan({ filter: even })).toBe('hnsw-filter');
    let sum = 0;
    for (let q = 0; q < 30; q++) {
      const hits = index.search(query(q), 10, { filter: even });
      expect(hits).toHaveLength(10);
      expect(hits.every((h) => even(h.id))).toBe(true);
      sum += recall(hits, index.exactSearch(query(q), 10, { filter: even }));
    }
    expect(sum / 30).toBeGreaterThanOrEqual(0.95);
  });

  it('scans a small allowed set exactly, and walks the graph for a large one', () => {
    const small = Array.from({ length: 150 }, (_, i) => idOf(i * 33));
    expect(index.searchPlan({ allowedIds: small })).toBe('exact-allowed');
    const large = new Set(Array.from({ length: 3000 }, (_, i) => idOf(i)));
    // threshold = max(2000, 1% of 5000) = 2000 < 3000
    expect(index.searchPlan({ allowedIds: large })).toBe('hnsw-filter');
    const smallSet = new Set(small);
    for (let q = 0; q < 10; q++) {
      const hits = index.search(query(q), 10, { allowedIds: small });
      expect(hits.every((h) => smallSet.has(h.id))).toBe(true);
      expect(ids(hits)).toEqual(ids(index.exactSearch(query(q), 10, { allowedIds: small })));
      const big = index.search(query(q), 10, { allowedIds: large });
      expect(big).toHaveLength(10);
      expect(big.every((h) => large.has(h.id))).toBe(true);
    }
    // allowed ids and filter combine; unknown ids are ignored
    const both = index.search(query(0), 100, { allowedIds: [...small, 'nope'], filter: (id) => numOf(id) % 2 === 1 });
    expect(both.length).toBe(small.filter((id) => numOf(id) % 2 === 1).length);
    expect(both.every((h) => numOf(h.id) % 2 === 1 && smallSet.has(h.id))).toBe(true);
  });

  it('scans exactly when the caller says the filter is very selective', () => {
    const rare = (id: string): boolean => numOf(id) % 200 === 7; // 25 of 5000 = 0.5%
    expect(index.searchPlan({ filter: rare, selectivity: 0.005 })).toBe('exact-scan');
    expect(index.searchPlan({ filter: rare, selectivity: 0.9 })).toBe('hnsw-filter');
    // without the hint the graph walk still returns k passing items (a post-filter would return ~0)
    const walked = index.search(query(1), 10, { filter: rare });
    expect(walked).toHaveLength(10);
    expect(walked.every((h) => rare(h.id))).toBe(true);
    const hits = index.search(query(1), 10, { filter: rare, selectivity: 0.005 });
    expect(hits.every((h) => rare(h.id))).toBe(true);
    expect(ids(hits)).toEqual(ids(index.exactSearch(query(1), 10, { filter: rare })));
    expect(() => index.searchPlan({ filter: rare, selectivity: 0 })).toThrow(/selectivity/);
  });

  it('validates queries', () => {
    expect(() => index.search(new Float32Array(DIMS - 1), 5)).toThrow(EvrecError);
    expect(() => index.search(new Float32Array(DIMS), 5)).toThrow(/zero vector/);
    expect(() => index.search(query(0), 0)).toThrow(/positive integer/);
  });
});

describe('scanLabelLists over vector blocks', () => {
  it('finds the same hits, scores and order as the exact scan of the accepted ids, on every exact path', () => {
    // Every third item, in lists of uneven sizes (1, 2, 5, … rows: the kernel's groups of four and tails).
    const chosen = Array.from({ length: Math.floor(N / 3) }, (_, i) => idOf(i * 3));
    const sizes = [1, 2, 5, 37, 200, 3, 500];
    const lists: { labels: Int32Array; block: ReturnType<AnnIndex['vectorBlock']>; ids: string[] }[] = [];
    for (let at = 0, s = 0; at < chosen.length; s++) {
      const part = chosen.slice(at, at + sizes[s % sizes.length]);
      at += part.length;
      const labels = Int32Array.from(part, (id) => index.labelFor(id) ?? -1);
      lists.push({ labels, block: index.vectorBlock(labels), ids: part });
    }
    expect(index.vectorBlockStats()).toMatchObject({ kernel: 'wasm-simd', blocks: lists.length, liveBytes: chosen.length * DIMS * 4 });
    const accepted = (id: string): boolean => numOf(id) % 5 !== 0;
    const allowed = chosen.filter(accepted);
    let checked = 0;
    for (let q = 0; q < 10; q++) {
      const hits = index.scanLabelLists(query(q), 50, lists, (li, row) => {
        checked++;
        return accepted(lists[li].ids[row]);
      });
      expect(hits).toHaveLength(50);
      expect(hits).toEqual(index.exactSearch(query(q), 50, { allowedIds: allowed }));
      expect(hits).toEqual(index.search(query(q), 50, { allowedIds: allowed, exactScanMaxIds: allowed.length }));
      const allowedSet = new Set(allowed);
      expect(hits).toEqual(index.exactSearch(query(q), 50, { filter: (id) => allowedSet.has(id) }));
    }
    // The check ran in score order until 50 passed (4 of 5 pass): about 63 per query, not for all
    // 16,670 scanned nor for every item that entered a running top 50 (~50·(1 + ln(16,670/50)) ≈ 340).
    expect(checked).toBeLessThanOrEqual(10 * 70);
    for (const l of lists) index.freeVectorBlock(l.block);
    expect(index.vectorBlockStats()).toMatchObject({ blocks: 0, liveBytes: 0 });
  });

  it('asks for more candidates when few pass the check, and returns all that pass when fewer than k do', () => {
    const chosen = Array.from({ length: 3000 }, (_, i) => idOf(i));
    const lists = [0, 1000, 2000].map((at) => {
      const ids = chosen.slice(at, at + 1000);
      const labels = Int32Array.from(ids, (id) => index.labelFor(id) ?? -1);
      return { labels, block: index.vectorBlock(labels), ids };
    });
    // 1 in 29 passes: the first 200 candidates hold ~7, so the scan is repeated with more.
    const rare = (id: string): boolean => numOf(id) % 29 === 0;
    let checked = 0;
    const hits = index.scanLabelLists(query(3), 50, lists, (li, row) => {
      checked++;
      return rare(lists[li].ids[row]);
    });
    expect(hits).toEqual(index.exactSearch(query(3), 50, { allowedIds: chosen.filter(rare) }));
    expect(checked).toBeGreaterThan(200);
    // Only 35 items pass at all (0, 29, …, 2986 < 3000 → 104; keep those below 1015: 35).
    const rarer = (id: string): boolean => rare(id) && numOf(id) < 1015;
    const few = index.scanLabelLists(query(3), 50, lists, (li, row) => rarer(lists[li].ids[row]));
    expect(few).toHaveLength(35);
    expect(few).toEqual(index.exactSearch(query(3), 50, { allowedIds: chosen.filter(rarer) }));
    for (const l of lists) index.freeVectorBlock(l.block);
  });

  it('breaks score ties by label and skips removed labels, like the exact scan', () => {
    const idx = AnnIndex.create({ dims: 4 });
    for (const id of ['a', 'b', 'c', 'd']) idx.add(id, [1, 2, 3, 4]);
    idx.add('e', [4, 3, 2, 1]);
    idx.remove('b');
    const labels = Int32Array.from(['d', 'e', 'a', 'c', 'b'], (id) => idx.labelFor(id) ?? 0);
    labels[4] = 1; // b's old label, now removed
    const hits = idx.scanLabelLists([1, 2, 3, 4], 3, [{ labels, block: idx.vectorBlock(labels) }], () => true);
    expect(hits.map((h) => h.id)).toEqual(['a', 'c', 'd']);
    expect(hits).toEqual(idx.exactSearch([1, 2, 3, 4], 3));
  });

  it('refuses a block that does not match its labels or comes from another index', () => {
    const other = AnnIndex.build(items.slice(0, 10), { dims: DIMS });
    const labels = Int32Array.from([0, 1, 2]);
    expect(() => index.scanLabelLists(query(0), 5, [{ labels, block: index.vectorBlock(labels.subarray(0, 2)) }], () => true)).toThrow(/block of 2 rows for 3 labels/);
    expect(() => index.scanLabelLists(query(0), 5, [{ labels, block: other.vectorBlock(labels) }], () => true)).toThrow(/another arena/);
    expect(() => index.vectorBlock(Int32Array.from([N]))).toThrow(/not in the index/);
  });
});

describe('add / remove / re-add', () => {
  it('an empty or emptied index returns no hits', () => {
    const idx = AnnIndex.create({ dims: 4 });
    expect(idx.search([1, 0, 0, 0], 5)).toEqual([]);
    expect(idx.exactSearch([1, 0, 0, 0], 5)).toEqual([]);
    idx.add('x', [1, 2, 3, 4]);
    idx.remove('x');
    expect(idx.search([1, 0, 0, 0], 5)).toEqual([]);
    expect(AnnIndex.build([], { dims: 4 }).size).toBe(0);
  });
  it('grows past its capacity, removes, and replaces on re-add', () => {
    const idx = AnnIndex.create({ dims: DIMS, maxElements: 10 });
    for (let i = 0; i < 300; i++) idx.add(idOf(i), row(data.items, i));
    expect(idx.size).toBe(300);
    expect(idx.stats().capacity).toBeGreaterThanOrEqual(300);
    const q = row(data.items, 42);
    expect(idx.search(q, 1)[0].id).toBe('e42'); // its own vector is its nearest neighbour

    expect(idx.remove('e42')).toBe(true);
    expect(idx.remove('e42')).toBe(false);
    expect(idx.remove('never-added')).toBe(false);
    expect(idx.has('e42')).toBe(false);
    expect(idx.size).toBe(299);
    expect(ids(idx.search(q, 20))).not.toContain('e42');
    expect(ids(idx.exactSearch(q, 300))).not.toContain('e42');
    expect(idx.stats().deleted).toBe(1);

    // re-add with another item's vector: it now sits where e7 is
    idx.add('e42', row(data.items, 7));
    expect(idx.has('e42')).toBe(true);
    expect(idx.size).toBe(300);
    expect(idx.stats().deleted).toBe(0);
    expect(ids(idx.search(row(data.items, 7), 2)).sort()).toEqual(['e42', 'e7']);
    expect(ids(idx.search(q, 5))).not.toContain('e42');

    // replacing a live id keeps one entry
    idx.add('e7', row(data.items, 100));
    expect(idx.size).toBe(300);
    expect(idx.search(row(data.items, 100), 2).map((h) => h.id).sort()).toEqual(['e100', 'e7']);
  });
});

describe('save / load', () => {
  it('round-trips to identical results, removals included', async () => {
    const idx = AnnIndex.build(items.slice(0, 1000), { dims: DIMS, M: 8, ef: 60 });
    idx.remove('e3');
    idx.remove('e500');
    const dir = join(tmp, 'roundtrip');
    const manifest = await idx.save(dir);
    expect(manifest).toMatchObject({ dims: DIMS, M: 8, ef: 60, count: 998, labels: 1000, deleted: 2 });
    const loaded = await AnnIndex.load(dir);
    expect(loaded.stats()).toEqual(idx.stats());
    for (let q = 0; q < 20; q++) {
      expect(loaded.search(query(q), 10)).toEqual(idx.search(query(q), 10));
      expect(loaded.exactSearch(query(q), 10)).toEqual(idx.exactSearch(query(q), 10));
    }
    expect(loaded.has('e3')).toBe(false);
    expect(loaded.getVector('e9')).toEqual(idx.getVector('e9'));
    loaded.add('new', query(0));
    expect(loaded.search(query(0), 1)[0].id).toBe('new');
  });

  it('refuses a flipped byte, a truncated file or an unfinished save', async () => {
    const idx = AnnIndex.build(items.slice(0, 300), { dims: DIMS });
    const fresh = async (name: string): Promise<string> => {
      const dir = join(tmp, name);
      await idx.save(dir);
      return dir;
    };
    const flip = async (path: string, at: number): Promise<void> => {
      const buf = await readFile(path);
      buf[at] ^= 0x01;
      await writeFile(path, buf);
    };

    const graph = await fresh('flip-graph');
    await flip(join(graph, 'index.hnsw'), 5000);
    await expectCorrupt(AnnIndex.load(graph), /index\.hnsw fails its sha256/);

    const vectors = await fresh('flip-vectors');
    await flip(join(vectors, 'vectors.f32'), 123);
    await expectCorrupt(AnnIndex.load(vectors, { verify: true }), /vectors\.f32 fails its sha256/);

    const truncated = await fresh('truncated');
    await truncate(join(truncated, 'index.hnsw'), 1000);
    // sizes are checked even without checksum verification
    await expectCorrupt(AnnIndex.load(truncated, { verify: false }), /index\.hnsw is 1000 bytes/);

    const unfinished = await fresh('unfinished');
    await unlink(join(unfinished, 'manifest.json'));
    await expectCorrupt(AnnIndex.load(unfinished), /manifest\.json is missing/);

    const tampered = await fresh('tampered');
    const m = JSON.parse(await readFile(join(tampered, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(tampered, 'manifest.json'), JSON.stringify({ ...m, version: 99 }));
    await expectCorrupt(AnnIndex.load(tampered), /version 99/);

    await expect(AnnIndex.load(join(tmp, 'does-not-exist'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // the intact copy still loads
    expect((await AnnIndex.load(await fresh('intact'))).size).toBe(300);
  });
});
