import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld, loadDataset } from '@evrec/data';
import { trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { trainRankerIntoBundle } from '@evrec/ranker';
import { buildIndexIntoBundle } from '@evrec/retrieval';
import { RedisFeatureStore } from '@evrec/store';

/**
 * `evrec serve --replicas 2` as a child process (a node:cluster primary and two API workers on one
 * port) over a tiny trained world whose store is in Redis (127.0.0.1:6379, a unique key prefix,
 * deleted afterwards): both replicas answer, a killed one is restarted, SIGTERM stops them all.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BIN = join(import.meta.dirname, '../../bin/evrec.mjs');
const keyPrefix = `evrec-test-serve-${process.pid}-${Date.now()}:`;
const root = await mkdtemp(join(tmpdir(), 'evrec-cli-serve-'));
const data = join(root, 'world');
const artifacts = join(root, 'artifacts');
let at = 0;
let store: RedisFeatureStore;

beforeAll(async () => {
  await generateWorld({ preset: 'tiny', seed: 3, users: 120, events: 100, outDir: data });
  const ds = await loadDataset(data);
  await trainEmbeddingsIntoBundle({ data: ds, artifactsDir: artifacts, publish: false, train: { epochs: 1, batchSize: 128, seed: 1, dims: 16, hidden: 32, textDims: 64, eventIdBuckets: 1024, validFraction: 0 } });
  at = (await buildIndexIntoBundle({ data: ds, artifactsDir: artifacts, horizonDays: 3650, publish: false })).meta.at;
  const ranker = await trainRankerIntoBundle({ data: ds, artifactsDir: artifacts, epochs: 1, towers: 'auto', network: { hidden: [8] }, calibration: 'platt', seed: 1 });
  ranker.ranker.dispose();
  store = await RedisFeatureStore.connect({ url: REDIS_URL, keyPrefix });
  await store.materialize(ds);
});

/** Every child started, killed at the end whatever happened (a timed-out test runs no `finally`). */
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await store?.clear();
  await store?.close();
  await rm(root, { recursive: true, force: true });
});

interface Running {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], env: Record<string, string>): Running {
  const proc = spawn(process.execPath, [BIN, 'serve', '--data', data, '--artifacts', artifacts, '--clock', String(at), '--host', '127.0.0.1', '--no-scoring-thread', ...args], {
    env: { ...process.env, EVREC_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => out, err: () => err, exited };
}

async function until<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on a new connection (the cluster balances connections, not requests); resolves to the replica header. */
function replicaOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/healthz`, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-evrec-replica'])) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('evrec serve --replicas', () => {
  it('refuses more than one replica without REDIS_URL, naming the option', async () => {
    const r = serve(['--replicas', '2', '--port', '0'], { REDIS_URL: '' });
    expect(await r.exited).toBe(2);
    expect(r.err()).toMatch(/evrec: CONFIG: --replicas 2 needs REDIS_URL/);
  });

  it('runs two replicas on one port, restarts one that dies, and stops them all on SIGTERM', async () => {
    const r = serve(['--replicas', '2', '--port', '0', '--key-prefix', keyPrefix], { REDIS_URL });
    try {
      const m = await until('both replicas', 90_000, () => {
        if (r.proc.exitCode !== null) throw new Error(`evrec serve exited: ${r.err()}`);
        return /evrec API: 2 replicas on (http:\/\/\S+) \(pids (\d+), (\d+)\)/.exec(r.out()) ?? undefined;
      });
      const url = m[1];
      const pids = [Number(m[2]), Number(m[3])];
      expect(r.out()).toMatch(/evrec API listening on http:\/\/127\.0\.0\.1:\d+/); // replica 1's banner
      const seen = new Set<string>();
      for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await replicaOf(url));
      expect(seen.size).toBe(2);
      for (const id of seen) expect(id).toMatch(/-r[12]-\d+$/);

      // A replica that dies is restarted (logged), and the set answers on both again.
      process.kill(pids[0], 'SIGKILL');
      const fresh = await until('the restarted replica', 60_000, async () => {
        const id = await replicaOf(url).catch(() => '');
        const pid = Number(/-r\d+-(\d+)$/.exec(id)?.[1]);
        return pid > 0 && !pids.includes(pid) ? pid : undefined;
      });
      expect(r.err()).toMatch(/restarting in \d+ ms/);

      r.proc.kill('SIGTERM');
      expect(await r.exited).toBe(0);
      for (const pid of [pids[1], fresh]) expect(alive(pid), `replica ${pid} still running`).toBe(false);
    } finally {
      if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    }
  });
});
