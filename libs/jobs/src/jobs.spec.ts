import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvrecError } from '@evrec/core';
import { DatasetWriter } from '@evrec/data';
import { buildFlow, resolveFlowSpec } from './flows.ts';
import { canonicalJson, datasetContentHash, versionIdFor } from './identity.ts';
import { acquireFileLock } from './locks.ts';
import { jobPercent } from './progress.ts';
import { parsePayload, resolvePipelineOptions } from './schemas.ts';
import { toJobError } from './workers.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evrec-jobs-unit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('payload validation', () => {
  it('names every bad field', () => {
    expect(() => parsePayload('train-embeddings', { run: { runId: 'no spaces', flow: 'nightly', artifactsDir: '' } })).toThrow(
      /payload\.run\.runId: .*letters, digits.*payload\.run\.flow: .*payload\.run\.artifactsDir/,
    );
    expect(() => parsePayload('export-interactions', { run: { runId: 'r1', flow: 'retrain', artifactsDir: '/a' }, source: { kind: 'store' } })).toThrow(
      /payload\.source\.redisUrl: a store source needs redisUrl or logPath/,
    );
  });

  it('fills the documented defaults and refuses a holdout shorter than the ranker validation', () => {
    const o = resolvePipelineOptions({});
    expect(o.seed).toBe(42);
    expect(o.evaluation).toEqual({ holdout: 0.2, ks: [10, 50, 100], maxUsers: 2000 });
    expect(o.gate.rules.map((r) => r.metric)).toEqual(['ranker.valid.nn.auc', 'retrieval.ann.recall@100']);
    expect(() => resolvePipelineOptions({ evaluation: { holdout: 0.1 } })).toThrow(/options\.evaluation\.holdout: must be at least the ranker's validFraction \(0\.15\)/);
  });
});

describe('identity', () => {
  it('hashes canonical JSON independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe('{"a":{"d":[1,{"x":1,"y":2}]},"b":1}');
  });

  it('names versions by time and input hash', () => {
    expect(versionIdFor('0123456789abcdef0123', new Date('2026-01-02T03:04:05.678Z'))).toBe('20260102T030405Z-0123456789abcdef');
  });

  it('gives two exports of the same data the same content hash, and different data another', async () => {
    const write = async (name: string, at: number): Promise<string> => {
      const out = join(dir, name);
      const w = await DatasetWriter.open(out, { name: 'x' });
      await w.interaction({ id: 'i1', userId: 'u1', eventId: 'e1', type: 'register', at });
      await w.close();
      return out;
    };
    const a = await write('a', 1000);
    await new Promise((r) => setTimeout(r, 5)); // a different createdAt in the manifest
    const b = await write('b', 1000);
    const c = await write('c', 2000);
    expect(JSON.parse(await readFile(join(a, 'dataset.json'), 'utf8')).createdAt).not.toBe(JSON.parse(await readFile(join(b, 'dataset.json'), 'utf8')).createdAt);
    expect(await datasetContentHash(a)).toBe(await datasetContentHash(b));
    expect(await datasetContentHash(a)).not.toBe(await datasetContentHash(c));
  });
});

describe('flows', () => {
  it('chains the retrain steps children-first with the root as publish', () => {
    const { run, source } = resolveFlowSpec({ flow: 'retrain', runId: 'r1', source: { kind: 'dataset', dir: '/d' }, artifactsDir: '/a' });
    const names: string[] = [];
    let node: ReturnType<typeof buildFlow> | undefined = buildFlow(run, source, 'p');
    expect(node.opts?.failParentOnFailure).toBeUndefined();
    while (node) {
      names.push(node.name);
      const child: ReturnType<typeof buildFlow> | undefined = node.children?.[0];
      if (child) expect(child.opts?.failParentOnFailure).toBe(true);
      node = child;
    }
    expect(names).toEqual(['publish', 'evaluate', 'train-ranker', 'build-index', 'train-embeddings', 'export-interactions']);
  });
});

describe('job errors', () => {
  it('makes codes a retry cannot fix unrecoverable, and keeps the rest retryable', () => {
    const bad = toJobError(new EvrecError('INVALID_INPUT', 'payload.x: required'));
    expect(bad).toBeInstanceOf(UnrecoverableError);
    expect(bad.message).toBe('INVALID_INPUT: payload.x: required');
    const down = toJobError(new EvrecError('UNAVAILABLE', 'redis down'));
    expect(down).not.toBeInstanceOf(UnrecoverableError);
    expect(down.message).toBe('UNAVAILABLE: redis down');
  });
});

describe('progress', () => {
  it('maps stages onto the job plan without going backwards', () => {
    // train-embeddings: read 5, pairs 5, steps 0, epochs 75, embed 15
    expect(jobPercent('train-embeddings', { stage: 'read.users', done: 1, total: 1 }, 0)).toBe(5);
    expect(jobPercent('train-embeddings', { stage: 'train.embeddings.pairs', done: 9, total: 9 }, 5)).toBe(10);
    expect(jobPercent('train-embeddings', { stage: 'train.embeddings.steps', done: 20, total: 40 }, 10)).toBe(10);
    expect(jobPercent('train-embeddings', { stage: 'train.embeddings', done: 1, total: 2 }, 10)).toBe(47.5);
    expect(jobPercent('train-embeddings', { stage: 'read.events', done: 0, total: 1 }, 47.5)).toBe(47.5);
    expect(jobPercent('train-embeddings', { stage: 'embed.users', done: 10, total: 10 }, 47.5)).toBe(100);
  });
});

describe('file lock', () => {
  it('excludes a second holder until released, and takes over a dead owner\'s lock', async () => {
    const path = join(dir, 'publish.lock');
    const first = await acquireFileLock(path);
    await expect(acquireFileLock(path, { waitMs: 300, retryMs: 50 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await first.release();
    const second = await acquireFileLock(path, { waitMs: 300 });
    expect(await second.stillHeld()).toBe(true);
    // A lock left by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
    await writeFile(path, JSON.stringify({ token: 'dead', pid: 4194305, host: (await import('node:os')).hostname(), acquiredAt: Date.now(), ttlMs: 60_000 }));
    expect(await second.stillHeld()).toBe(false);
    const third = await acquireFileLock(path, { waitMs: 300 });
    expect(await third.stillHeld()).toBe(true);
    await third.release();
  });
});
