import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError } from '@evrec/core';
import { loadDataset } from '../native/reader.ts';
import { importKaggle2013, KAGGLE2013_FILES } from './kaggle2013.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-kaggle-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const USERS = `user_id,locale,birthyear,gender,joinedAt,location,timezone
1001,id_ID,1993,male,2012-10-02T06:40:55.524Z,Medan  Indonesia,420
1002,en_US,None,female,None,Los Angeles  California,-420
1003,en_GB,23-May,,2012-09-01T00:00:00.000Z,,0
1001,en_US,1990,male,,,
`;
const TRAIN = `user,event,invited,timestamp,interested,not_interested
1001,9001,0,2012-10-02 15:53:05.754000+00:00,1,0
1001,9002,1,2012-10-02 15:53:05.754000+00:00,0,1
1002,9001,0,2012-10-31 17:18:39+00:00,0,0
9999,9001,0,2012-10-31 17:18:39+00:00,0,0
1002,9003,0,2012-13-31 17:18:39+00:00,0,0
1002,9003,2,2012-10-31 17:18:39+00:00,0,0
1003,9003,0,2012-11-01 00:00:00+00:00,0
`;
const TEST = `user,event,invited,timestamp
1003,9004,1,2012-11-30 11:39:01.230000+00:00
1002,9001,0,2012-11-30 11:39:01.230000+00:00
`;
const DERIVED_FRIENDS = '1001, 1002\n1002, 1001\n1003, 1003\n';

async function fixture(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), content);
  }
  return dir;
}

const T = (iso: string): number => Date.parse(iso);

describe('importKaggle2013 (files as in the shared folder)', () => {
  it('maps users, train/test rows and the derived friend list; counts every bad row', async () => {
    const inDir = await fixture('partial', {
      [KAGGLE2013_FILES.users]: USERS,
      [KAGGLE2013_FILES.train]: TRAIN,
      [KAGGLE2013_FILES.test]: TEST,
      [KAGGLE2013_FILES.derivedFriends]: DERIVED_FRIENDS,
    });
    const outDir = join(root, 'out-partial');
    const r = await importKaggle2013({ inDir, outDir });
    expect(r.report.byReason()).toEqual({
      'bad-date': 1,
      'bad-number': 2,
      'duplicate-friendship': 1,
      'duplicate-id': 1,
      'self-friendship': 1,
      'unknown-user': 1,
      'wrong-column-count': 1,
    });
    const located = r.report.samples().find((i) => i.reason === 'bad-date');
    expect(located?.location).toEqual({ file: join(inDir, 'train.csv'), line: 6, column: 4, field: 'timestamp' });
    expect(r.notes).toEqual({ stubEvents: 3 });

    const ds = await loadDataset(outDir);
    expect(ds.report.total()).toBe(0);
    expect(ds.manifest.name).toBe('kaggle2013');
    expect(ds.users.get('1001')).toEqual({
      id: '1001',
      locale: 'id_ID',
      language: 'id',
      birthYear: 1993,
      gender: 'male',
      joinedAt: T('2012-10-02T06:40:55.524Z'),
      city: 'Medan, Indonesia',
      country: 'ID',
      utcOffsetMinutes: 420,
    });
    expect(ds.users.get('1002')).toEqual({ id: '1002', locale: 'en_US', language: 'en', gender: 'female', city: 'Los Angeles, California', utcOffsetMinutes: -420 });
    // The bad birth year leaves that field unknown but keeps the user.
    expect(ds.users.get('1003')).toEqual({ id: '1003', locale: 'en_GB', language: 'en', joinedAt: T('2012-09-01T00:00:00Z'), utcOffsetMinutes: 0 });
    expect([...ds.events.values()]).toEqual([{ id: '9001' }, { id: '9002' }, { id: '9004' }]);
    expect(ds.friends.get('1001')).toEqual(['1002']);

    const t1 = T('2012-10-02T15:53:05.754Z');
    const t2 = T('2012-10-31T17:18:39Z');
    const t3 = T('2012-11-30T11:39:01.230Z');
    expect(ds.interactions.map((i) => [i.id, i.userId, i.eventId, i.type, i.at])).toEqual([
      ['k:train:2:impression', '1001', '9001', 'impression', t1],
      ['k:train:2:interested', '1001', '9001', 'interested', t1],
      ['k:train:3:impression', '1001', '9002', 'impression', t1],
      ['k:train:3:invite', '1001', '9002', 'invite', t1],
      ['k:train:3:not_interested', '1001', '9002', 'not_interested', t1],
      ['k:train:4:impression', '1002', '9001', 'impression', t2],
      ['k:test:2:impression', '1003', '9004', 'impression', t3],
      ['k:test:2:invite', '1003', '9004', 'invite', t3],
      ['k:test:3:impression', '1002', '9001', 'impression', t3],
    ]);
  });

  it('never turns a test.csv row into a label, whatever extra columns it has', async () => {
    const inDir = await fixture('test-labels', {
      [KAGGLE2013_FILES.users]: USERS.split('\n').slice(0, 3).join('\n') + '\n',
      [KAGGLE2013_FILES.train]: 'user,event,invited,timestamp,interested,not_interested\n',
      [KAGGLE2013_FILES.test]: 'user,event,invited,timestamp,interested,not_interested\n1001,9001,0,2012-11-30 11:39:01+00:00,1,1\n',
    });
    const r = await importKaggle2013({ inDir, outDir: join(root, 'out-test-labels') });
    const ds = await loadDataset(r.outDir);
    expect(ds.interactions.map((i) => i.type)).toEqual(['impression']);
  });

  it('strict mode stops at the first bad row with its location and leaves no dataset behind', async () => {
    const inDir = await fixture('strict', {
      [KAGGLE2013_FILES.users]: USERS,
      [KAGGLE2013_FILES.train]: TRAIN,
      [KAGGLE2013_FILES.test]: TEST,
    });
    const outDir = join(root, 'out-strict');
    const err = await importKaggle2013({ inDir, outDir, strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).code).toBe('INVALID_DATA');
    expect((err as EvrecError).location).toMatchObject({ file: join(inDir, 'users.csv'), line: 4, column: 3, field: 'birthyear' });
    await expect(loadDataset(outDir)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('names the missing required files', async () => {
    const inDir = await fixture('missing', { [KAGGLE2013_FILES.users]: USERS });
    await expect(importKaggle2013({ inDir, outDir: join(root, 'out-missing') })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/train\.csv, test\.csv/),
    });
  });
});

describe('importKaggle2013 (full Kaggle format)', () => {
  it('reads events, user_friends and event_attendees, with stubs for outside users and events', async () => {
    const inDir = await fixture('full', {
      [KAGGLE2013_FILES.users]: USERS.split('\n').slice(0, 4).join('\n') + '\n',
      [KAGGLE2013_FILES.train]: 'user,event,invited,timestamp,interested,not_interested\n1001,9001,0,2012-10-02 15:53:05.754000+00:00,1,0\n1002,9009,0,2012-10-02 15:53:05.754000+00:00,0,0\n',
      [KAGGLE2013_FILES.test]: 'user,event,invited,timestamp\n',
      [KAGGLE2013_FILES.events]: [
        'event_id,user_id,start_time,city,state,zip,country,lat,lng,c_1,c_2,c_other',
        '9001,1001,2012-10-31T00:00:00.001Z,Medan,,,Indonesia,3.58,98.67,2,0,5',
        '9005,3000,2012-11-05T10:00:00.000Z,,,,,,,0,0,0',
        '9006,1002,not-a-date,,,,,,,0,0,0',
        '',
      ].join('\n'),
      [KAGGLE2013_FILES.friends]: 'user,friends\n1001,1002 5000 5000\n1002,1001\n',
      [KAGGLE2013_FILES.attendees]: 'event,yes,maybe,invited,no\n9001,1001 6000,1002,1003,\n9006,1001,,,\n7777,1001,,,\n',
      // Ignored when user_friends.csv is present.
      [KAGGLE2013_FILES.derivedFriends]: '1003, 1001\n',
    });
    const r = await importKaggle2013({ inDir, outDir: join(root, 'out-full') });
    // bad-number: user 1003's birth year "23-May".
    expect(r.report.byReason()).toEqual({ 'bad-date': 1, 'bad-number': 1, 'unknown-event': 1, 'unknown-time': 1 });
    expect(r.notes).toEqual({ stubEvents: 1, stubUsers: 2, friendshipsListedByBoth: 1 });
    const ds = await loadDataset(r.outDir);
    expect(ds.report.total()).toBe(0);
    expect(ds.events.get('9001')).toEqual({
      id: '9001',
      hostId: '1001',
      organizerUserId: '1001',
      startsAt: T('2012-10-31T00:00:00.001Z'),
      city: 'Medan',
      country: 'ID',
      lat: 3.58,
      lng: 98.67,
      tags: ['c_1', 'c_other'],
    });
    expect(ds.events.get('9006')).toEqual({ id: '9006', hostId: '1002', organizerUserId: '1002' });
    expect(ds.events.get('9009')).toEqual({ id: '9009' });
    expect(ds.users.get('5000')).toEqual({ id: '5000' });
    expect(ds.friends.get('1001')?.sort()).toEqual(['1002', '5000']);
    expect(ds.friends.get('1003')).toBeUndefined();
    const start = T('2012-10-31T00:00:00.001Z');
    const attendees = ds.interactions.filter((i) => i.id.startsWith('k:att:')).map((i) => [i.userId, i.type, i.at]);
    expect(attendees).toEqual([
      ['1001', 'register', start],
      ['6000', 'register', start],
      ['1002', 'interested', start],
      ['1003', 'invite', start],
    ]);
  });
});
