import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError, type Event, type Friendship, type Interaction, type User } from '@evrec/core';
import { interactionColumns, INTERACTION_TYPE_CODES } from './columns.ts';
import { DATASET_FILES, MANIFEST_FILE } from './format.ts';
import { loadDataset, openDataset, type DataIssue } from './reader.ts';
import { readTextBlocks } from './text-blocks.ts';
import { DatasetWriter } from './writer.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-reader-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;

const users: User[] = [
  { id: 'u1', locale: 'ja_JP', language: 'ja', birthYear: 1990, gender: 'female', lat: 35.68, lng: 139.69, interests: ['music'] },
  { id: 'u2' },
  { id: 'u3', utcOffsetMinutes: -300 },
];
const events: Event[] = [
  { id: 'e1', title: 'Jazz night', language: 'en', price: 12.5, currency: 'EUR', startsAt: 1_700_000_000_000, status: 'scheduled' },
  { id: 'e2', title: '花火大会', language: 'ja', description: 'line one\nline two' },
];
const friendships: Friendship[] = [{ userId: 'u1', friendId: 'u2', since: 1000 }, { userId: 'u3', friendId: 'u1' }];
const interactions: Interaction[] = [
  { id: 'i1', userId: 'u1', eventId: 'e1', type: 'impression', at: 3000 },
  { id: 'i2', userId: 'u2', eventId: 'e2', type: 'register', at: 1000, revenue: 10, currency: 'JPY' },
  { id: 'i3', userId: 'u1', eventId: 'e2', type: 'click', at: 3000, surface: 'ios', position: 2 },
  { id: 'i4', userId: 'u3', eventId: 'e1', type: 'invite', at: 2000, inviterId: 'u1' },
];

async function writeDataset(): Promise<string> {
  const dir = join(root, `ds${n++}`);
  const w = await DatasetWriter.open(dir, { name: 'test' });
  for (const u of users) await w.user(u);
  for (const e of events) await w.event(e);
  for (const f of friendships) await w.friendship(f);
  for (const i of interactions) await w.interaction(i);
  await w.close();
  return dir;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Replaces a table's file with raw text and sets the manifest count to the number of non-blank lines. */
async function withTable(table: keyof typeof DATASET_FILES, content: string | Buffer, count?: number): Promise<string> {
  const dir = await writeDataset();
  await writeFile(join(dir, DATASET_FILES[table]), content);
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
  const text = Buffer.isBuffer(content) ? content.toString('latin1') : content;
  manifest.counts[table] = count ?? text.split('\n').filter((l) => l.trim() !== '').length;
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

describe('native reader', () => {
  it('round-trips every table written by DatasetWriter', async () => {
    const dir = await writeDataset();
    const r = await openDataset(dir);
    expect(r.manifest.counts).toEqual({ users: 3, events: 2, friendships: 2, interactions: 4 });
    expect(await collect(r.users())).toEqual(users);
    expect(await collect(r.events())).toEqual(events);
    expect(await collect(r.friendships())).toEqual(friendships);
    expect(await collect(r.interactions())).toEqual(interactions);
    expect(r.report.total()).toBe(0);
  });

  it('loads into memory: symmetric friends, interactions sorted stably by time', async () => {
    const ds = await loadDataset(await writeDataset());
    expect([...ds.users.keys()]).toEqual(['u1', 'u2', 'u3']);
    expect(ds.friends.get('u1')).toEqual(['u2', 'u3']);
    expect(ds.friends.get('u2')).toEqual(['u1']);
    expect(ds.friends.get('u3')).toEqual(['u1']);
    // i1 and i3 share at=3000 and keep file order.
    expect(ds.interactions.map((i) => i.id)).toEqual(['i2', 'i4', 'i1', 'i3']);
    expect(ds.manifest.interactionsSorted).toBe(false);
    expect(ds.report.total()).toBe(0);
  });

  it('reports malformed JSON with file, line and column, and keeps reading', async () => {
    const good = JSON.stringify({ id: 'u9' });
    const dir = await withTable('users', `${good}\n{"id": "u10",}\n\n${JSON.stringify({ id: 'u11' })}\n`);
    const issues: DataIssue[] = [];
    const r = await openDataset(dir, { onIssue: (i) => issues.push(i) });
    expect((await collect(r.users())).map((u) => u.id)).toEqual(['u9', 'u11']);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ reason: 'bad-json', location: { file: join(dir, 'users.jsonl'), line: 2, column: 14 } });
    expect(r.report.count('bad-json')).toBe(1);
  });

  it('calls a cut-off last line truncated-line', async () => {
    const dir = await withTable('users', `${JSON.stringify({ id: 'u9' })}\n{"id": "u1`);
    const r = await openDataset(dir);
    expect((await collect(r.users())).map((u) => u.id)).toEqual(['u9']);
    expect(r.report.byReason()).toEqual({ 'truncated-line': 1 });
    expect(r.report.samples()[0].location).toMatchObject({ line: 2, column: 11 });
  });

  it('accepts a valid last line without a final newline', async () => {
    const dir = await withTable('users', `${JSON.stringify({ id: 'u9' })}\r\n${JSON.stringify({ id: 'u10' })}`);
    const r = await openDataset(dir);
    expect((await collect(r.users())).map((u) => u.id)).toEqual(['u9', 'u10']);
    expect(r.report.total()).toBe(0);
  });

  it('reports schema violations naming the field and its column', async () => {
    const line = '{"id":"i9","userId":"u1","eventId":"e1","type":"buy","at":5}';
    const dir = await withTable('interactions', `${line}\n`);
    const r = await openDataset(dir);
    expect(await collect(r.interactions())).toEqual([]);
    const [issue] = r.report.samples();
    expect(issue.reason).toBe('schema');
    expect(issue.location).toMatchObject({ line: 1, column: line.indexOf('"type"') + 1, field: 'type' });
    expect(issue.message).toMatch(/interactions\.type/);
  });

  it('detects invalid UTF-8 instead of decoding it to U+FFFD', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"id":"u9","city":"K'),
      Buffer.from([0xc3, 0x28]), // a broken two-byte sequence
      Buffer.from('ln"}\n{"id":"u10","city":"Köln"}\n'),
    ]);
    const dir = await withTable('users', bytes, 2);
    const r = await openDataset(dir);
    const got = await collect(r.users());
    expect(got).toEqual([{ id: 'u10', city: 'Köln' }]);
    expect(r.report.byReason()).toEqual({ 'invalid-utf8': 1 });
    expect(r.report.samples()[0].location).toMatchObject({ line: 1, column: 21 });
  });

  it('counts a file shorter than its manifest says (count-mismatch)', async () => {
    const dir = await withTable('users', `${JSON.stringify({ id: 'u9' })}\n`, 5);
    const r = await openDataset(dir);
    await collect(r.users());
    expect(r.report.byReason()).toEqual({ 'count-mismatch': 1 });
  });

  it('counts a table’s issues once even when it is iterated twice', async () => {
    const dir = await withTable('users', `{"id":\n${JSON.stringify({ id: 'u9' })}\n`);
    const r = await openDataset(dir);
    await collect(r.users());
    await collect(r.users());
    expect(r.report.total()).toBe(1);
  });

  it('strict mode throws INVALID_DATA with the location at the first bad row', async () => {
    const dir = await withTable('events', `${JSON.stringify({ id: 'e9' })}\n${JSON.stringify({ id: 'e10', lat: 95 })}\n`);
    const r = await openDataset(dir, { strict: true });
    const err = await collect(r.events()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).code).toBe('INVALID_DATA');
    expect((err as EvrecError).location).toMatchObject({ file: join(dir, 'events.jsonl'), line: 2, field: 'lat' });
  });

  it('fails cleanly on a missing dataset or a broken manifest', async () => {
    await expect(openDataset(join(root, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const dir = await writeDataset();
    await writeFile(join(dir, MANIFEST_FILE), '{"format":"evrec-dataset"}');
    await expect(openDataset(dir)).rejects.toMatchObject({ code: 'INVALID_DATA', location: { line: 1 } });
    const dir2 = await writeDataset();
    await rm(join(dir2, DATASET_FILES.friendships));
    await expect(openDataset(dir2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('loadDataset referential checks', () => {
  it('counts duplicate ids, unknown users/events, self and repeated friendships', async () => {
    const dir = await writeDataset();
    const add = (table: keyof typeof DATASET_FILES, rows: unknown[]): Promise<void> =>
      appendFile(join(dir, DATASET_FILES[table]), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    await add('users', [{ id: 'u1', city: 'dup' }]);
    await add('events', [{ id: 'e2' }]);
    await add('friendships', [{ userId: 'u2', friendId: 'u1' }, { userId: 'u2', friendId: 'u2' }, { userId: 'u2', friendId: 'ghost' }]);
    await add('interactions', [
      { id: 'i1', userId: 'u2', eventId: 'e2', type: 'click', at: 1 },
      { id: 'i8', userId: 'ghost', eventId: 'e2', type: 'click', at: 1 },
      { id: 'i9', userId: 'u2', eventId: 'nope', type: 'click', at: 1 },
    ]);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
    manifest.counts = { users: 4, events: 3, friendships: 5, interactions: 7 };
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));

    const ds = await loadDataset(dir);
    expect(ds.report.byReason()).toEqual({
      'duplicate-friendship': 1,
      'duplicate-id': 3,
      'self-friendship': 1,
      'unknown-event': 1,
      'unknown-user': 2,
    });
    expect(ds.users.get('u1')?.city).toBeUndefined();
    expect(ds.friends.get('u2')).toEqual(['u1']);
    expect(ds.interactions.map((i) => i.id)).toEqual(['i2', 'i4', 'i1', 'i3']);
    const unknownEvent = ds.report.samples().find((i) => i.reason === 'unknown-event');
    expect(unknownEvent?.location).toMatchObject({ line: 7, field: 'eventId' });
    expect(unknownEvent?.location.column).toBeGreaterThan(1);

    await expect(loadDataset(dir, { strict: true })).rejects.toMatchObject({ code: 'INVALID_DATA', location: { line: 4, field: 'id' } });
  });
});

describe('interactionColumns', () => {
  it('builds parallel typed arrays with indices over all users and events', async () => {
    const ds = await loadDataset(await writeDataset());
    const c = interactionColumns(ds);
    expect(c.length).toBe(4);
    expect(c.userIds).toEqual(['u1', 'u2', 'u3']);
    expect(c.eventIds).toEqual(['e1', 'e2']);
    expect(Array.from(c.user)).toEqual([1, 2, 0, 0]);
    expect(Array.from(c.event)).toEqual([1, 0, 0, 1]);
    expect(Array.from(c.type)).toEqual([
      INTERACTION_TYPE_CODES.register,
      INTERACTION_TYPE_CODES.invite,
      INTERACTION_TYPE_CODES.impression,
      INTERACTION_TYPE_CODES.click,
    ]);
    expect(Array.from(c.at)).toEqual([1000, 2000, 3000, 3000]);
    const clicks = interactionColumns(ds, { types: ['click', 'register'] });
    expect(Array.from(clicks.at)).toEqual([1000, 3000]);
    expect(() => interactionColumns(ds, { interactions: [{ id: 'x', userId: 'zz', eventId: 'e1', type: 'click', at: 1 }] })).toThrow(/zz/);
  });
});

describe('readTextBlocks', () => {
  it('never splits a multi-byte character at a chunk boundary and numbers lines', async () => {
    const text = 'ä€😀 first\nzweite Zeile äöü\n三行目\nlast';
    const file = join(root, 'blocks.txt');
    await writeFile(file, text);
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      let out = '';
      const firstLines: number[] = [];
      for await (const b of readTextBlocks(file, chunk)) {
        expect(b.invalid).toEqual([]);
        out += b.text;
        firstLines.push(b.firstLine);
      }
      expect(out).toBe(text);
      expect(firstLines[0]).toBe(1);
    }
  });
});
