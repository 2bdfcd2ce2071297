/**
 * The seam for text encoders. The default is the hashed encoder (no model, no files). An
 * `external` encoder runs a pre-trained TF.js model (layers or graph format) from a LOCAL
 * directory that the operator put there; nothing is ever downloaded. TF.js is imported only when
 * an external encoder is created, and the model runs on whatever backend the process chose
 * (call `initTf` from `@evrec/tf` first in apps).
 *
 * Directory layout:
 *   model.json            TF.js model (format `layers-model` or `graph-model`) with its weightsManifest
 *   *.bin                 weight files named in the manifest (paths relative to the directory)
 *   encoder.json          optional, see {@link ExternalEncoderManifest}
 *   vocab.txt             for `input: "token-ids"`: one token per line, line i (0-based) is id i
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EvrecError, parseWith } from '@evrec/core';
import type * as Tf from '@tensorflow/tfjs';
import { hashedTextVector, hashedTokensVector, DEFAULT_DENSE_DIMS } from './hashing.ts';
import { normalizeText } from './normalize.ts';
import { segmentationLocale, segmentWords } from './tokenize.ts';

/** Anything that turns texts into fixed-size vectors. */
export interface TextEncoder {
  /** Output dimensions. */
  readonly dims: number;
  /** `hashed` or `external`. */
  readonly kind: TextEncoderSpec['kind'];
  /**
   * One vector per text, in order. `languages[i]` is the declared language of `texts[i]`
   * (detected when absent).
   */
  encode(texts: readonly string[], languages?: ReadonlyArray<string | undefined>): Promise<Float32Array[]>;
  /** Frees model memory (no-op for the hashed encoder). */
  dispose(): void;
}

export type TextEncoderSpec =
  | {
      kind: 'hashed';
      /** Output dimensions. Default 256. */
      dims?: number;
      /** Character 3–5-grams. Default true. */
      charNgrams?: boolean;
    }
  | {
      kind: 'external';
      /** Local directory (plain path or `file://` URL) holding model.json and friends. */
      path: string;
    };

/** `encoder.json` beside an external model. Every field is optional. */
export const ExternalEncoderManifestSchema = z.object({
  /**
   * What the model takes. `hashed` (default): a [batch, inputDims] float tensor of
   * {@link hashedTextVector}. `token-ids`: a [batch, maxLength] int32 tensor of vocab ids,
   * right-padded with `padId`, unknown words mapped to `unknownId`.
   */
  input: z.enum(['hashed', 'token-ids']).default('hashed'),
  /** For `hashed`: dimensions of the hashed input. Default: the model's input width. */
  inputDims: z.number().int().positive().optional(),
  /** For `hashed`: include char n-grams. Default true. */
  charNgrams: z.boolean().default(true),
  /** For `token-ids`: vocabulary file relative to the directory. Default `vocab.txt`. */
  vocab: z.string().default('vocab.txt'),
  /** For `token-ids`: tokens per text (longer texts are cut). Default 64. */
  maxLength: z.number().int().positive().default(64),
  padId: z.number().int().min(0).default(0),
  unknownId: z.number().int().min(0).default(1),
  /** L2-normalise the model output. Default true. */
  normalize: z.boolean().default(true),
  /** Texts per model call. Default 256. */
  batchSize: z.number().int().positive().default(256),
});
export type ExternalEncoderManifest = z.infer<typeof ExternalEncoderManifestSchema>;

/** The default encoder: {@link hashedTextVector} behind the {@link TextEncoder} interface. */
export function createHashedTextEncoder(options: { dims?: number; charNgrams?: boolean } = {}): TextEncoder {
  const dims = options.dims ?? DEFAULT_DENSE_DIMS;
  const charNgrams = options.charNgrams ?? true;
  hashedTokensVector([], { dims }); // validates dims now rather than on first use
  return {
    dims,
    kind: 'hashed',
    encode: async (texts, languages) => texts.map((t, i) => hashedTextVector(t, { dims, charNgrams, language: languages?.[i] })),
    dispose: () => undefined,
  };
}

/**
 * Creates an encoder. `{kind: 'hashed'}` needs nothing; `{kind: 'external', path}` loads a local
 * TF.js model (see the module comment for the directory layout).
 * Throws INVALID_INPUT for a non-local path, NOT_FOUND for missing files, CORRUPT_ARTIFACT for
 * files that do not parse or do not match their manifest.
 */
export async function createTextEncoder(spec: TextEncoderSpec): Promise<TextEncoder> {
  if (spec.kind === 'hashed') return createHashedTextEncoder(spec);
  return loadExternalEncoder(spec.path);
}

function localDirectory(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    if (!path.toLowerCase().startsWith('file://')) {
      throw new EvrecError('INVALID_INPUT', `external text encoder must be a local directory, got ${path}`, { field: 'path' });
    }
    return fileURLToPath(path);
  }
  return resolve(path);
}

async function readLocal(dir: string, name: string): Promise<Buffer> {
  const full = normalize(join(dir, name));
  const rel = relative(dir, full);
  // Manifest paths must stay inside the model directory.
  if (isAbsolute(name) || rel.startsWith('..') || rel.includes(`..${sep}`)) {
    throw new EvrecError('CORRUPT_ARTIFACT', `model file ${name} points outside ${dir}`);
  }
  try {
    return await readFile(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EvrecError(code === 'ENOENT' ? 'NOT_FOUND' : 'UNAVAILABLE', `cannot read ${full}: ${(e as Error).message}`, { cause: e });
  }
}

type LoadedModel = { kind: 'layers'; model: Tf.LayersModel } | { kind: 'graph'; model: Tf.GraphModel };

/** A read-only tf.io handler over a local directory: model.json plus the weight files it names. */
function localLoadHandler(tf: typeof Tf, dir: string, modelJson: Tf.io.ModelJSON): Tf.io.IOHandler {
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: Tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const buf = await readLocal(dir, p);
            buffers.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      }),
  };
}

async function loadExternalEncoder(path: string): Promise<TextEncoder> {
  const dir = localDirectory(path);
  let modelJson: Tf.io.ModelJSON;
  try {
    modelJson = JSON.parse((await readLocal(dir, 'model.json')).toString('utf8')) as Tf.io.ModelJSON;
  } catch (e) {
    if (e instanceof EvrecError) throw e;
    throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, 'model.json')} is not valid JSON`, { cause: e });
  }
  let manifestRaw: unknown = {};
  try {
    manifestRaw = JSON.parse((await readLocal(dir, 'encoder.json')).toString('utf8'));
  } catch (e) {
    if (!(e instanceof EvrecError && e.code === 'NOT_FOUND')) {
      throw new EvrecError('CORRUPT_ARTIFACT', `${join(dir, 'encoder.json')}: ${(e as Error).message}`, { cause: e });
    }
  }
  const manifest = parseWith(ExternalEncoderManifestSchema, manifestRaw, join(dir, 'encoder.json'));

  // Loaded only here so the hashed path never pulls TF.js in.
  const tfModuleName = '@tensorflow/tfjs';
  const tf = (await import(/* @vite-ignore */ tfModuleName)) as typeof Tf;
  const handler = localLoadHandler(tf, dir, modelJson);
  let loaded: LoadedModel;
  try {
    loaded = modelJson.format === 'graph-model'
      ? { kind: 'graph', model: await tf.loadGraphModel(handler) }
      : { kind: 'layers', model: await tf.loadLayersModel(handler) };
  } catch (e) {
    if (e instanceof EvrecError) throw e;
    throw new EvrecError('CORRUPT_ARTIFACT', `cannot load the model in ${dir}: ${(e as Error).message}`, { cause: e });
  }

  const inputShape = loaded.kind === 'layers' ? loaded.model.inputs[0]?.shape : loaded.model.inputs[0]?.shape;
  const modelWidth = inputShape?.[1] ?? undefined;
  let vocab: Map<string, number> | undefined;
  if (manifest.input === 'token-ids') {
    const lines = (await readLocal(dir, manifest.vocab)).toString('utf8').split('\n');
    vocab = new Map();
    lines.forEach((tok, i) => {
      const t = tok.replace(/\r$/, '');
      if (t !== '' && !vocab?.has(t)) vocab?.set(t, i);
    });
  }
  const inputDims = manifest.input === 'hashed' ? (manifest.inputDims ?? (modelWidth && modelWidth > 0 ? modelWidth : undefined)) : manifest.maxLength;
  if (inputDims === undefined) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: model input width unknown; set inputDims in encoder.json`);
  }
  if (modelWidth !== undefined && modelWidth !== null && modelWidth > 0 && modelWidth !== inputDims) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: model takes ${modelWidth} inputs but encoder.json says ${inputDims}`);
  }

  const run = (input: Tf.Tensor): Tf.Tensor => {
    const out = loaded.model.predict(input);
    const t = Array.isArray(out) ? out[0] : out instanceof tf.Tensor ? out : Object.values(out)[0];
    if (!t) throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: model produced no output`);
    return t;
  };
  // Probe once so `dims` is known and a broken model fails at load, not on the first request.
  const probe = tf.tidy(() => run(manifest.input === 'hashed' ? tf.zeros([1, inputDims]) : tf.zeros([1, inputDims], 'int32')));
  const dims = probe.shape[probe.shape.length - 1] ?? 0;
  probe.dispose();
  if (probe.shape.length !== 2 || dims <= 0) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: model output must be [batch, dims], got [${probe.shape.join(', ')}]`);
  }

  const buildInput = (texts: readonly string[], languages?: ReadonlyArray<string | undefined>): Tf.Tensor => {
    if (manifest.input === 'hashed') {
      const flat = new Float32Array(texts.length * inputDims);
      texts.forEach((t, i) => flat.set(hashedTextVector(t, { dims: inputDims, charNgrams: manifest.charNgrams, language: languages?.[i] }), i * inputDims));
      return tf.tensor2d(flat, [texts.length, inputDims]);
    }
    const ids = new Int32Array(texts.length * inputDims).fill(manifest.padId);
    texts.forEach((t, i) => {
      const normalized = normalizeText(t);
      const words = segmentWords(normalized, segmentationLocale(normalized, languages?.[i]));
      for (let j = 0; j < Math.min(words.length, inputDims); j++) ids[i * inputDims + j] = vocab?.get(words[j]) ?? manifest.unknownId;
    });
    return tf.tensor2d(ids, [texts.length, inputDims], 'int32');
  };

  return {
    dims,
    kind: 'external',
    encode: async (texts, languages) => {
      const out: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += manifest.batchSize) {
        const batch = texts.slice(start, start + manifest.batchSize);
        const langs = languages?.slice(start, start + manifest.batchSize);
        const result = tf.tidy(() => {
          const y = run(buildInput(batch, langs));
          return manifest.normalize ? tf.div(y, tf.maximum(tf.norm(y, 'euclidean', 1, true), 1e-12)) : y;
        });
        const data = (await result.data()) as Float32Array;
        result.dispose();
        for (let i = 0; i < batch.length; i++) out.push(data.slice(i * dims, (i + 1) * dims));
      }
      return out;
    },
    dispose: () => loaded.model.dispose(),
  };
}
