import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../native/reader.ts';
import { importKaggle2013 } from './kaggle2013.ts';
import { importMeetup } from './meetup.ts';

/**
 * Imports the real raw folders (never copied into the repo) and checks the counts their SOURCE.md
 * files state. Skipped where the folders are not mounted.
 */
const RAW = process.env.EVREC_RAW_DATA ?? '/work/shared/data/raw';
const root = await mkdtemp(join(tmpdir(), 'evrec-real-'));
afterAll(() => rm(root, { recursive: true, force: true }));

function countTypes(types: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of types) out[t] = (out[t] ?? 0) + 1;
  return out;
}

describe.skipIf(!existsSync(join(RAW, 'meetup-montana')))('real Meetup Montana export', () => {
  it('1396 event rows, 10416 RSVPs (7616 yes / 2800 no), 1757 distinct members', async () => {
    const r = await importMeetup({ inDir: join(RAW, 'meetup-montana'), outDir: join(root, 'montana') });
    // 5 of the 1396 event rows repeat an earlier row exactly; venues.csv repeats 15 ids.
    expect(r.report.byReason()).toEqual({ 'duplicate-id': 20 });
    expect(r.manifest.counts).toEqual({ users: 1757, events: 1391, friendships: 0, interactions: 10416 });
    const ds = await loadDataset(r.outDir);
    expect(ds.report.total()).toBe(0);
    expect(countTypes(ds.interactions.map((i) => i.type))).toEqual({ register: 7616, not_interested: 2800 });
    // SOURCE.md: 1386 events have a non-empty description (the duplicated rows repeat described events).
    expect([...ds.events.values()].filter((e) => e.description !== undefined)).toHaveLength(1386);
    expect([...ds.events.values()].every((e) => e.language === 'en' && e.startsAt !== undefined)).toBe(true);
  });
});

describe.skipIf(!existsSync(join(RAW, 'meetup-la-datascience')))('real Meetup LA export (no events/members tables)', () => {
  it('56818 RSVPs (44321 yes / 10903 no / 1594 waitlist), 12477 members, 2274 events', async () => {
    const r = await importMeetup({ inDir: join(RAW, 'meetup-la-datascience'), outDir: join(root, 'la') });
    expect(r.report.total()).toBe(0);
    expect(r.manifest.counts).toEqual({ users: 12477, events: 2274, friendships: 0, interactions: 56818 });
    const ds = await loadDataset(r.outDir);
    expect(countTypes(ds.interactions.map((i) => i.type))).toEqual({ register: 44321, not_interested: 10903, interested: 1594 });
  });
});

describe.skipIf(!existsSync(join(RAW, 'kaggle-event-rec-2013')))('real Kaggle 2013 partial copy', () => {
  it('38209 users, 15398 train + 10237 test impressions, 4131 interested, 15232 friendships', async () => {
    const r = await importKaggle2013({ inDir: join(RAW, 'kaggle-event-rec-2013'), outDir: join(root, 'kaggle') });
    // Two users.csv rows carry the birth year "23-May": kept, birth year unknown.
    expect(r.report.byReason()).toEqual({ 'bad-number': 2 });
    expect(r.manifest.counts).toMatchObject({ users: 38209, friendships: 15232 });
    const ds = await loadDataset(r.outDir);
    expect(ds.report.total()).toBe(0);
    const types = countTypes(ds.interactions.map((i) => i.type));
    expect(types.impression).toBe(15398 + 10237);
    expect(types.interested).toBe(4131);
    expect(ds.interactions.filter((i) => i.id.startsWith('k:test:') && i.type !== 'impression' && i.type !== 'invite')).toEqual([]);
  });
});
