import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError, hashString32, isEvrecError } from '@evrec/core';
import { emptyBatch, type RawFeatureBatch } from './batch.ts';
import { FEATURES, FEATURE_GROUPS } from './registry.ts';
import { encodeBatch, fitFeatureSpec, loadFeatureSpec, parseFeatureSpec, saveFeatureSpec, serializeFeatureSpec, type FeatureSpec } from './spec.ts';

const E = Math.E;

/** Three rows with a few hand-set columns; everything else missing. */
function handBatch(): RawFeatureBatch {
  const b = emptyBatch('u', 0, ['a', 'b', 'c']);
  b.numeric['user.registrations'].set([0, E - 1, E * E - 1]); // log1p → 0, 1, 2
  b.numeric['event.hours_until_start'].set([-(E - 1), E - 1, NaN]); // signed log1p → -1, 1, missing
  b.numeric['event.price_bucket'].set([0, 30, NaN]);
  b.numeric['event.is_free'].set([1, 0, NaN]);
  b.categorical['event.category'] = ['music', 'music', 'tech'];
  b.categorical['context.surface'] = ['ios', null, 'web'];
  b.categorical['event.host'] = ['hostA', null, 'hostB'];
  b.shares['user.category_shares'] = [{ music: 0.75, tech: 0.25 }, null, { art: 1 }];
  return b;
}

const col = (spec: FeatureSpec, name: string) => {
  const i = spec.denseColumns.indexOf(name);
  if (i < 0) throw new Error(`no column ${name}`);
  return i;
};

describe('fitFeatureSpec / encodeBatch', () => {
  const spec = fitFeatureSpec([handBatch()], { minCount: 1 });
  const enc = encodeBatch(spec, handBatch());
  const at = (r: number, name: string) => enc.dense[r * enc.width + col(spec, name)];

  it('fits means and stds of transformed values', () => {
    const f = spec.features.find((x) => x.name === 'user.registrations')!;
    expect(f.mean).toBeCloseTo(1, 12);
    expect(f.std).toBeCloseTo(Math.sqrt(2 / 3), 12);
    const h = spec.features.find((x) => x.name === 'event.hours_until_start')!;
    expect([h.mean, h.std]).toEqual([0, 1]);
    // an all-missing column gets mean 0, std 1
    expect(spec.features.find((x) => x.name === 'event.duration_hours')).toMatchObject({ mean: 0, std: 1 });
  });

  it('standardises, one-hots, bucketises and flags missing values', () => {
    expect(at(0, 'user.registrations')).toBeCloseTo(-1 / Math.sqrt(2 / 3), 5);
    expect(at(2, 'user.registrations')).toBeCloseTo(1 / Math.sqrt(2 / 3), 5);
    expect([at(0, 'event.hours_until_start'), at(1, 'event.hours_until_start'), at(2, 'event.hours_until_start')]).toEqual([-1, 1, 0]);
    expect([at(0, 'event.hours_until_start#missing'), at(2, 'event.hours_until_start#missing')]).toEqual([0, 1]);
    expect(at(0, 'event.price_bucket<0.005')).toBe(1);
    expect(at(1, 'event.price_bucket=[25,50)')).toBe(1);
    expect(at(2, 'event.price_bucket#missing')).toBe(1);
    const [s, e] = spec.features.find((x) => x.name === 'event.price_bucket')!.dense!;
    for (let r = 0; r < 3; r++) expect(enc.dense.slice(r * enc.width + s, r * enc.width + e).reduce((a, v) => a + v, 0)).toBe(1);
    expect([at(0, 'event.is_free'), at(1, 'event.is_free'), at(2, 'event.is_free#missing')]).toEqual([1, 0, 1]);
    expect([at(0, 'event.category=music'), at(2, 'event.category=tech')]).toEqual([1, 1]);
    expect([at(0, 'context.surface=ios'), at(1, 'context.surface#missing'), at(2, 'context.surface=web')]).toEqual([1, 1, 1]);
    expect(at(0, 'user.category_shares=music')).toBe(0.75);
    expect(at(0, 'user.category_shares=tech')).toBe(0.25);
    expect(at(2, 'user.category_shares=__other__')).toBe(0); // "art" was seen in training: it is in the vocabulary
    expect(at(2, 'user.category_shares=art')).toBe(1);
    expect(at(1, 'user.category_shares#missing')).toBe(1);
  });

  it('sends unseen vocabulary to "other" and hashes high-cardinality ids to integer columns', () => {
    const b = handBatch();
    b.categorical['event.category'] = ['film', null, 'music'];
    b.shares['user.category_shares'] = [{ film: 0.5, music: 0.5 }, null, null];
    const x = encodeBatch(spec, b);
    const v = (r: number, name: string) => x.dense[r * x.width + col(spec, name)];
    expect(v(0, 'event.category=__other__')).toBe(1);
    expect(v(1, 'event.category#missing')).toBe(1);
    expect(v(0, 'user.category_shares=__other__')).toBe(0.5);
    const hosts = spec.categoricalColumns.findIndex((c) => c.name === 'event.host');
    const buckets = spec.categoricalColumns[hosts].buckets;
    expect(buckets).toBe(16384);
    expect(x.categorical[0 * x.nCategorical + hosts]).toBe(1 + (hashString32('hostA', hashString32('event.host')) % (buckets - 1)));
    expect(x.categorical[1 * x.nCategorical + hosts]).toBe(0);
    expect(spec.categoricalColumns.map((c) => c.name)).toEqual(['user.home_cell', 'event.city', 'event.cell', 'event.host']);
  });

  it('lays columns out by group, contiguously, covering the whole width', () => {
    let next = 0;
    for (const g of FEATURE_GROUPS) {
      const r = spec.groups[g]!;
      expect(r.dense[0]).toBe(next);
      next = r.dense[1];
      for (const f of spec.features.filter((x) => x.group === g && x.dense)) {
        expect(f.dense![0]).toBeGreaterThanOrEqual(r.dense[0]);
        expect(f.dense![1]).toBeLessThanOrEqual(r.dense[1]);
      }
    }
    expect(next).toBe(spec.denseWidth);
    expect(spec.denseColumns).toHaveLength(spec.denseWidth);
    expect(new Set(spec.denseColumns).size).toBe(spec.denseWidth);
    expect(spec.features.map((f) => f.name)).toEqual(FEATURES.map((d) => d.name));
  });

  it('drops excluded groups (ablation) from the spec and so from every encoding', () => {
    const noSocial = fitFeatureSpec([handBatch()], { minCount: 1, excludeGroups: ['social'] });
    const [s, e] = spec.groups.social!.dense;
    expect(noSocial.denseWidth).toBe(spec.denseWidth - (e - s));
    expect(noSocial.groups.social).toBeUndefined();
    expect(noSocial.denseColumns.some((c) => c.startsWith('social.'))).toBe(false);
    expect(encodeBatch(noSocial, handBatch()).width).toBe(noSocial.denseWidth);
  });
});

describe('feature spec files', () => {
  const spec = fitFeatureSpec([handBatch()], { minCount: 1 });
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through a file and encodes identically', async () => {
    dir = await mkdtemp(join(tmpdir(), 'evrec-spec-'));
    const path = join(dir, 'spec.json');
    await saveFeatureSpec(path, spec);
    const loaded = await loadFeatureSpec(path);
    expect(loaded).toEqual(spec);
    expect(encodeBatch(loaded, handBatch()).dense).toEqual(encodeBatch(spec, handBatch()).dense);
  });

  const refused = (mutate: (j: Record<string, unknown>) => void, pattern: RegExp) => {
    const json = JSON.parse(serializeFeatureSpec(spec)) as Record<string, unknown>;
    mutate(json);
    try {
      parseFeatureSpec(json);
      expect.unreachable();
    } catch (e) {
      expect(isEvrecError(e, 'CORRUPT_ARTIFACT'), String(e)).toBe(true);
      expect((e as EvrecError).message).toMatch(pattern);
    }
  };

  it('refuses a spec from another feature version, feature version or registry', () => {
    refused((j) => (j.featureVersion = 999), /feature version 999/);
    refused((j) => ((j.features as Array<{ version: number }>)[3].version = 7), /does not match this build/);
    refused((j) => ((j.features as Array<{ name: string }>)[0].name = 'user.shoe_size'), /unknown feature/);
    refused((j) => (j.fingerprint = '1-deadbeef'), /registry/);
    refused((j) => delete j.denseWidth, /malformed/);
  });

  it('refuses raw features of another version and reports unreadable files', async () => {
    const b = { ...handBatch(), featureVersion: 999 };
    expect(() => encodeBatch(spec, b)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    await expect(loadFeatureSpec(join(dir, 'absent.json'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(join(dir, 'bad.json'), '{ not json');
    await expect(loadFeatureSpec(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'CORRUPT_ARTIFACT' });
    expect((await readFile(join(dir, 'spec.json'), 'utf8')).startsWith('{')).toBe(true);
  });
});
