import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '@evrec/data';
import { capture } from './capture-cli.fixture.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-cli-train-embeddings-'));
  await generateWorld({ preset: 'tiny', users: 300, events: 300, seed: 4, outDir: join(root, 'world') });
});
afterAll(() => rm(root, { recursive: true, force: true }));


describe('evrec train embeddings', () => {
  it('trains into the work bundle, progress with the backend to stderr, a metrics table to stdout', async () => {
    const artifacts = join(root, 'artifacts');
    const r = await capture(['train', 'embeddings', '--data', join(root, 'world'), '--artifacts', artifacts, '--epochs', '2', '--batch-size', '128', '--no-publish']);
    expect(r.err).not.toMatch(/evrec: /);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\[train\.embeddings\] 1\/2 .*recall@50=[\d.]+ .*ex\/s=\d+ backend=(wasm|cpu|tensorflow)/);
    expect(r.out).toMatch(/^K +two-tower +popularity +random$/m);
    expect(r.out).toMatch(/^@50 +[\d.]+ +[\d.]+ +[\d.]+$/m);
    expect(r.out).toMatch(/written to the work bundle \(not published\)/);
    const manifest = JSON.parse(await readFile(join(artifacts, 'work', 'manifest.json'), 'utf8'));
    expect(manifest.components.embeddings.meta).toMatchObject({ dims: 64, events: 300, users: 300, vectorFormat: 'float32-le' });
    expect(Object.keys(manifest.components.embeddings.files)).toEqual(expect.arrayContaining(['event-vectors.f32', 'user-vectors.f32', 'model/two-tower.json']));
  });

  it('refuses bad flags before loading anything', async () => {
    const r = await capture(['train', 'embeddings', '--data', join(root, 'world'), '--artifacts', join(root, 'x'), '--id-dropout', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/INVALID_INPUT: --id-dropout/);
    const t = await capture(['train', 'embeddings', '--data', join(root, 'world'), '--artifacts', join(root, 'x'), '--positive-types', 'register,bogus']);
    expect(t.code).toBe(2);
    expect(t.err).toMatch(/--positive-types/);
  });
});
