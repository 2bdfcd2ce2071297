import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { EvrecError, hashString32 } from '@evrec/core';
import type { RawFeatureBatch } from './batch.ts';
import {
  FEATURE_GROUPS,
  FEATURE_TYPES,
  FEATURE_VERSION,
  FEATURES,
  type FeatureDefinition,
  type FeatureGroup,
  type NumericTransform,
} from './registry.ts';

/**
 * The feature spec: everything needed to turn raw features into model inputs, fitted once on
 * training data and shipped with the model. Serving encodes with the very spec training used, and a
 * spec from another feature version (or another registry) is refused — so train/serve skew cannot
 * creep in through encoding.
 */
export const SPEC_FORMAT = 'evrec-feature-spec';
export const SPEC_FORMAT_VERSION = 1;

/** Standardised values are clipped to ±this many standard deviations. */
const CLIP_STD = 5;
const OTHER = '__other__';

const range = z.tuple([z.number().int().min(0), z.number().int().min(0)]);

const SpecFeatureSchema = z.object({
  name: z.string(),
  group: z.enum(FEATURE_GROUPS),
  type: z.enum(FEATURE_TYPES),
  version: z.number().int(),
  nullable: z.boolean(),
  /** [start, end) of the feature's dense columns; absent for hashed features. */
  dense: range.optional(),
  /** Index of the feature's integer column; hashed features only. */
  categorical: z.number().int().min(0).optional(),
  transform: z.enum(['none', 'log1p', 'signed-log1p']).optional(),
  mean: z.number().optional(),
  std: z.number().positive().optional(),
  boundaries: z.array(z.number()).optional(),
  values: z.array(z.string()).optional(),
  vocab: z.array(z.string()).optional(),
  hashBuckets: z.number().int().min(2).optional(),
  hashSeed: z.number().int().min(0).optional(),
});
export type SpecFeature = z.infer<typeof SpecFeatureSchema>;

const FeatureSpecSchema = z.object({
  format: z.literal(SPEC_FORMAT),
  formatVersion: z.literal(SPEC_FORMAT_VERSION),
  featureVersion: z.number().int(),
  /** Hash of the registry definitions the spec was fitted under. */
  fingerprint: z.string(),
  createdAt: z.string(),
  rowsSeen: z.number().int().min(0),
  excludedGroups: z.array(z.enum(FEATURE_GROUPS)),
  denseWidth: z.number().int().min(0),
  denseColumns: z.array(z.string()),
  categoricalColumns: z.array(z.object({ name: z.string(), buckets: z.number().int().min(2) })),
  /** Column ranges per group, [start, end); a group's columns are contiguous. */
  groups: z.record(z.string(), z.object({ dense: range, categorical: range })),
  features: z.array(SpecFeatureSchema),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

/** Model input for one batch. */
export interface EncodedBatch {
  rows: number;
  /** Dense columns per row. */
  width: number;
  /** rows × width, row-major. */
  dense: Float32Array;
  /** Integer ids per row (hashed features, for embedding layers; 0 = missing). */
  nCategorical: number;
  /** rows × nCategorical, row-major. */
  categorical: Int32Array;
}

/** Identity of the registry: name, group, type, version and every encoding parameter of every feature. */
export function registryFingerprint(features: readonly FeatureDefinition[] = FEATURES): string {
  const canonical = JSON.stringify(
    features.map((d) => [d.name, d.group, d.type, d.version, d.nullable, d.transform ?? 'none', d.boundaries ?? [], d.values ?? [], d.hashBuckets ?? 0, d.maxVocab ?? 0, d.minCount ?? 0]),
  );
  return `${FEATURE_VERSION}-${hashString32(canonical).toString(16).padStart(8, '0')}`;
}

function transformValue(t: NumericTransform | undefined, v: number): number {
  if (t === 'log1p') return Math.log1p(Math.max(0, v));
  if (t === 'signed-log1p') return Math.sign(v) * Math.log1p(Math.abs(v));
  return v;
}

// ── fitting ──────────────────────────────────────────────────────────────────────────────────────

export interface FitFeatureSpecOptions {
  /** Groups left out of the spec entirely (ablations). Default none. */
  excludeGroups?: readonly FeatureGroup[];
  /** Overrides the registry's `minCount` for every vocab/shares feature. */
  minCount?: number;
}

interface Moments {
  n: number;
  mean: number;
  m2: number;
}

/**
 * Accumulates training statistics batch by batch (streaming: batches need not be kept) and builds
 * the spec: means/stds of transformed numeric features (Welford), vocabularies of vocab and shares
 * features (most frequent first), fixed layouts for the rest.
 */
export class FeatureSpecBuilder {
  private readonly features: readonly FeatureDefinition[];
  private readonly excluded: FeatureGroup[];
  private readonly moments = new Map<string, Moments>();
  private readonly counts = new Map<string, Map<string, number>>();
  private rows = 0;

  constructor(private readonly options: FitFeatureSpecOptions = {}) {
    this.excluded = [...(options.excludeGroups ?? [])];
    this.features = FEATURES.filter((d) => !this.excluded.includes(d.group));
    for (const d of this.features) {
      if (d.type === 'numeric') this.moments.set(d.name, { n: 0, mean: 0, m2: 0 });
      if (d.type === 'vocab' || d.type === 'shares') this.counts.set(d.name, new Map());
    }
  }

  add(batch: RawFeatureBatch): void {
    checkBatchVersion(batch);
    this.rows += batch.rows;
    for (const d of this.features) {
      if (d.type === 'numeric') {
        const col = column(batch.numeric, d.name);
        const m = this.moments.get(d.name) as Moments;
        for (let r = 0; r < batch.rows; r++) {
          const v = col[r];
          if (Number.isNaN(v)) continue;
          const x = transformValue(d.transform, v);
          m.n++;
          const delta = x - m.mean;
          m.mean += delta / m.n;
          m.m2 += delta * (x - m.mean);
        }
      } else if (d.type === 'vocab') {
        const col = column(batch.categorical, d.name);
        const c = this.counts.get(d.name) as Map<string, number>;
        for (let r = 0; r < batch.rows; r++) {
          const v = col[r];
          if (v !== null) c.set(v, (c.get(v) ?? 0) + 1);
        }
      } else if (d.type === 'shares') {
        const col = column(batch.shares, d.name);
        const c = this.counts.get(d.name) as Map<string, number>;
        for (let r = 0; r < batch.rows; r++) {
          const v = col[r];
          if (v === null) continue;
          for (const key of Object.keys(v)) c.set(key, (c.get(key) ?? 0) + 1);
        }
      }
    }
  }

  build(): FeatureSpec {
    const features: SpecFeature[] = [];
    const denseColumns: string[] = [];
    const categoricalColumns: FeatureSpec['categoricalColumns'] = [];
    const groups: FeatureSpec['groups'] = {};
    for (const d of this.features) {
      const g = (groups[d.group] ??= { dense: [denseColumns.length, denseColumns.length], categorical: [categoricalColumns.length, categoricalColumns.length] });
      const entry: SpecFeature = { name: d.name, group: d.group, type: d.type, version: d.version, nullable: d.nullable };
      const names: string[] = [];
      if (d.type === 'numeric') {
        const m = this.moments.get(d.name) as Moments;
        const std = m.n > 1 ? Math.sqrt(m.m2 / m.n) : 0;
        entry.transform = d.transform ?? 'none';
        entry.mean = m.n > 0 ? m.mean : 0;
        // A constant column carries no information; std 1 keeps it at 0 instead of dividing by 0.
        entry.std = std > 1e-9 ? std : 1;
        names.push(d.name);
      } else if (d.type === 'binary') {
        names.push(d.name);
      } else if (d.type === 'bucket') {
        const b = [...(d.boundaries ?? [])];
        entry.boundaries = b;
        names.push(`${d.name}<${b[0]}`);
        for (let k = 1; k < b.length; k++) names.push(`${d.name}=[${b[k - 1]},${b[k]})`);
        names.push(`${d.name}>=${b[b.length - 1]}`);
      } else if (d.type === 'enum') {
        entry.values = [...(d.values ?? [])];
        for (const v of entry.values) names.push(`${d.name}=${v}`);
      } else if (d.type === 'vocab' || d.type === 'shares') {
        const minCount = this.options.minCount ?? d.minCount ?? 5;
        const counts = [...(this.counts.get(d.name) as Map<string, number>)]
          .filter(([, c]) => c >= minCount)
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        entry.vocab = counts.slice(0, d.maxVocab ?? 32).map(([v]) => v);
        for (const v of entry.vocab) names.push(`${d.name}=${v}`);
        names.push(`${d.name}=${OTHER}`);
      } else {
        entry.hashBuckets = d.hashBuckets ?? 1024;
        entry.hashSeed = hashString32(d.name);
        entry.categorical = categoricalColumns.length;
        categoricalColumns.push({ name: d.name, buckets: entry.hashBuckets });
        g.categorical[1] = categoricalColumns.length;
      }
      if (d.type !== 'hashed') {
        if (d.nullable) names.push(`${d.name}#missing`);
        entry.dense = [denseColumns.length, denseColumns.length + names.length];
        denseColumns.push(...names);
        g.dense[1] = denseColumns.length;
      }
      features.push(entry);
    }
    return {
      format: SPEC_FORMAT,
      formatVersion: SPEC_FORMAT_VERSION,
      featureVersion: FEATURE_VERSION,
      fingerprint: registryFingerprint(),
      createdAt: new Date().toISOString(),
      rowsSeen: this.rows,
      excludedGroups: this.excluded,
      denseWidth: denseColumns.length,
      denseColumns,
      categoricalColumns,
      groups,
      features,
    };
  }
}

/** Fits a spec on training batches (see `FeatureSpecBuilder` for streaming). */
export function fitFeatureSpec(batches: Iterable<RawFeatureBatch>, options: FitFeatureSpecOptions = {}): FeatureSpec {
  const builder = new FeatureSpecBuilder(options);
  for (const b of batches) builder.add(b);
  return builder.build();
}

// ── encoding ─────────────────────────────────────────────────────────────────────────────────────

function checkBatchVersion(batch: RawFeatureBatch): void {
  if (batch.featureVersion !== FEATURE_VERSION) {
    throw new EvrecError('INVALID_INPUT', `raw features are version ${batch.featureVersion}, this build computes version ${FEATURE_VERSION}`, { field: 'batch.featureVersion' });
  }
}

function column<T>(columns: Record<string, T>, name: string): T {
  const c = columns[name];
  if (c === undefined) throw new EvrecError('INVALID_INPUT', `raw feature batch has no column ${name}`, { field: name });
  return c;
}

/** Lookup tables derived from a spec once, reused by every `encodeBatch` call. */
interface CompiledFeature {
  spec: SpecFeature;
  start: number;
  index: Map<string, number> | null;
}
const compiled = new WeakMap<FeatureSpec, CompiledFeature[]>();

function compile(spec: FeatureSpec): CompiledFeature[] {
  let plan = compiled.get(spec);
  if (plan === undefined) {
    plan = spec.features.map((f) => {
      const keys = f.type === 'enum' ? f.values : f.type === 'vocab' || f.type === 'shares' ? f.vocab : undefined;
      return { spec: f, start: f.dense?.[0] ?? 0, index: keys === undefined ? null : new Map(keys.map((k, i) => [k, i])) };
    });
    compiled.set(spec, plan);
  }
  return plan;
}

/**
 * Raw features → model input with a fitted spec. Missing values: numeric/binary → 0 with the
 * `#missing` column set; categorical → the `#missing` column (or "other" when not nullable);
 * hashed → id 0. Unknown vocab values go to "other".
 */
export function encodeBatch(spec: FeatureSpec, batch: RawFeatureBatch): EncodedBatch {
  if (batch.featureVersion !== spec.featureVersion) {
    throw new EvrecError('INVALID_INPUT', `raw features are version ${batch.featureVersion} but the spec is version ${spec.featureVersion}`, { field: 'batch.featureVersion' });
  }
  const rows = batch.rows;
  const W = spec.denseWidth;
  const K = spec.categoricalColumns.length;
  const dense = new Float32Array(rows * W);
  const categorical = new Int32Array(rows * K);
  for (const { spec: f, start, index } of compile(spec)) {
    const last = f.dense === undefined ? 0 : f.dense[1] - 1; // the #missing column when nullable
    switch (f.type) {
      case 'numeric': {
        const col = column(batch.numeric, f.name);
        const mean = f.mean ?? 0;
        const std = f.std ?? 1;
        for (let r = 0, o = start; r < rows; r++, o += W) {
          const v = col[r];
          if (Number.isNaN(v)) {
            if (f.nullable) dense[o + 1] = 1;
            continue;
          }
          const z = (transformValue(f.transform, v) - mean) / std;
          dense[o] = z > CLIP_STD ? CLIP_STD : z < -CLIP_STD ? -CLIP_STD : z;
        }
        break;
      }
      case 'binary': {
        const col = column(batch.numeric, f.name);
        for (let r = 0, o = start; r < rows; r++, o += W) {
          const v = col[r];
          if (Number.isNaN(v)) {
            if (f.nullable) dense[o + 1] = 1;
          } else if (v > 0.5) dense[o] = 1;
        }
        break;
      }
      case 'bucket': {
        const col = column(batch.numeric, f.name);
        const b = f.boundaries ?? [];
        for (let r = 0, o = r * W; r < rows; r++, o += W) {
          const v = col[r];
          if (Number.isNaN(v)) {
            if (f.nullable) dense[o + last] = 1;
            continue;
          }
          let k = 0;
          while (k < b.length && v >= b[k]) k++;
          dense[o + start + k] = 1;
        }
        break;
      }
      case 'enum':
      case 'vocab': {
        const col = column(batch.categorical, f.name);
        const idx = index as Map<string, number>;
        const other = f.type === 'vocab' ? idx.size : -1;
        for (let r = 0, o = 0; r < rows; r++, o += W) {
          const v = col[r];
          let k = v === null ? undefined : idx.get(v);
          if (k === undefined && v !== null && other >= 0) k = other;
          if (k === undefined) {
            if (f.nullable) dense[o + last] = 1;
            else if (other >= 0) dense[o + start + other] = 1;
            else throw new EvrecError('INVALID_INPUT', `${f.name}: ${JSON.stringify(v)} is not one of ${(f.values ?? []).join(', ')}`, { field: f.name });
            continue;
          }
          dense[o + start + k] = 1;
        }
        break;
      }
      case 'shares': {
        const col = column(batch.shares, f.name);
        const idx = index as Map<string, number>;
        const other = idx.size;
        for (let r = 0, o = 0; r < rows; r++, o += W) {
          const v = col[r];
          if (v === null) {
            if (f.nullable) dense[o + last] = 1;
            continue;
          }
          for (const key in v) dense[o + start + (idx.get(key) ?? other)] += v[key];
        }
        break;
      }
      case 'hashed': {
        const col = column(batch.categorical, f.name);
        const buckets = f.hashBuckets ?? 2;
        const seed = f.hashSeed ?? 0;
        const c = f.categorical ?? 0;
        for (let r = 0; r < rows; r++) {
          const v = col[r];
          categorical[r * K + c] = v === null ? 0 : 1 + (hashString32(v, seed) % (buckets - 1));
        }
        break;
      }
    }
  }
  return { rows, width: W, dense, nCategorical: K, categorical };
}

// ── persistence ──────────────────────────────────────────────────────────────────────────────────

/**
 * Validates a parsed spec and checks it was fitted under this build's registry. Anything else —
 * another feature version, another fingerprint, a feature whose version moved — is
 * CORRUPT_ARTIFACT: serving refuses the model rather than feeding it features it was not trained on.
 */
export function parseFeatureSpec(value: unknown, source = 'feature spec'): FeatureSpec {
  const r = FeatureSpecSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EvrecError('CORRUPT_ARTIFACT', `${source} is malformed: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), { cause: r.error });
  }
  const spec = r.data;
  if (spec.featureVersion !== FEATURE_VERSION) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${source} has feature version ${spec.featureVersion}; this build computes version ${FEATURE_VERSION}. Retrain the model.`, {
      details: { specVersion: spec.featureVersion, codeVersion: FEATURE_VERSION },
    });
  }
  for (const f of spec.features) {
    const d = FEATURES.find((x) => x.name === f.name);
    if (d === undefined || d.version !== f.version || d.type !== f.type || d.group !== f.group) {
      throw new EvrecError('CORRUPT_ARTIFACT', `${source}: feature ${f.name} (v${f.version}, ${f.type}) does not match this build${d === undefined ? ' (unknown feature)' : ` (v${d.version}, ${d.type})`}`, { details: { feature: f.name } });
    }
  }
  const expected = registryFingerprint();
  if (spec.fingerprint !== expected) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${source} was fitted under registry ${spec.fingerprint}, this build has ${expected}`, { details: { spec: spec.fingerprint, code: expected } });
  }
  return spec;
}

export function serializeFeatureSpec(spec: FeatureSpec): string {
  return JSON.stringify(spec, null, 1) + '\n';
}

/** Writes atomically (temp file + rename). */
export async function saveFeatureSpec(path: string, spec: FeatureSpec): Promise<void> {
  const tmp = `${path}.partial`;
  await writeFile(tmp, serializeFeatureSpec(spec));
  await rename(tmp, path);
}

export async function loadFeatureSpec(path: string): Promise<FeatureSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `cannot read feature spec ${path}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `feature spec ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  return parseFeatureSpec(json, `feature spec ${path}`);
}
