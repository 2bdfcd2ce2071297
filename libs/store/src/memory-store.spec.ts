import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError, type Interaction } from '@evrec/core';
import { MemoryFeatureStore } from './memory-store.ts';
import { createFeatureStore } from './factory.ts';
import { describeStoreContract } from './store-contract.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-memstore-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describeStoreContract('MemoryFeatureStore', (namespace, options) =>
  MemoryFeatureStore.open({ ...options, logPath: join(root, `${namespace}.jsonl`) }),
);

const T0 = Date.UTC(2026, 0, 15, 12);
const reg = (id: string, userId: string, at: number): Interaction => ({ id, userId, eventId: 'e1', type: 'register', at });

describe('MemoryFeatureStore log file', () => {
  it('cuts off a torn last line on open and keeps appending cleanly', async () => {
    const logPath = join(root, 'torn.jsonl');
    const s1 = await MemoryFeatureStore.open({ logPath, logFsync: 'never' });
    await s1.ingest([reg('a', 'u1', T0 - 1000)]);
    await s1.close();
    const whole = await readFile(logPath, 'utf8');
    await appendFile(logPath, '{"op":"interaction","v":{"id":"b"'); // a crash mid-write

    const s2 = await MemoryFeatureStore.open({ logPath });
    expect(await readFile(logPath, 'utf8')).toBe(whole);
    await s2.ingest([reg('c', 'u2', T0 - 500)]);
    const snap = await s2.snapshot({ userId: 'u2', eventIds: ['e1'], at: T0 });
    expect(snap.events.e1.registrations).toBe(2);
    await s2.close();

    const s3 = await MemoryFeatureStore.open({ logPath });
    expect(await s3.snapshot({ userId: 'u2', eventIds: ['e1'], at: T0 })).toEqual(snap);
    await s3.close();
  });

  it('refuses a log with a malformed line in the middle, naming the line', async () => {
    const logPath = join(root, 'bad.jsonl');
    await writeFile(logPath, `${JSON.stringify({ op: 'interaction', v: reg('a', 'u', T0) })}\nnot json\n`);
    const err = await MemoryFeatureStore.open({ logPath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).code).toBe('INVALID_DATA');
    expect((err as EvrecError).location).toMatchObject({ file: logPath, line: 2 });
  });

  it('without a log file, state is in-process only and the log is UNSUPPORTED', async () => {
    const s = await createFeatureStore();
    expect(s.kind).toBe('memory');
    expect(await s.ingest([reg('a', 'u', T0 - 1)])).toEqual({ accepted: 1, duplicates: 0 });
    const err = await s.exportLog({ outDir: join(root, 'nope') }).catch((e: unknown) => e);
    expect((err as EvrecError).code).toBe('UNSUPPORTED');
    await s.close();
    expect((await s.ping().catch((e: unknown) => e) as EvrecError).code).toBe('UNAVAILABLE');
  });
});
