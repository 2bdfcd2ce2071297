import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkBundle, openBundle, listBundleVersions, readCurrentPointer } from './bundle.ts';
import { EvrecError } from './errors.ts';

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'evrec-bundle-'));
}

describe('bundles', () => {
  it('publishes an immutable version, moves current, and verifies on open', async () => {
    const root = await tmp();
    const work = await WorkBundle.open(root);
    const d = await work.componentDir('ranker');
    await writeFile(join(d, 'model.json'), '{"a":1}');
    await work.commitComponent('ranker', { meta: { kind: 'mlp' }, metrics: { auc: 0.8 } });
    const { version } = await work.publish();
    expect((await readCurrentPointer(root))?.version).toBe(version);
    const b = await openBundle(root);
    expect(b.version).toBe(version);
    expect(b.manifest.components.ranker.metrics.auc).toBe(0.8);
    expect(await readFile(b.path('ranker', 'model.json'), 'utf8')).toBe('{"a":1}');
    expect(await listBundleVersions(root)).toEqual([version]);
    await expect(work.publish({ version })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a corrupted file and keeps the manifest honest', async () => {
    const root = await tmp();
    const work = await WorkBundle.open(root);
    const d = await work.componentDir('ann');
    await writeFile(join(d, 'index.bin'), Buffer.alloc(64, 1));
    await work.commitComponent('ann');
    const { dir } = await work.publish();
    await writeFile(join(dir, 'ann', 'index.bin'), Buffer.alloc(64, 2));
    const err = await openBundle(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).code).toBe('CORRUPT_ARTIFACT');
    expect((err as EvrecError).message).toMatch(/index\.bin: checksum mismatch/);
    await writeFile(join(dir, 'ann', 'index.bin'), Buffer.alloc(10, 1));
    await expect(openBundle(root)).rejects.toThrow(/10 bytes/);
  });

  it('refuses non-finite metrics instead of writing an unreadable manifest', async () => {
    const work = await WorkBundle.open(await tmp());
    await writeFile(join(await work.componentDir('embeddings'), 'v.bin'), 'x');
    await expect(work.commitComponent('embeddings', { metrics: { recall: Number.NaN } })).rejects.toThrow(/metric recall is NaN/);
  });

  it('seeds a new work bundle from the current version', async () => {
    const root = await tmp();
    const w1 = await WorkBundle.open(root);
    await writeFile(join(await w1.componentDir('embeddings'), 'v.bin'), 'x');
    await w1.commitComponent('embeddings');
    await w1.publish();
    await import('node:fs/promises').then((fs) => fs.rm(join(root, 'work'), { recursive: true }));
    const w2 = await WorkBundle.open(root);
    expect(w2.has('embeddings')).toBe(true);
    expect(await readFile(w2.path('embeddings', 'v.bin'), 'utf8')).toBe('x');
  });
});
