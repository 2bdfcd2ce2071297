import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MS_PER_DAY } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { runCli } from '../program.ts';

/** build-index → recommend (CSV and JSON) → eval retrieval, on a tiny world with tiny trained embeddings. */
const root = await mkdtemp(join(tmpdir(), 'evrec-cli-recommend-'));
const data = join(root, 'world');
const artifacts = join(root, 'artifacts');
const T = Date.UTC(2026, 0, 5) + 16 * MS_PER_DAY;
let ds: InMemoryDataset;

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  try {
    return { code: await runCli(argv), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  await generateWorld({ outDir: data, preset: 'tiny', seed: 5 });
  ds = await loadDataset(data);
  await trainEmbeddingsIntoBundle({ data: ds, artifactsDir: artifacts, until: T, train: { epochs: 2 } });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('evrec build-index / recommend / eval retrieval', () => {
  it('builds and publishes the index, progress on stderr', async () => {
    const r = await capture(['build-index', '--artifacts', artifacts, '--data', data, '--at', new Date(T).toISOString(), '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.meta.at).toBe(T);
    expect(result.meta.count).toBeGreaterThan(0);
    expect(result.version).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(r.err).toMatch(/\[ann\.build\]/);
  });

  it('writes CSV `User,Events` with space-separated live event ids, best first, for known and unknown users', async () => {
    const users = join(root, 'users.txt');
    await writeFile(users, 'u1\n\nu2\n# a comment\nnobody-knows-me\n');
    const csv = join(root, 'recs.csv');
    const r = await capture(['recommend', '--data', data, '--artifacts', artifacts, '--users', users, '--k', '5', '--out', csv]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote 3 users' recommendations \(k=5, as of 2026-01-21T00:00:00.000Z\)/);
    const lines = (await readFile(csv, 'utf8')).split('\n');
    expect(lines[0]).toBe('User,Events');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual(['u1', 'u2', 'nobody-knows-me']);
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(1, 4)) {
      expect(line).toMatch(/^[^,]+,[^ ,]+( [^ ,]+){0,4}$/);
      const ids = line.split(',')[1].split(' ');
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) {
        const e = ds.events.get(id);
        expect(e?.startsAt).toBeGreaterThanOrEqual(T);
      }
    }
  });

  it('prints JSON items with sources and event details, as of --at', async () => {
    const at = T + 2 * MS_PER_DAY;
    const r = await capture(['recommend', '--data', data, '--artifacts', artifacts, '--user', 'u1', '--k', '3', '--at', String(at), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.at).toBe(at);
    expect(out.recommendations).toHaveLength(1);
    const rec = out.recommendations[0];
    expect(rec.userId).toBe('u1');
    expect(rec.items.length).toBeGreaterThan(0);
    expect(rec.items.length).toBeLessThanOrEqual(3);
    for (const it of rec.items) {
      expect(Object.keys(it)).toEqual(['eventId', 'score', 'sources', 'event']);
      expect(Object.keys(it.event)).toEqual(['title', 'startsAt', 'city', 'price', 'currency']);
      expect(Date.parse(it.event.startsAt)).toBeGreaterThanOrEqual(at);
      expect(it.sources.length).toBeGreaterThan(0);
    }
    const scores = rec.items.map((i: { score: number }) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('refuses --user with --users', async () => {
    const r = await capture(['recommend', '--data', data, '--artifacts', artifacts, '--user', 'u1', '--users', 'x.txt']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exactly one of --user ID or --users FILE/);
  });

  it('evaluates retrieval at the split with the bundle embeddings and refuses a leaking split', async () => {
    const r = await capture(['eval', 'retrieval', '--data', data, '--artifacts', artifacts, '--split-at', String(T), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.splitAt).toBe(T);
    expect(report.rows.map((x: { name: string }) => x.name)).toEqual([
      'ann', 'ann-exact', 'ann-no-rules', 'friends', 'popular', 'new', 'merged', 'random', 'popularity', 'popular-nearby',
    ]);
    for (const row of report.rows) for (const v of Object.values(row.recall) as number[]) expect(v >= 0 && v <= 1).toBe(true);
    const leak = await capture(['eval', 'retrieval', '--data', data, '--artifacts', artifacts, '--split-at', String(T - MS_PER_DAY)]);
    expect(leak.code).toBe(2);
    expect(leak.err).toMatch(/leak/);
  });
});
