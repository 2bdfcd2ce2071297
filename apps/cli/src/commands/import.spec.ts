import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from './capture-cli.fixture.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-import-'));
afterAll(() => rm(root, { recursive: true, force: true }));


const RSVPS = `rsvp_id,event_id,member_id,guests,response,created,mtime
1,"e1",501,0,"yes",1465000000000,1465000000000
2,"e1",502,0,"no",1465000000000,1465000000000
3,"e2",501,0,"yes",1466000000000,1466000000000
4,"e2",501,0,"yes",1466000000000,
5,"e2",503,0,"yes",notatime,1466000000000
`;

describe('evrec import / stats', () => {
  it('imports a Meetup folder, prints the validation summary per reason, then stats as JSON', async () => {
    const inDir = join(root, 'meetup-x');
    await mkdir(inDir, { recursive: true });
    await writeFile(join(inDir, 'rsvps.csv'), RSVPS);
    const out = join(root, 'out');

    const r = await capture(['import', 'meetup', '--in', inDir, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/imported meetup into .*: 2 users, 2 events, 0 friendships, 3 interactions/);
    expect(r.out).toMatch(/bad-date: 1 — first at .*rsvps\.csv:6:6/);
    expect(r.out).toMatch(/duplicate-id: 1 — first at .*rsvps\.csv:5:3/);

    const s = await capture(['stats', '--data', out, '--json']);
    expect(s.code).toBe(0);
    const stats = JSON.parse(s.out);
    expect(Object.keys(stats)).toEqual(['users', 'events', 'friendships', 'interactions', 'timeRange', 'languages', 'examples']);
    expect(stats.interactions).toMatchObject({ total: 3, byType: { register: 2, not_interested: 1 } });
    expect(stats.timeRange).toEqual({ from: new Date(1465000000000).toISOString(), to: new Date(1466000000000).toISOString() });
    expect(stats.languages).toEqual({ en: 2 });
    expect(stats.examples).toEqual({ userId: '501', eventId: 'e1' });

    const text = await capture(['stats', '--data', out]);
    expect(text.out).toMatch(/interactions 3 \(register 2, not_interested 1\)/);
  });

  it('exits 2 with file:line:column in strict mode and for a missing folder', async () => {
    const inDir = join(root, 'meetup-x');
    const r = await capture(['import', 'meetup', '--in', inDir, '--out', join(root, 'out-strict'), '--strict']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/INVALID_DATA: .*rsvps\.csv:5:3: .*\(duplicate-id\)/);
    const missing = await capture(['import', 'kaggle2013', '--in', join(root, 'nope'), '--out', join(root, 'o')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/NOT_FOUND/);
  });
});
