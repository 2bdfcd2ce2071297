import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetWriter } from '@evrec/data';
import { MemoryFeatureStore } from '@evrec/store';
import { capture } from './capture-cli.fixture.ts';
import { parseTime } from './materialize.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-materialize-'));
afterAll(() => rm(root, { recursive: true, force: true }));


describe('evrec materialize', () => {
  it('loads a dataset into the embedded store log up to --until, with progress on stderr', async () => {
    const data = join(root, 'ds');
    const w = await DatasetWriter.open(data, { name: 'cli' });
    await w.user({ id: 'u1' });
    await w.user({ id: 'u2' });
    await w.event({ id: 'e1' });
    await w.friendship({ userId: 'u1', friendId: 'u2' });
    await w.interaction({ id: 'i1', userId: 'u2', eventId: 'e1', type: 'register', at: 1000 });
    await w.interaction({ id: 'i2', userId: 'u1', eventId: 'e1', type: 'click', at: 2000 });
    await w.close();
    const log = join(root, 'store.jsonl');

    const r = await capture(['materialize', '--data', data, '--log', log, '--until', '1500', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ store: 'memory', until: 1500, users: 2, friendships: 1, interactions: { accepted: 1, duplicates: 0 }, skipped: 1 });
    expect(r.err).toContain('[materialize.interactions] 2/2');

    const store = await MemoryFeatureStore.open({ logPath: log });
    const snap = await store.snapshot({ userId: 'u1', eventIds: ['e1'], at: 5000 });
    expect(snap.user.friendIds).toEqual(['u2']);
    expect(snap.events.e1).toMatchObject({ registrations: 1, friendsRegistered: 1, clicks: 0 });
    await store.close();
  });

  it('refuses to run with nowhere to persist, and rejects a bad --until', async () => {
    const env = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      const r = await capture(['materialize', '--data', root]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/INVALID_INPUT: nothing would persist/);
    } finally {
      if (env !== undefined) process.env.REDIS_URL = env;
    }
    expect(() => parseTime('yesterday', 'until')).toThrow(/--until/);
    expect(parseTime('2013-01-01', 'until')).toBe(Date.UTC(2013, 0, 1));
    expect(parseTime('1356998400000', 'until')).toBe(1356998400000);
  });
});
