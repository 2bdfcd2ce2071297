import { mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EvrecError, WorkBundle, bundlePaths, pathExists } from '@evrec/core';

/**
 * Directory layout the jobs add to an artefact root (core owns `versions/`, `current.json`, `work/`):
 *
 *   runs/<runId>/               one flow run's private bundle root: its own `work/` (so two runs never
 *                               mix), `versions` → the shared `../../versions`, and a `current.json`
 *                               pinning the version the run started from
 *   snapshots/<snapshotId>/     immutable dataset snapshots, named by their content hash
 *   publish-log.jsonl           one line per publish attempt (published, refused, no-op)
 *   publish.lock                the inline-mode publish lock
 */
export interface JobPaths {
  root: string;
  runs: string;
  snapshots: string;
  publishLog: string;
  publishLock: string;
}

export function jobPaths(artifactsDir: string): JobPaths {
  const root = resolve(artifactsDir);
  return {
    root,
    runs: join(root, 'runs'),
    snapshots: join(root, 'snapshots'),
    publishLog: join(root, 'publish-log.jsonl'),
    publishLock: join(root, 'publish.lock'),
  };
}

export function runRootOf(artifactsDir: string, runId: string): string {
  return join(jobPaths(artifactsDir).runs, runId);
}


/**
 * Creates a run's private bundle root, replacing any earlier attempt of the same run (the first step
 * of a flow calls this, so a retried first step starts clean). With `baseVersion`, the work bundle
 * starts as a copy of that published version (index refresh); without, it starts empty (retrain).
 */
export async function prepareRunRoot(artifactsDir: string, runId: string, baseVersion: string | null): Promise<string> {
  const root = resolve(artifactsDir);
  const runRoot = runRootOf(root, runId);
  await rm(runRoot, { recursive: true, force: true });
  await mkdir(runRoot, { recursive: true });
  await mkdir(bundlePaths(root).versions, { recursive: true });
  // Publishing from the run root writes into the shared versions/ through this link, so the
  // staging-then-rename of WorkBundle.publish stays inside one directory (atomic).
  await symlink(join('..', '..', 'versions'), join(runRoot, 'versions'), 'dir');
  if (baseVersion !== null) {
    await writeFile(join(runRoot, 'current.json'), JSON.stringify({ version: baseVersion, publishedAt: new Date().toISOString() }) + '\n');
  }
  await WorkBundle.open(runRoot, { fromCurrent: baseVersion !== null });
  return runRoot;
}

/** The run's work bundle; NOT_FOUND when the run root is gone (never silently a fresh one). */
export async function openRunWork(runRoot: string): Promise<WorkBundle> {
  if (!(await pathExists(join(runRoot, 'work', 'manifest.json')))) {
    throw new EvrecError('NOT_FOUND', `run work bundle ${join(runRoot, 'work')} does not exist (the run was cleaned up or never exported)`);
  }
  return WorkBundle.open(runRoot);
}

export async function removeRunRoot(runRoot: string): Promise<void> {
  await rm(runRoot, { recursive: true, force: true });
}

/** Removes run roots untouched for longer than `maxAgeMs` (runs that failed and were parked). */
export async function pruneStaleRuns(artifactsDir: string, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  const { runs } = jobPaths(artifactsDir);
  if (!(await pathExists(runs))) return [];
  const removed: string[] = [];
  for (const d of await readdir(runs, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    const p = join(runs, d.name);
    const s = await stat(p);
    if (now - s.mtimeMs > maxAgeMs) {
      await rm(p, { recursive: true, force: true });
      removed.push(d.name);
    }
  }
  return removed;
}

/**
 * Removes snapshots untouched for longer than `maxAgeMs` except those in `keep` (a snapshot is
 * touched whenever a run uses it, so in-flight runs keep theirs).
 */
export async function pruneSnapshots(artifactsDir: string, keep: ReadonlySet<string>, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  const { snapshots } = jobPaths(artifactsDir);
  if (!(await pathExists(snapshots))) return [];
  const removed: string[] = [];
  for (const d of await readdir(snapshots, { withFileTypes: true })) {
    if (!d.isDirectory() || keep.has(d.name)) continue;
    const p = join(snapshots, d.name);
    if (now - (await stat(p)).mtimeMs > maxAgeMs) {
      await rm(p, { recursive: true, force: true });
      removed.push(d.name);
    }
  }
  return removed;
}
