import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle } from '@evrec/core';
import { generateWorld, loadDataset } from '@evrec/data';
import { capture } from './capture-cli.fixture.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-rank-'));
const data = join(root, 'world');
const artifacts = join(root, 'artifacts');
afterAll(() => rm(root, { recursive: true, force: true }));


let trained: { code: number; out: string; err: string };
let users: string[];
let events: string[];

beforeAll(async () => {
  process.env.EVREC_LOG_LEVEL = 'warn';
  await generateWorld({ preset: 'tiny', seed: 11, outDir: data });
  const ds = await loadDataset(data);
  users = [...ds.users.keys()].slice(0, 2);
  events = [...ds.events.keys()].slice(0, 4);
  // Towers auto: the bundle has no embeddings, so they are trained first and used.
  trained = await capture(['train', 'ranker', '--data', data, '--artifacts', artifacts, '--epochs', '3', '--hidden', '32', '--json']);
});

describe('evrec train ranker', () => {
  it('trains the embeddings first when the bundle has none, then the ranker, and publishes the bundle', async () => {
    expect(trained.err).not.toMatch(/INTERNAL/);
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.out) as { version: string; towers: string; report: { validation: { rows: number; nn: { auc: number } } } };
    expect(summary.towers).toBe('trained');
    expect(summary.report.validation.rows).toBeGreaterThan(100);
    expect(trained.err).toMatch(/\[ranker\.nn\] 1\/3 .*val_auc=.* ex\/s=\d+ backend=\w+/);
    const bundle = await openBundle(artifacts);
    expect(bundle.version).toBe(summary.version);
    expect(Object.keys(bundle.manifest.components).sort()).toEqual(['embeddings', 'ranker']);
    const files = Object.keys(bundle.manifest.components.ranker.files).sort();
    expect(files).toEqual(['calibration.json', 'feature-spec.json', 'lr/model.json', 'lr/weights.bin', 'metrics.json', 'nn/model.json', 'nn/weights.bin', 'ranker.json']);
    expect(bundle.manifest.components.ranker.metrics['valid.nn.auc']).toBeCloseTo(summary.report.validation.nn.auc, 10);
  });

  it("retrains on the bundle's embeddings without publishing", async () => {
    const before = await openBundle(artifacts);
    const r = await capture(['train', 'ranker', '--data', data, '--artifacts', artifacts, '--epochs', '1', '--hidden', '16', '--no-publish', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out) as { version: string | null; towers: string };
    expect(summary).toMatchObject({ version: null, towers: 'bundle' });
    expect((await openBundle(artifacts)).version).toBe(before.version);
    const work = await openBundle(artifacts, { version: 'work' });
    expect(work.manifest.components.ranker.createdAt > before.manifest.components.ranker.createdAt).toBe(true);
  });

  it('refuses a bad flag with exit code 2', async () => {
    const r = await capture(['train', 'ranker', '--data', data, '--artifacts', artifacts, '--loss', 'hinge']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--loss: expected one of focal, class-balanced, bce/);
  });
});

describe('evrec rank', () => {
  it('writes User,Events with one row per user (first-appearance order), every candidate once, unknown users and events included', async () => {
    const candidates = join(root, 'candidates.csv');
    const out = join(root, 'ranked.csv');
    const t = '2026-01-25 10:00:00.000000+00:00';
    const rows = [
      'user,event,invited,timestamp',
      `${users[1]},${events[0]},0,${t}`,
      `${users[1]},${events[1]},1,${t}`,
      `${users[1]},e-new,0,${t}`,
      `stranger,${events[2]},0,${t}`,
      `stranger,${events[3]},0,${t}`,
      `${users[0]},${events[0]},0,${t}`,
      `${users[1]},${events[0]},0,${t}`, // a repeat: listed once
    ];
    await writeFile(candidates, rows.join('\n') + '\n');
    const r = await capture(['rank', '--data', data, '--artifacts', artifacts, '--candidates', candidates, '--out', out, '--json']);
    expect(r.err).not.toMatch(/INTERNAL/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ users: 3, events: 6, rows: 7, unknownUsers: 1, unknownEvents: 1, model: 'nn' });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('User,Events');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['User', users[1], 'stranger', users[0]]);
    const listed = (line: string) => line.split(',')[1].split(' ');
    expect(new Set(listed(lines[1]))).toEqual(new Set([events[0], events[1], 'e-new']));
    expect(listed(lines[1])).toHaveLength(3);
    expect(new Set(listed(lines[2]))).toEqual(new Set([events[2], events[3]]));
    expect(listed(lines[3])).toEqual([events[0]]);

    const b = await capture(['rank', '--data', data, '--artifacts', artifacts, '--candidates', candidates, '--out', join(root, 'lr.csv'), '--baseline', '--json']);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.out)).toMatchObject({ users: 3, model: 'lr' });
  });

  it('refuses a candidates file without user and event columns (exit code 2, with the location)', async () => {
    const bad = join(root, 'bad.csv');
    await writeFile(bad, 'who,what\na,b\n');
    const r = await capture(['rank', '--data', data, '--artifacts', artifacts, '--candidates', bad, '--out', join(root, 'x.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/INVALID_DATA: .*bad\.csv:1: .*"user" and "event"/);
  });
});
