import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@evrec/core';
import { AnnIndex, buildIndexInWorker, clusteredVectorsWithQueries } from './index.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('buildIndexInWorker', () => {
  it('builds on a worker thread and returns the same index as an in-thread build', async () => {
    const dims = 16;
    const n = 2000;
    const { items, queries } = clusteredVectorsWithQueries({ n, dims, seed: 'worker' }, 5);
    const ids = Array.from({ length: n }, (_, i) => `w${i}`);
    const local = AnnIndex.build(
      ids.map((id, i) => ({ id, vector: items.subarray(i * dims, (i + 1) * dims) })),
      { dims },
    );
    const dir = await mkdtemp(join(tmpdir(), 'evrec-ann-worker-'));
    dirs.push(dir);
    const events: ProgressEvent[] = [];
    const remote = await buildIndexInWorker({ ids, vectors: items.slice(), dims, dir, progress: (e) => events.push(e) });
    expect(remote.size).toBe(n);
    expect(events.at(-1)).toMatchObject({ stage: 'ann.build', done: n, total: n });
    for (let q = 0; q < 5; q++) {
      const v = queries.subarray(q * dims, (q + 1) * dims);
      // same seed, same insertion order, single thread: the same graph
      expect(remote.search(v, 10)).toEqual(local.search(v, 10));
    }
  });

  it('rejects with the worker’s error code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evrec-ann-worker-'));
    dirs.push(dir);
    const vectors = new Float32Array(8); // two 4-d rows, the second all zeros
    vectors[0] = 1;
    await expect(buildIndexInWorker({ ids: ['a', 'b'], vectors, dims: 4, dir })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(buildIndexInWorker({ ids: ['a'], vectors: new Float32Array(8), dims: 4, dir })).rejects.toThrow(/expected ids.length × dims = 4/);
  });
});
