/**
 * Stalled-job recovery: a worker PROCESS is killed (SIGKILL) in the middle of the two-tower
 * training job; after its lock expires another worker takes the job over and the flow completes.
 * Nothing half-built is published: no partial version directories, and current points to a bundle
 * whose every checksum verifies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBundleVersions, openBundle, readCurrentPointer } from '@evrec/core';
import { generateWorld } from '@evrec/data';
import { bullConnection } from './connection.ts';
import { enqueueFlow, flowJobId } from './flows.ts';
import type { JobProgress } from './progress.ts';
import { waitForFlow } from './status.ts';
import { FAST_LOCKS, FAST_OPTIONS, TEST_REDIS_URL, obliterateQueues, uniquePrefix } from './test-harness.fixture.ts';
import { startWorkers, type RunningWorkers } from './workers.ts';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const prefix = uniquePrefix('crash');
let root: string;
let world: string;
let artifacts: string;
let others: RunningWorkers | undefined;
let rescuer: RunningWorkers | undefined;
let child: ChildProcess | undefined;

/** A separate worker process serving only the training queue. */
function spawnWorker(queues: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'libs/jobs/src/test-worker.fixture.ts'], {
    cwd: repoRoot,
    env: { ...process.env, EVREC_TEST_PREFIX: prefix, EVREC_TEST_QUEUES: queues },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(p);
    });
    p.on('exit', (code) => reject(new Error(`worker process exited (${code}) before it was ready: ${err.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-jobs-crash-'));
  world = join(root, 'world');
  artifacts = join(root, 'artifacts');
  await generateWorld({ preset: 'tiny', seed: 5, outDir: world });
  // This process serves every step but the training one, which only the child process serves.
  others = await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, queues: ['export-interactions', 'build-index', 'train-ranker', 'evaluate', 'publish'], ...FAST_LOCKS });
  child = await spawnWorker('train-embeddings');
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await others?.close();
  await rescuer?.close();
  await obliterateQueues(prefix);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a worker process killed mid-training', () => {
  it('loses nothing: another worker finishes the job and a whole bundle is published', async () => {
    const run = await enqueueFlow({ flow: 'retrain', source: { kind: 'dataset', dir: world }, artifactsDir: artifacts, options: FAST_OPTIONS, redisUrl: TEST_REDIS_URL, prefix });
    const training = new Queue('train-embeddings', { connection: bullConnection(TEST_REDIS_URL), prefix });
    try {
      const id = flowJobId(run.runId, 'train-embeddings');
      // Wait until the child process is inside the training job (it reports progress), then kill it.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const job = await training.getJob(id);
        const p = job?.progress as JobProgress | undefined;
        if (job && (await job.getState()) === 'active' && typeof p === 'object' && p.percent > 0) break;
        if (Date.now() > deadline) throw new Error('the training job never started in the worker process');
        await new Promise((r) => setTimeout(r, 100));
      }
      const exited = new Promise<NodeJS.Signals | null>((r) => child?.on('exit', (_code, signal) => r(signal)));
      child?.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // Killed mid-job: nothing was published, no version directory (partial or not) exists.
      expect(await readCurrentPointer(artifacts)).toBeUndefined();
      expect(await readdir(join(artifacts, 'versions'))).toEqual([]);
      expect(await training.getJobState(id)).toBe('active');

      // Another worker finds the job stalled once its lock expires and runs it to the end.
      rescuer = await startWorkers({ redisUrl: TEST_REDIS_URL, prefix, queues: ['train-embeddings'], ...FAST_LOCKS });
      const result = await waitForFlow({ redisUrl: TEST_REDIS_URL, prefix, run, pollMs: 250, timeoutMs: 150_000 });
      expect(result.outcome, result.reason).toBe('published');

      const job = await training.getJob(id);
      expect(await job?.getState()).toBe('completed');
      expect(job?.stalledCounter).toBe(1);
      expect(job?.attemptsMade).toBe(1);

      expect((await readCurrentPointer(artifacts))?.version).toBe(result.version);
      expect(await listBundleVersions(artifacts)).toEqual([result.version]);
      expect((await readdir(join(artifacts, 'versions'))).filter((d) => d.includes('.partial-'))).toEqual([]);
      const bundle = await openBundle(artifacts); // verifies every file's checksum
      expect(Object.keys(bundle.manifest.components)).toEqual(expect.arrayContaining(['embeddings', 'ann', 'ranker', 'evaluation']));
    } finally {
      await training.close();
    }
  });
});
