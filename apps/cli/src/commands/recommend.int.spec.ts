import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { trainRankerIntoBundle } from '@evrec/ranker';
import { capture } from './capture-cli.fixture.ts';

/**
 * build-index → recommend (CSV and JSON) → eval retrieval → eval ranker → train ranker → recommend
 * through the full funnel, on a tiny world with tiny trained embeddings.
 */
const root = await mkdtemp(join(tmpdir(), 'evrec-cli-recommend-'));
const data = join(root, 'world');
const artifacts = join(root, 'artifacts');
const T = Date.UTC(2026, 0, 5) + 16 * MS_PER_DAY;
let ds: InMemoryDataset;


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
    const html = join(root, 'retrieval-eval.html');
    const r = await capture(['eval', 'retrieval', '--data', data, '--artifacts', artifacts, '--split-at', String(T), '--json', '--report', html]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.segments.cold.pairs + report.segments.warm.pairs).toBe(report.relevantPairs);
    // One recall@K curve per method in each of the all / cold / warm charts.
    expect((await readFile(html, 'utf8')).match(/<polyline class="curve"/g)?.length).toBe(3 * report.rows.length);
    expect(report.splitAt).toBe(T);
    expect(report.rows.map((x: { name: string }) => x.name)).toEqual([
      'ann', 'ann-exact', 'ann-no-rules', 'friends', 'popular', 'new', 'merged', 'random', 'popularity', 'popular-nearby',
    ]);
    for (const row of report.rows) for (const v of Object.values(row.recall) as number[]) expect(v >= 0 && v <= 1).toBe(true);
    const leak = await capture(['eval', 'retrieval', '--data', data, '--artifacts', artifacts, '--split-at', String(T - MS_PER_DAY)]);
    expect(leak.code).toBe(2);
    expect(leak.err).toMatch(/leak/);
  });

  it('evaluates the ranker at the split: printed tables equal the JSON, the HTML report has its charts', async () => {
    const json = join(root, 'ranker-eval.json');
    const html = join(root, 'ranker-eval.html');
    const r = await capture(['eval', 'ranker', '--data', data, '--artifacts', artifacts, '--split-at', String(T), '--epochs', '1', '--no-ablation', '--hard-negatives', '1', '--out', json, '--report', html]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.splitAt).toBe(T);
    expect(report.hardNegatives).toBe(1);
    expect(report.ablation).toBeUndefined();
    const lines = r.out.split('\n');
    // Each set's table: header then nn, lr, popularity, retrieval; every printed cell is the JSON figure to 3 decimals.
    for (const [set, title] of [['funnel', /^funnel at S/], ['exposures', /^test exposures after S/]] as const) {
      const at = lines.findIndex((l) => title.test(l));
      expect(at).toBeGreaterThanOrEqual(0);
      const header = lines[at + 1].trim().split(/\s+/);
      expect(header.slice(0, 5)).toEqual(['model', 'AUC', 'PR-AUC', 'log-loss', 'P@5']);
      for (const [i, model] of ['nn', 'lr', 'popularity', 'retrieval'].entries()) {
        const cells = lines[at + 2 + i].trim().split(/\s+/);
        expect(cells[0]).toBe(model);
        const m = report[set].models[model];
        const f = (v: number | undefined | null): string => (v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
        expect(cells[header.indexOf('AUC')]).toBe(f(m.auc));
        expect(cells[header.indexOf('MAP@10')]).toBe(f(m.atK['10'].map));
        expect(cells[header.indexOf('nDCG@10')]).toBe(f(m.atK['10'].ndcg));
        expect(cells[header.indexOf('MRR')]).toBe(f(m.mrr));
        for (const k of ['5', '10', '20']) for (const v of Object.values(m.atK[k]) as number[]) expect(v >= 0 && v <= 1).toBe(true);
      }
    }
    expect(report.funnel.users).toBeGreaterThan(0);
    expect(report.funnel.candidateRecall).toBeGreaterThan(0);
    const page = await readFile(html, 'utf8');
    expect(page).toMatch(/<svg[^>]*class="reliability"/);
    expect(page).toContain('<table class="metrics funnel">');
    expect(page).toContain('<table class="metrics exposures">');
    expect(page).not.toMatch(/<script/);
  });

  it('recommends through the full funnel once the bundle has a ranker: calibrated scores, diversity, reasons', async () => {
    await trainRankerIntoBundle({ data: ds, artifactsDir: artifacts, epochs: 1 });
    const r = await capture(['recommend', '--data', data, '--artifacts', artifacts, '--user', 'u1', '--k', '10', '--at', String(T), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.ranked).toBe('ranker');
    const items = out.recommendations[0].items as Array<{ eventId: string; score: number; reasons: Array<{ code: string; text: string }> }>;
    expect(items.length).toBeGreaterThan(0);
    const hosts = new Map<string, number>();
    const cats = new Map<string, number>();
    for (const it of items) {
      expect(it.score).toBeGreaterThan(0);
      expect(it.score).toBeLessThan(1);
      expect(Array.isArray(it.reasons)).toBe(true);
      for (const reason of it.reasons) expect(['friends_going', 'nearby', 'same_host', 'new', 'popular', 'matches_interests']).toContain(reason.code);
      const e = ds.events.get(it.eventId);
      if (e?.hostId !== undefined) hosts.set(e.hostId, (hosts.get(e.hostId) ?? 0) + 1);
      if (e?.category !== undefined) cats.set(e.category, (cats.get(e.category) ?? 0) + 1);
    }
    expect(new Set(items.map((i) => i.eventId)).size).toBe(items.length);
    // Caps are soft (2 per host, 4 per category; when nothing else fits the best remaining item is
    // taken), and this tiny world has few hosts: concentration stays low, not at the cap exactly.
    expect(Math.max(0, ...hosts.values())).toBeLessThanOrEqual(3);
    expect(Math.max(0, ...cats.values())).toBeLessThanOrEqual(4);
    // "nearby" needs a location and an in-person venue.
    const located = out.recommendations[0].location !== null;
    for (const it of items.filter((i) => i.reasons.some((x) => x.code === 'nearby'))) {
      expect(located).toBe(true);
      expect(ds.events.get(it.eventId)?.online).not.toBe(true);
    }
  });
});
