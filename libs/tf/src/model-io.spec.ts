import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, isEvrecError } from '@evrec/core';
import { initTf, loadModel, saveModel, seededInitializer } from './index.ts';

let root: string;

function smallModel(seed: number): tf.LayersModel {
  const rng = createRng(seed);
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 5, inputShape: [3], activation: 'relu', kernelInitializer: seededInitializer(rng) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: seededInitializer(rng) }),
    ],
  });
}

const INPUT = [[0.1, -0.2, 0.3], [1, 2, 3], [-1, 0.5, 0]];

async function predictions(model: tf.LayersModel): Promise<number[]> {
  const out = model.predict(tf.tensor2d(INPUT)) as tf.Tensor;
  const data = [...(await out.data())];
  out.dispose();
  return data;
}

async function expectCode(p: Promise<unknown>, code: 'CORRUPT_ARTIFACT' | 'NOT_FOUND'): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(isEvrecError(e, code), String(e)).toBe(true);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

describe('saveModel / loadModel', () => {
  beforeAll(async () => {
    await initTf({ backend: 'cpu', logger: null });
    root = await mkdtemp(join(tmpdir(), 'evrec-tf-io-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips topology and weights: identical predictions', async () => {
    const model = smallModel(1);
    const dir = join(root, 'a', 'nested');
    const info = await saveModel(model, dir);
    // (3·5 + 5) + (5·1 + 1) float32 parameters.
    expect(info.weightsBytes).toBe((3 * 5 + 5 + 5 + 1) * 4);
    expect((await readFile(join(dir, 'weights.bin'))).byteLength).toBe(info.weightsBytes);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.integrity.sha256).toBe(info.sha256);
    const loaded = await loadModel(dir);
    expect(await predictions(loaded)).toEqual(await predictions(model));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense']);
  });

  it('seeded initialisers repeat exactly; a different seed differs', async () => {
    expect(await predictions(smallModel(5))).toEqual(await predictions(smallModel(5)));
    expect(await predictions(smallModel(5))).not.toEqual(await predictions(smallModel(6)));
  });

  it('refuses weights that do not match the checksum', async () => {
    const dir = join(root, 'flipped');
    await saveModel(smallModel(2), dir);
    const bin = await readFile(join(dir, 'weights.bin'));
    bin[7] ^= 0x40;
    await writeFile(join(dir, 'weights.bin'), bin);
    await expectCode(loadModel(dir), 'CORRUPT_ARTIFACT');
  });

  it('refuses truncated weights, broken JSON and a foreign manifest path', async () => {
    const dir = join(root, 'truncated');
    await saveModel(smallModel(3), dir);
    const bin = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 4));
    await expectCode(loadModel(dir), 'CORRUPT_ARTIFACT');

    const broken = join(root, 'broken');
    await saveModel(smallModel(3), broken);
    await writeFile(join(broken, 'model.json'), '{"modelTopology": ');
    await expectCode(loadModel(broken), 'CORRUPT_ARTIFACT');

    const escape = join(root, 'escape');
    await saveModel(smallModel(3), escape);
    const json = JSON.parse(await readFile(join(escape, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../flipped/weights.bin'];
    await writeFile(join(escape, 'model.json'), JSON.stringify(json));
    await expectCode(loadModel(escape), 'CORRUPT_ARTIFACT');
  });

  it('reports a missing folder as NOT_FOUND', async () => {
    await expectCode(loadModel(join(root, 'nope')), 'NOT_FOUND');
  });
});
