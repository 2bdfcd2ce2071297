import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetWriter } from './native/writer.ts';
import { computeDatasetStats } from './stats.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-stats-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('computeDatasetStats', () => {
  it('counts tables, types, languages and picks the most active user and most popular event', async () => {
    const dir = join(root, 'ds');
    const w = await DatasetWriter.open(dir, { name: 'stats' });
    for (const id of ['u1', 'u2', 'u3']) await w.user({ id });
    await w.event({ id: 'e1', language: 'en' });
    await w.event({ id: 'e2', language: 'ja' });
    await w.event({ id: 'e3', language: 'en' });
    await w.event({ id: 'e4' });
    await w.friendship({ userId: 'u1', friendId: 'u2' });
    const rows: Array<[string, string, 'impression' | 'register' | 'click', number]> = [
      ['u1', 'e1', 'impression', Date.UTC(2020, 0, 1)],
      ['u1', 'e1', 'click', Date.UTC(2020, 0, 2)],
      ['u1', 'e3', 'impression', Date.UTC(2020, 0, 3)],
      ['u2', 'e2', 'register', Date.UTC(2020, 0, 4)],
      ['u3', 'e2', 'register', Date.UTC(2019, 11, 31)],
    ];
    let k = 0;
    for (const [userId, eventId, type, at] of rows) await w.interaction({ id: `i${k++}`, userId, eventId, type, at });
    await w.close();

    const { stats, report } = await computeDatasetStats(dir);
    expect(report.total()).toBe(0);
    expect(stats).toEqual({
      users: 3,
      events: 4,
      friendships: 1,
      interactions: {
        total: 5,
        byType: { impression: 2, click: 1, register: 2, interested: 0, not_interested: 0, invite: 0, attend: 0, cancel: 0 },
      },
      timeRange: { from: '2019-12-31T00:00:00.000Z', to: '2020-01-04T00:00:00.000Z' },
      languages: { en: 2, ja: 1, und: 1 },
      examples: { userId: 'u1', eventId: 'e2' },
    });
  });

  it('reports nulls for a dataset without interactions', async () => {
    const dir = join(root, 'empty');
    const w = await DatasetWriter.open(dir, { name: 'empty' });
    await w.close();
    const { stats } = await computeDatasetStats(dir);
    expect(stats.timeRange).toEqual({ from: null, to: null });
    expect(stats.examples).toEqual({ userId: null, eventId: null });
  });
});
