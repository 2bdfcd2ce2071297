import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError, type Interaction } from '@evrec/core';
import { createFeatureStore } from './factory.ts';
import { RedisFeatureStore } from './redis-store.ts';
import { describeStoreContract } from './store-contract.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// One prefix per run; every key this file creates lives under it and is deleted at the end.
const runPrefix = `evrec-test:${process.pid}-${Date.now().toString(36)}:`;
const raw = new Redis(url);

async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

afterAll(async () => {
  const keys = await keysUnder(runPrefix);
  if (keys.length > 0) await raw.unlink(...keys);
  await raw.quit();
});

describeStoreContract('RedisFeatureStore', (namespace, options) =>
  RedisFeatureStore.connect({ ...options, url, keyPrefix: `${runPrefix}${namespace}:` }),
);

const T0 = Date.UTC(2026, 0, 15, 12);
const click = (id: string, at: number): Interaction => ({ id, userId: 'u', eventId: 'e', type: 'click', at });

describe('RedisFeatureStore specifics', () => {
  it('keeps the log in a stream and state under the key prefix; dedupe keys expire', async () => {
    const prefix = `${runPrefix}layout:`;
    const s = await createFeatureStore({ redisUrl: url, keyPrefix: prefix, dedupeTtlSeconds: 60 });
    expect(s.kind).toBe('redis');
    await s.ingest([click('a', T0 - 2), { ...click('b', T0 - 1), type: 'register' }]);
    expect(await raw.xlen(`${prefix}log`)).toBe(2);
    const entries = await raw.xrange(`${prefix}log`, '-', '+');
    expect(entries.map(([, f]) => JSON.parse(f[1]).id)).toEqual(['a', 'b']);
    const ttl = await raw.ttl(`${prefix}dd:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect((await keysUnder(prefix)).sort()).toEqual(
      ['att:e', 'dd:a', 'dd:b', 'ec:e', 'hist:u', 'log', 'reg:u'].map((k) => prefix + k),
    );
    await s.clear();
    expect(await keysUnder(prefix)).toEqual([]);
    await s.close();
  });

  it('caps the stream approximately at logMaxLen', async () => {
    const s = await RedisFeatureStore.connect({ url, keyPrefix: `${runPrefix}cap:`, logMaxLen: 10 });
    await s.ingest(Array.from({ length: 1000 }, (_, i) => click(`c${i}`, T0 + i)));
    // `MAXLEN ~` trims whole stream nodes (100 entries each by default), never below the cap.
    const len = await raw.xlen(`${runPrefix}cap:log`);
    expect(len).toBeGreaterThanOrEqual(10);
    expect(len).toBeLessThan(300);
    await s.close();
  });

  it('reloads its scripts after SCRIPT FLUSH', async () => {
    const s = await RedisFeatureStore.connect({ url, keyPrefix: `${runPrefix}flush:` });
    await raw.script('FLUSH');
    expect(await s.ingest([click('f1', T0 - 1), click('f2', T0 - 1)])).toEqual({ accepted: 2, duplicates: 0 });
    expect((await s.snapshot({ userId: 'u', eventIds: ['e'], at: T0 })).events.e.clicks).toBe(2);
    await s.close();
  });

  it('reports an unreachable Redis as UNAVAILABLE', async () => {
    const err = await RedisFeatureStore.connect({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).code).toBe('UNAVAILABLE');
  });
});
