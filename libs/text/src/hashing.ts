/**
 * Signed feature hashing of word unigrams, word bigrams and character 3–5-grams (fastText-style,
 * per word with `<` `>` boundary marks, so CJK and Thai words and Arabic clitics share pieces).
 * Every feature's 32-bit hash picks a bucket (low bits) and a sign (top bit); signs make
 * collisions cancel in expectation, so inner products are preserved on average.
 */
import { EvrecError } from '@evrec/core';
import { segmentationLocale, segmentWords } from './tokenize.ts';
import { normalizeText } from './normalize.ts';

/** Relative weight of each feature family before L2 normalisation. */
export const FEATURE_WEIGHTS = {
  word: 1,
  bigram: 0.7,
  /** Per n-gram: a 6-letter word yields 15 of them, so each counts for less than the word itself. */
  charNgram: 0.35,
} as const;

export const DEFAULT_DENSE_DIMS = 256;
export const DEFAULT_SPARSE_BUCKETS = 1 << 18;
const MIN_N = 3;
const MAX_N = 5;

const SEED_WORD = 0x2545f491;
const SEED_BIGRAM = 0x6b43a9b5;
const SEED_CHAR = 0x1b873593;

/** Final avalanche of MurmurHash3: spreads FNV's weak low bits over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hashWord(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h ^ s.length);
}

/** Hashes and weights of one text's features; buffers are reused between calls (single-threaded). */
interface FeatureList {
  hashes: Uint32Array;
  weights: Float32Array;
  length: number;
}

const scratch: FeatureList = { hashes: new Uint32Array(1024), weights: new Float32Array(1024), length: 0 };

function push(list: FeatureList, hash: number, weight: number): void {
  if (list.length === list.hashes.length) {
    const hashes = new Uint32Array(list.hashes.length * 2);
    hashes.set(list.hashes);
    const weights = new Float32Array(list.weights.length * 2);
    weights.set(list.weights);
    list.hashes = hashes;
    list.weights = weights;
  }
  list.hashes[list.length] = hash;
  list.weights[list.length] = weight;
  list.length++;
}

function pushCharNgrams(list: FeatureList, word: string): void {
  const marked = '<' + word + '>';
  const n = marked.length;
  for (let start = 0; start + MIN_N <= n; start++) {
    // FNV-1a extended one character at a time: the 3-, 4- and 5-gram at `start` share a prefix.
    let h = (0x811c9dc5 ^ SEED_CHAR) >>> 0;
    const end = Math.min(n, start + MAX_N);
    for (let i = start; i < end; i++) {
      h ^= marked.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
      const len = i - start + 1;
      if (len >= MIN_N) push(list, fmix32(h ^ len), FEATURE_WEIGHTS.charNgram);
    }
  }
}

function collectFeatures(tokens: readonly string[], charNgrams: boolean): FeatureList {
  const list = scratch;
  list.length = 0;
  let prev = 0;
  for (let t = 0; t < tokens.length; t++) {
    const word = tokens[t];
    const h = hashWord(word, SEED_WORD);
    push(list, h, FEATURE_WEIGHTS.word);
    if (t > 0) push(list, fmix32(Math.imul(prev, 0x9e3779b1) ^ h ^ SEED_BIGRAM), FEATURE_WEIGHTS.bigram);
    if (charNgrams) pushCharNgrams(list, word);
    prev = h;
  }
  return list;
}

function checkSize(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 30) {
    throw new EvrecError('INVALID_INPUT', `${name} must be an integer in [1, 2^30], got ${value}`, { field: name });
  }
  return value;
}

export interface TextVectorOptions {
  /** Dense dimensions. Default 256. */
  dims?: number;
  /** Language (BCP 47 / ISO 639-1) used to segment; detected from the text when absent. */
  language?: string;
  /** Add character 3–5-grams of each word. Default true. */
  charNgrams?: boolean;
}

/** Dense signed hashing of words already normalised and segmented (as `tokenize` returns them); L2-normalised, all zeros for no tokens. */
export function hashedTokensVector(tokens: readonly string[], options: Omit<TextVectorOptions, 'language'> = {}): Float32Array {
  const dims = checkSize('dims', options.dims ?? DEFAULT_DENSE_DIMS);
  const list = collectFeatures(tokens, options.charNgrams ?? true);
  const acc = new Float64Array(dims);
  for (let i = 0; i < list.length; i++) {
    const h = list.hashes[i];
    const w = list.weights[i];
    acc[h % dims] += h & 0x80000000 ? -w : w;
  }
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += acc[i] * acc[i];
  const out = new Float32Array(dims);
  if (norm === 0) return out;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < dims; i++) out[i] = acc[i] * inv;
  return out;
}

/**
 * Dense hashed text vector: normalise, segment (declared or detected language), hash word
 * unigrams, bigrams and (by default) char 3–5-grams with signs into `dims` buckets, L2-normalise.
 * Empty or punctuation-only text gives the zero vector.
 */
export function hashedTextVector(text: string, options: TextVectorOptions = {}): Float32Array {
  const normalized = normalizeText(text);
  const tokens = segmentWords(normalized, segmentationLocale(normalized, options.language));
  return hashedTokensVector(tokens, options);
}

let sparseScratch: Float64Array | undefined;

export interface SparseTextOptions {
  /** Number of hash buckets (embedding-table rows). Default 2^18. */
  buckets?: number;
  /** Language used to segment; detected when absent. */
  language?: string;
  /** Add character 3–5-grams. Default true. */
  charNgrams?: boolean;
}

export interface SparseTextFeatures {
  /** Bucket ids, ascending and unique. */
  indices: Int32Array;
  /** Signed weights aligned with `indices`; L2 norm 1 (empty when the text has no words). */
  values: Float32Array;
}

/**
 * The same features as {@link hashedTextVector} before projection: bucket ids and signed weights,
 * for embedding-bag model input (sum of `values[i] * table[indices[i]]`).
 */
export function sparseTextFeatures(text: string, options: SparseTextOptions = {}): SparseTextFeatures {
  const buckets = checkSize('buckets', options.buckets ?? DEFAULT_SPARSE_BUCKETS);
  const normalized = normalizeText(text);
  const tokens = segmentWords(normalized, segmentationLocale(normalized, options.language));
  const list = collectFeatures(tokens, options.charNgrams ?? true);
  // Dense scratch indexed by bucket plus the list of touched buckets: no Map, no per-call
  // allocation of the full width; the scratch is zeroed again on the way out.
  if (!sparseScratch || sparseScratch.length !== buckets) sparseScratch = new Float64Array(buckets);
  const acc = sparseScratch;
  const touched = new Int32Array(list.length);
  let nTouched = 0;
  for (let i = 0; i < list.length; i++) {
    const h = list.hashes[i];
    const w = list.weights[i];
    const b = h % buckets;
    if (acc[b] === 0) touched[nTouched++] = b;
    acc[b] += h & 0x80000000 ? -w : w;
    // A bucket that cancels to exactly 0 and is hit again is recorded twice; deduplicated below.
  }
  const ids = touched.subarray(0, nTouched).sort();
  let norm = 0;
  let kept = 0;
  for (let i = 0; i < ids.length; i++) {
    if (i > 0 && ids[i] === ids[i - 1]) continue;
    const v = acc[ids[i]];
    if (Math.abs(v) > 1e-9) {
      norm += v * v;
      ids[kept++] = ids[i];
    }
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const indices = new Int32Array(kept);
  const values = new Float32Array(kept);
  for (let i = 0; i < kept; i++) {
    indices[i] = ids[i];
    values[i] = acc[ids[i]] * inv;
  }
  for (let i = 0; i < nTouched; i++) acc[touched[i]] = 0;
  return { indices, values };
}

/** Cosine similarity; 0 when either vector is all zeros. Throws INVALID_INPUT on a length mismatch. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) {
    throw new EvrecError('INVALID_INPUT', `cosine: vectors differ in length (${a.length} vs ${b.length})`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
