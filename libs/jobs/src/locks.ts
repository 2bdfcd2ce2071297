import { randomBytes } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { EvrecError } from '@evrec/core';

/**
 * Mutual exclusion for publishing. With Redis: `SET key token NX PX ttl`, renewed while held and
 * released only by its owner (compare-and-delete), so a crashed holder frees it after `ttlMs`.
 * Without Redis (inline mode): a lock file created with O_EXCL, holding the owner's pid, host and
 * token; a lock whose owner is dead (same host) or older than `ttlMs` is stale and taken over.
 */
export interface HeldLock {
  readonly token: string;
  /** False once another owner holds it (Redis: the key expired and was taken). */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Redis: expiry, renewed every third of it. File: age after which a lock is stale. Default 60 s (Redis), 30 min (file). */
  ttlMs?: number;
  /** How long to wait for a held lock before failing with CONFLICT (retryable). Default 60 s. */
  waitMs?: number;
  /** Poll interval while waiting. Default 200 ms. */
  retryMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const RELEASE_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export async function acquireRedisLock(redis: Redis, key: string, options: LockOptions = {}): Promise<HeldLock> {
  const ttlMs = options.ttlMs ?? 60_000;
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  const token = randomBytes(16).toString('hex');
  for (;;) {
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK') break;
    if (Date.now() >= deadline) {
      const ttl = await redis.pttl(key);
      throw new EvrecError('CONFLICT', `publish lock ${key} is held by another publisher (expires in ${ttl} ms)`, { details: { key } });
    }
    await sleep(options.retryMs ?? 200);
  }
  const renew = setInterval(() => {
    redis.eval(EXTEND_LUA, 1, key, token, String(ttlMs)).catch(() => undefined);
  }, Math.max(100, Math.floor(ttlMs / 3)));
  renew.unref();
  return {
    token,
    stillHeld: async () => (await redis.get(key)) === token,
    release: async () => {
      clearInterval(renew);
      await redis.eval(RELEASE_LUA, 1, key, token);
    },
  };
}

interface LockFileContent {
  token: string;
  pid: number;
  host: string;
  acquiredAt: number;
  ttlMs: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLockFile(path: string): Promise<LockFileContent | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<LockFileContent>;
    if (typeof v.token !== 'string' || typeof v.pid !== 'number' || typeof v.acquiredAt !== 'number') return undefined;
    return { token: v.token, pid: v.pid, host: String(v.host), acquiredAt: v.acquiredAt, ttlMs: Number(v.ttlMs) };
  } catch {
    return undefined;
  }
}

export async function acquireFileLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const ttlMs = options.ttlMs ?? 30 * 60_000;
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  const token = randomBytes(16).toString('hex');
  const content: LockFileContent = { token, pid: process.pid, host: hostname(), acquiredAt: Date.now(), ttlMs };
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(JSON.stringify({ ...content, acquiredAt: Date.now() }));
        await fh.sync();
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readLockFile(path);
    // An unreadable file is a lock being written right now (or garbage): wait, then judge by age.
    const stale = holder !== undefined && ((holder.host === content.host && !pidAlive(holder.pid)) || Date.now() - holder.acquiredAt > holder.ttlMs);
    if (stale) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `pid ${holder.pid} on ${holder.host} since ${new Date(holder.acquiredAt).toISOString()}` : 'an unknown owner';
      throw new EvrecError('CONFLICT', `publish lock ${path} is held by ${who}`, { details: { path } });
    }
    await sleep(options.retryMs ?? 200);
  }
  return {
    token,
    stillHeld: async () => (await readLockFile(path))?.token === token,
    release: async () => {
      if ((await readLockFile(path))?.token === token) await rm(path, { force: true });
    },
  };
}
