/**
 * Saving and loading tf.LayersModel to a folder without tfjs-node: a tf.io.IOHandler over
 * node:fs writing the standard TF.js layout (model.json + weights.bin), so tfjs-node's
 * `file://` loader and the browser can read the same files. model.json also carries the size
 * and SHA-256 of weights.bin; load verifies both and refuses a mismatch (CORRUPT_ARTIFACT).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { EvrecError } from '@evrec/core';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

const WeightSpecSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  quantization: z.unknown().optional(),
});

const ModelJsonSchema = z.object({
  modelTopology: z.record(z.string(), z.unknown()),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  trainingConfig: z.unknown().optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()), weights: z.array(WeightSpecSchema) })).min(1),
  integrity: z.object({ weightsBytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).optional(),
});

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * A tf.io handler that saves to and loads from `dir` (created on save). Use with
 * `model.save(handler)` / `tf.loadLayersModel(handler)`, or through {@link saveModel}/{@link loadModel}.
 */
export function fileSystemModelHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      if (!artifacts.modelTopology || artifacts.modelTopology instanceof ArrayBuffer) {
        throw new EvrecError('UNSUPPORTED', 'only models with a JSON topology (tf.LayersModel) can be saved here');
      }
      const weights = new Uint8Array(artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        integrity: { weightsBytes: weights.byteLength, sha256: sha256(weights) },
      };
      await mkdir(dir, { recursive: true });
      // Weights first, model.json last: a reader never sees a model.json without its weights.
      await writeAtomic(join(dir, WEIGHTS_BIN), weights);
      await writeAtomic(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    load: async () => {
      const path = join(dir, MODEL_JSON);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new EvrecError('NOT_FOUND', `no model at ${dir}: ${(e as Error).message}`, { cause: e });
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        throw new EvrecError('CORRUPT_ARTIFACT', `${path} is not valid JSON`, { cause: e });
      }
      const parsed = ModelJsonSchema.safeParse(raw);
      if (!parsed.success) {
        throw new EvrecError('CORRUPT_ARTIFACT', `${path} is not a TF.js layers model: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      const modelJson = parsed.data;
      return tf.io.getModelArtifactsForJSON(modelJson as unknown as tf.io.ModelJSON, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            if (p.includes('/') || p.includes('\\') || p === '..') throw new EvrecError('CORRUPT_ARTIFACT', `${path}: weight path ${p} leaves the model folder`);
            try {
              parts.push(await readFile(join(dir, p)));
            } catch (e) {
              throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: weight file ${p} unreadable: ${(e as Error).message}`, { cause: e });
            }
          }
        }
        const data = Buffer.concat(parts);
        const expected = specs.every((s) => !s.quantization && s.dtype in BYTES_PER_ELEMENT)
          ? specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[s.dtype], 0)
          : undefined;
        if (expected !== undefined && expected !== data.byteLength) {
          throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: weights hold ${data.byteLength} bytes, the manifest needs ${expected}`);
        }
        if (modelJson.integrity) {
          if (modelJson.integrity.weightsBytes !== data.byteLength || modelJson.integrity.sha256 !== sha256(data)) {
            throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: weights do not match the checksum in ${MODEL_JSON}`);
          }
        }
        const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
        return [specs, buffer];
      });
    },
  };
}

export interface SavedModelInfo {
  dir: string;
  weightsBytes: number;
  /** SHA-256 of weights.bin, also stored in model.json. */
  sha256: string;
}

/** Saves `model` topology and weights into `dir` (model.json + weights.bin). Not the optimiser state: compile again to keep training. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<SavedModelInfo> {
  await model.save(fileSystemModelHandler(dir));
  const json = JSON.parse(await readFile(join(dir, MODEL_JSON), 'utf8')) as { integrity: { weightsBytes: number; sha256: string } };
  return { dir, weightsBytes: json.integrity.weightsBytes, sha256: json.integrity.sha256 };
}

/**
 * Loads a model saved by {@link saveModel} (or any TF.js layers model folder with one weights file
 * per group path), verifying sizes and checksum. NOT_FOUND without model.json, CORRUPT_ARTIFACT
 * when anything does not match.
 */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(fileSystemModelHandler(dir));
  } catch (e) {
    if (e instanceof EvrecError) throw e;
    throw new EvrecError('CORRUPT_ARTIFACT', `cannot load the model in ${dir}: ${(e as Error).message}`, { cause: e });
  }
}
