import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { EvrecError, pathExists, type ProgressReporter } from '@evrec/core';
import { DatasetManifestSchema, type DatasetManifest } from '@evrec/data';
import { createFeatureStore } from '@evrec/store';
import { datasetContentHash } from './identity.ts';
import { jobPaths } from './run-dirs.ts';
import type { Source } from './schemas.ts';

export interface Snapshot {
  /** First 16 hex digits of the content hash; also the directory name. */
  id: string;
  hash: string;
  dir: string;
  manifest: DatasetManifest;
}


async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, 'dataset.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new EvrecError('INVALID_DATA', `${path}: unreadable dataset manifest: ${(e as Error).message}`, { location: { file: path, line: 1 }, cause: e });
  }
  const r = DatasetManifestSchema.safeParse(json);
  if (!r.success) throw new EvrecError('INVALID_DATA', `${path}: invalid dataset manifest: ${r.error.issues[0]?.message ?? ''}`, { location: { file: path, line: 1 } });
  return r.data;
}

/** Copies the files of a native dataset directory (the format is flat). */
async function copyDatasetFiles(from: string, to: string): Promise<void> {
  if (!(await pathExists(join(from, 'dataset.json')))) throw new EvrecError('NOT_FOUND', `${from} is not a native dataset (no dataset.json)`);
  await mkdir(to, { recursive: true });
  for (const d of await readdir(from, { withFileTypes: true })) if (d.isFile()) await copyFile(join(from, d.name), join(to, d.name));
}

/**
 * Freezes the run's input into `<artifacts>/snapshots/<id>`, named by its content hash: a dataset
 * directory is copied (it may change while training runs), a feature store's interaction log is
 * exported with its catalogue. An identical snapshot that exists already is reused, so exporting
 * the same data twice gives the same id.
 */
export async function takeSnapshot(source: Source, artifactsDir: string, progress: ProgressReporter): Promise<Snapshot> {
  const { snapshots } = jobPaths(artifactsDir);
  await mkdir(snapshots, { recursive: true });
  const tmp = join(snapshots, `.tmp-${randomBytes(6).toString('hex')}`);
  try {
    progress({ stage: 'export.read', done: 0, total: 2 });
    if (source.kind === 'dataset') {
      await copyDatasetFiles(source.dir, tmp);
    } else {
      const store = await createFeatureStore({ redisUrl: source.redisUrl, keyPrefix: source.keyPrefix, logPath: source.logPath, connectTimeoutMs: source.connectTimeoutMs });
      try {
        await store.exportLog({ outDir: tmp, from: source.from, to: source.to, name: 'store-export' });
      } finally {
        await store.close();
      }
    }
    progress({ stage: 'export.hash', done: 1, total: 2 });
    const hash = await datasetContentHash(tmp);
    const id = hash.slice(0, 16);
    const dir = join(snapshots, id);
    if (await pathExists(join(dir, 'dataset.json'))) {
      await rm(tmp, { recursive: true, force: true });
      // Touched on reuse: snapshot pruning spares what runs use.
      const now = new Date();
      await utimes(dir, now, now);
    } else {
      try {
        await rename(tmp, dir);
      } catch (e) {
        // Another run froze the same content first (rename onto a non-empty directory fails): use it.
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        await rm(tmp, { recursive: true, force: true });
      }
    }
    progress({ stage: 'export.done', done: 2, total: 2 });
    return { id, hash, dir, manifest: await readManifest(dir) };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
