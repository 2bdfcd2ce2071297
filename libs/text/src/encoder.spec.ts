import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { createTextEncoder, hashedTextVector } from './index.ts';

let root: string;

/** Writes `model` the way TF.js lays a model out on disk (model.json + one weights file). */
async function saveTo(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const weights = tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0));
      await writeFile(join(dir, 'group1-shard1of1.bin'), new Uint8Array(weights));
      const json = { modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

function l2(v: ArrayLike<number>): number[] {
  const n = Math.hypot(...Array.from(v));
  return Array.from(v, (x) => x / n);
}

async function expectCode(p: Promise<unknown>, code: 'INVALID_INPUT' | 'NOT_FOUND' | 'CORRUPT_ARTIFACT'): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isEvrecError(e, code), String(e)).toBe(true);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('createTextEncoder', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tf.env().set('PROD', true); // no "install tfjs-node" banner in test output
    root = await mkdtemp(join(tmpdir(), 'evrec-text-enc-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('hashed: the default encoder is hashedTextVector', async () => {
    const enc = await createTextEncoder({ kind: 'hashed', dims: 32 });
    expect(enc.dims).toBe(32);
    const [a, b] = await enc.encode(['Jazz im Park', '東京のジャズ'], ['de', undefined]);
    expect(a).toEqual(hashedTextVector('Jazz im Park', { dims: 32, language: 'de' }));
    expect(b).toEqual(hashedTextVector('東京のジャズ', { dims: 32 }));
    await expect(createTextEncoder({ kind: 'hashed', dims: 0 })).rejects.toSatisfy((e: unknown) => isEvrecError(e, 'INVALID_INPUT'));
  });

  it('external (hashed input): runs a local layers model on hashed vectors, L2-normalised', async () => {
    const dir = join(root, 'hashed');
    await mkdir(dir);
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [16], useBias: false, kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) })] });
    await saveTo(model, dir);
    const enc = await createTextEncoder({ kind: 'external', path: pathToFileURL(dir).href });
    expect(enc.kind).toBe('external');
    expect(enc.dims).toBe(4);
    const texts = ['Live jazz tonight', 'Yoga im Park', ''];
    const out = await enc.encode(texts);
    for (let i = 0; i < 2; i++) {
      const expected = (model.predict(tf.tensor2d(hashedTextVector(texts[i], { dims: 16 }), [1, 16])) as tf.Tensor).dataSync();
      const got = Array.from(out[i]);
      l2(expected).forEach((v, k) => expect(got[k]).toBeCloseTo(v, 5));
    }
    // Empty text → zero input → zero output (no NaN from normalisation).
    expect(Array.from(out[2])).toEqual([0, 0, 0, 0]);
    enc.dispose();
  });

  it('external (token ids): looks words up in vocab.txt, pads and maps unknowns', async () => {
    const dir = join(root, 'ids');
    await mkdir(dir);
    // Row i of the table is [i, 10·i]: outputs show exactly which ids went in.
    const table = tf.tensor2d(Array.from({ length: 6 }, (_, i) => [i, 10 * i]));
    const model = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 6, outputDim: 2, inputLength: 3, weights: [table] }), tf.layers.flatten()] });
    await saveTo(model, dir);
    await writeFile(join(dir, 'vocab.txt'), '<pad>\n<unk>\njazz\n東京\nの\n');
    await writeFile(join(dir, 'encoder.json'), JSON.stringify({ input: 'token-ids', maxLength: 3, normalize: false }));
    const enc = await createTextEncoder({ kind: 'external', path: dir });
    expect(enc.dims).toBe(6);
    const [ja, en] = await enc.encode(['東京のジャズ', 'JAZZ!'], ['ja', 'en']);
    // 東京 → 3, の → 4, ジャズ → unknown 1.
    expect(Array.from(ja)).toEqual([3, 30, 4, 40, 1, 10]);
    // jazz → 2, then padding 0.
    expect(Array.from(en)).toEqual([2, 20, 0, 0, 0, 0]);
  });

  it('refuses remote paths, missing folders and broken files', async () => {
    await expectCode(createTextEncoder({ kind: 'external', path: 'https://example.com/model' }), 'INVALID_INPUT');
    await expectCode(createTextEncoder({ kind: 'external', path: join(root, 'missing') }), 'NOT_FOUND');
    const dir = join(root, 'broken');
    await mkdir(dir);
    await writeFile(join(dir, 'model.json'), '{ not json');
    await expectCode(createTextEncoder({ kind: 'external', path: dir }), 'CORRUPT_ARTIFACT');
    // A valid model.json whose weights path leaves its folder.
    const valid = JSON.parse(await readFile(join(root, 'hashed', 'model.json'), 'utf8'));
    valid.weightsManifest[0].paths = ['../hashed/group1-shard1of1.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(valid));
    await expectCode(createTextEncoder({ kind: 'external', path: dir }), 'CORRUPT_ARTIFACT');
  });
});
