import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_FILES, DatasetManifestSchema, MANIFEST_FILE } from '../native/format.ts';
import { generateWorld } from './world.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-determinism-'));
const dirs = { a: join(root, 'a'), b: join(root, 'b'), other: join(root, 'other') };

beforeAll(async () => {
  await generateWorld({ preset: 'tiny', seed: 11, outDir: dirs.a });
  await generateWorld({ preset: 'tiny', seed: 11, outDir: dirs.b });
  await generateWorld({ preset: 'tiny', seed: 12, outDir: dirs.other });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('generateWorld determinism', () => {
  it('writes byte-identical data files for the same seed', async () => {
    for (const file of Object.values(DATASET_FILES)) {
      const [a, b] = await Promise.all([readFile(join(dirs.a, file)), readFile(join(dirs.b, file))]);
      expect(a.length, file).toBeGreaterThan(0);
      expect(a.equals(b), file).toBe(true);
    }
  });

  it('writes the same manifest apart from its creation time', async () => {
    const read = async (d: string) => DatasetManifestSchema.parse(JSON.parse(await readFile(join(d, MANIFEST_FILE), 'utf8')));
    const { createdAt: _a, ...a } = await read(dirs.a);
    const { createdAt: _b, ...b } = await read(dirs.b);
    expect(a).toEqual(b);
    expect(a.interactionsSorted).toBe(true);
    expect(a.source).toMatchObject({ generator: 'evrec-synthetic', seed: 11, preset: 'tiny' });
  });

  it('writes different data for a different seed', async () => {
    for (const file of Object.values(DATASET_FILES)) {
      const [a, c] = await Promise.all([readFile(join(dirs.a, file)), readFile(join(dirs.other, file))]);
      expect(a.equals(c), file).toBe(false);
    }
  });
});
