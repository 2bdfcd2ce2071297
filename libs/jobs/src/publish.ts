import { createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import {
  EvrecError,
  bundlePaths,
  listBundleVersions,
  openBundle,
  readCurrentPointer,
  setCurrentVersion,
  verifyBundleDir,
  type BundleManifest,
  type ProgressReporter,
} from '@evrec/core';
import { componentFingerprint } from '@evrec/ranker';
import { findVersionByInputHash } from './identity.ts';
import { BUNDLE_PUBLISHED_CHANNEL } from './job-types.ts';
import { acquireFileLock, acquireRedisLock, type HeldLock, type LockOptions } from './locks.ts';
import { bundleMetrics, checkQualityGate } from './quality-gate.ts';
import { jobPaths, openRunWork } from './run-dirs.ts';
import type { PublishRecord, QualityGateConfig } from './schemas.ts';

export interface PublishWorkOptions {
  /** Artefact root: versions/ and current.json are swapped here. */
  artifactsDir: string;
  /** Bundle root whose `work/` is published: a run root, or `artifactsDir` itself for the shared work bundle. */
  workRoot: string;
  /** Version name to publish as. */
  version: string;
  /** When given and a version built from this input exists, the publish is a no-op. */
  inputHash?: string;
  gate: QualityGateConfig;
  /** Components the bundle must hold. Default embeddings, ann, ranker. */
  requiredComponents?: string[];
  /** Lock (Redis lock instead of the lock file) and announce the new version on it. */
  redis?: Redis;
  lock?: LockOptions;
  /** Keep at most this many published versions (never deleting current or the one before). Default 48; 0 keeps all. */
  retainVersions?: number;
  runId?: string;
  flow?: string;
  progress?: ProgressReporter;
}

/** Redis key of the publish lock of one artefact root (roots on a shared filesystem share it). */
export function publishLockKey(artifactsDir: string): string {
  return `evrec:lock:publish:${createHash('sha256').update(resolve(artifactsDir)).digest('hex').slice(0, 16)}`;
}

export async function appendPublishRecord(artifactsDir: string, record: PublishRecord): Promise<void> {
  const { root, publishLog } = jobPaths(artifactsDir);
  await mkdir(root, { recursive: true });
  // One write of one line under O_APPEND: concurrent appenders never interleave within a record.
  await appendFile(publishLog, JSON.stringify(record) + '\n');
}

/** The last `limit` records of `publish-log.jsonl`, oldest first. */
export async function readPublishLog(artifactsDir: string, limit = 20): Promise<PublishRecord[]> {
  let text: string;
  try {
    text = await readFile(jobPaths(artifactsDir).publishLog, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out: PublishRecord[] = [];
  for (const line of lines.slice(-limit)) {
    try {
      out.push(JSON.parse(line) as PublishRecord);
    } catch {
      // A torn last line (crash mid-append) is skipped rather than failing the reader.
    }
  }
  return out;
}

/** Removes `versions/*.partial-*` left by a publish that crashed mid-copy (only under the lock). */
async function removePartialVersions(artifactsDir: string): Promise<void> {
  const { versions } = bundlePaths(artifactsDir);
  let entries: string[];
  try {
    entries = await readdir(versions);
  } catch {
    return;
  }
  for (const name of entries) if (name.includes('.partial-')) await rm(join(versions, name), { recursive: true, force: true });
}

async function pruneVersions(artifactsDir: string, retain: number): Promise<string[]> {
  if (retain <= 0) return [];
  const versions = await listBundleVersions(artifactsDir);
  const current = (await readCurrentPointer(artifactsDir))?.version;
  const keep = new Set(versions.slice(-Math.max(retain, 2)));
  if (current !== undefined) keep.add(current);
  const removed = versions.filter((v) => !keep.has(v));
  for (const v of removed) await rm(join(bundlePaths(artifactsDir).versions, v), { recursive: true, force: true });
  return removed;
}

/**
 * Checks the bundle is whole and self-consistent before anything is copied: every file's checksum,
 * the required components, the index built from these embeddings, the ranker trained with them.
 */
async function verifyCandidate(workDir: string, required: readonly string[]): Promise<BundleManifest> {
  const manifest = await verifyBundleDir(workDir);
  const missing = required.filter((c) => !(c in manifest.components));
  if (missing.length > 0) {
    throw new EvrecError('CORRUPT_ARTIFACT', `the bundle in ${workDir} is incomplete: no ${missing.join(', ')} component`, { details: { missing } });
  }
  const emb = manifest.components.embeddings;
  const ann = manifest.components.ann;
  if (emb !== undefined && ann !== undefined && ann.meta.embeddingsTrainedAt !== emb.meta.trainedAt) {
    throw new EvrecError('CORRUPT_ARTIFACT', `the index in ${workDir} was built from other embeddings than the bundle's`);
  }
  const towers = manifest.components.ranker?.meta.towers as { embeddingsFingerprint?: string } | null | undefined;
  if (emb !== undefined && towers?.embeddingsFingerprint !== undefined && towers.embeddingsFingerprint !== componentFingerprint(emb.files)) {
    throw new EvrecError('CORRUPT_ARTIFACT', `the ranker in ${workDir} was trained with other embeddings than the bundle's`);
  }
  return manifest;
}

/**
 * Publishes a work bundle under the publish lock: no-op when the version (or one built from the same
 * input) exists; verifies every component; applies the quality gate against the current bundle;
 * freezes the bundle into `versions/<version>` (immutable), swaps `current.json` atomically and
 * announces `{version, publishedAt}` on Redis. Every outcome is appended to `publish-log.jsonl` and
 * returned. Throws CORRUPT_ARTIFACT for a bundle that fails verification, CONFLICT when the lock
 * stays taken.
 */
export async function publishWork(options: PublishWorkOptions): Promise<PublishRecord> {
  const artifactsDir = resolve(options.artifactsDir);
  const progress = options.progress ?? (() => undefined);
  const lock: HeldLock = options.redis
    ? await acquireRedisLock(options.redis, publishLockKey(artifactsDir), options.lock)
    : await acquireFileLock(jobPaths(artifactsDir).publishLock, options.lock);
  try {
    progress({ stage: 'publish.verify', done: 0, total: 3 });
    await removePartialVersions(artifactsDir);
    const previous = (await readCurrentPointer(artifactsDir))?.version ?? null;
    const base = { runId: options.runId ?? null, flow: options.flow ?? null, previous };
    const existing = options.inputHash === undefined ? undefined : await findVersionByInputHash(artifactsDir, options.inputHash);
    const sameName = (await listBundleVersions(artifactsDir)).includes(options.version);
    if (existing !== undefined || sameName) {
      const version = existing ?? options.version;
      const record: PublishRecord = {
        at: new Date().toISOString(),
        outcome: 'noop',
        version,
        ...base,
        reason: `version ${version} already exists (built from the same input); nothing to publish`,
        gate: [],
        metrics: {},
        announced: false,
      };
      await appendPublishRecord(artifactsDir, record);
      return record;
    }

    const work = await openRunWork(options.workRoot);
    const manifest = await verifyCandidate(work.dir, options.requiredComponents ?? ['embeddings', 'ann', 'ranker']);
    const metrics = bundleMetrics(manifest);
    progress({ stage: 'publish.gate', done: 1, total: 3 });
    const currentMetrics = previous === null ? undefined : bundleMetrics((await openBundle(artifactsDir, { version: previous, verify: false })).manifest);
    const indexed = manifest.components.ann?.meta.count;
    const verdict = checkQualityGate(metrics, currentMetrics, options.gate, typeof indexed === 'number' ? indexed : undefined);
    if (!verdict.pass) {
      const record: PublishRecord = {
        at: new Date().toISOString(),
        outcome: 'refused',
        version: options.version,
        ...base,
        reason: `quality gate: ${verdict.reason ?? 'refused'}`,
        gate: verdict.checks,
        metrics,
        announced: false,
      };
      await appendPublishRecord(artifactsDir, record);
      return record;
    }

    progress({ stage: 'publish.copy', done: 2, total: 3 });
    await work.publish({ version: options.version, setCurrent: false });
    // A lock lost mid-copy (expired) means someone else may be swapping: leave the pointer alone.
    if (!(await lock.stillHeld())) throw new EvrecError('CONFLICT', 'the publish lock expired while copying; the version is stored but not made current');
    await setCurrentVersion(artifactsDir, options.version);
    const pointer = await readCurrentPointer(artifactsDir);
    let announced = false;
    if (options.redis && pointer) {
      try {
        await options.redis.publish(BUNDLE_PUBLISHED_CHANNEL, JSON.stringify({ version: pointer.version, publishedAt: pointer.publishedAt }));
        announced = true;
      } catch {
        // The pointer is swapped either way; the API also watches current.json.
      }
    }
    const record: PublishRecord = { at: new Date().toISOString(), outcome: 'published', version: options.version, ...base, gate: verdict.checks, metrics, announced };
    await appendPublishRecord(artifactsDir, record);
    await pruneVersions(artifactsDir, options.retainVersions ?? 48);
    progress({ stage: 'publish.done', done: 3, total: 3 });
    return record;
  } finally {
    await lock.release();
  }
}
