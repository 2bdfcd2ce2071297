/**
 * The on-disk form of an AnnIndex: a directory holding
 *   index.hnsw     hnswlib's own graph file (writeIndex)
 *   vectors.f32    the normalised vectors, row = label, little-endian float32, labels × dims
 *   ids.json       { ids: string[] (label → id), deleted: number[] (removed labels) }
 *   manifest.json  format, params, counts and the byte size + sha256 of each file above
 * The manifest is written last, so a directory without one is an unfinished save.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, stat, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { EvrecError } from '@evrec/core';

export const ANN_FORMAT = 'evrec.ann';
export const ANN_FORMAT_VERSION = 1;
export const ANN_FILES = { index: 'index.hnsw', vectors: 'vectors.f32', ids: 'ids.json' } as const;
export const ANN_MANIFEST_FILE = 'manifest.json';

export type AnnFileRole = keyof typeof ANN_FILES;

export interface AnnFileEntry {
  /** File name inside the artefact directory. */
  path: string;
  bytes: number;
  /** Hex sha256 of the file's bytes. */
  sha256: string;
}

export interface AnnManifest {
  format: typeof ANN_FORMAT;
  version: typeof ANN_FORMAT_VERSION;
  /** Always inner product over L2-normalised vectors (cosine similarity). */
  space: 'ip';
  dims: number;
  M: number;
  efConstruction: number;
  /** Default search ef restored on load. */
  ef: number;
  /** hnswlib's level-generator seed used for the build. */
  seed: number;
  /** Live (searchable) items. */
  count: number;
  /** Labels handed out, live or removed; rows in vectors.f32 and entries in ids.json. */
  labels: number;
  /** Removed labels still occupying graph slots. */
  deleted: number;
  files: Record<AnnFileRole, AnnFileEntry>;
  /** Epoch ms. */
  savedAt: number;
}

/** The sidecar listing label → id and the removed labels. */
export interface AnnIdsFile {
  ids: string[];
  deleted: number[];
}

export function corrupt(dir: string, message: string, cause?: unknown): EvrecError {
  return new EvrecError('CORRUPT_ARTIFACT', `ANN index at ${dir}: ${message}`, { details: { dir }, cause });
}

/** Vectors are stored in the machine's float layout; every machine we target is little-endian. */
export function assertLittleEndian(): void {
  if (endianness() !== 'LE') {
    throw new EvrecError('UNSUPPORTED', 'ANN vector files are little-endian float32; this machine is big-endian');
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Streams the file through sha256 so a 400 MB graph file is not held twice in memory. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function fileEntry(dir: string, name: string): Promise<AnnFileEntry> {
  const path = join(dir, name);
  const [info, sha256] = await Promise.all([stat(path), sha256File(path)]);
  return { path: name, bytes: info.size, sha256 };
}

/** Writes via a temporary name and a rename, so a reader never sees half a file under the real name. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.partial`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

function isInt(v: unknown, min: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Checks the manifest's shape by hand (a zod schema would need zod as a dependency of this lib). */
export function validateManifest(dir: string, raw: unknown): AnnManifest {
  const m = raw as Partial<Record<keyof AnnManifest, unknown>> | null;
  if (typeof m !== 'object' || m === null) throw corrupt(dir, 'manifest is not a JSON object');
  if (m.format !== ANN_FORMAT) throw corrupt(dir, `manifest format is ${String(m.format)}, expected ${ANN_FORMAT}`);
  if (m.version !== ANN_FORMAT_VERSION) throw corrupt(dir, `manifest version ${String(m.version)} is not supported (expected ${ANN_FORMAT_VERSION})`);
  if (m.space !== 'ip') throw corrupt(dir, `manifest space ${String(m.space)} is not supported`);
  for (const [key, min] of [['dims', 1], ['M', 2], ['efConstruction', 1], ['ef', 1], ['seed', 0], ['count', 0], ['labels', 0], ['deleted', 0], ['savedAt', 0]] as const) {
    if (!isInt(m[key], min)) throw corrupt(dir, `manifest.${key} must be an integer ≥ ${min}`);
  }
  if ((m.count as number) + (m.deleted as number) !== m.labels) throw corrupt(dir, 'manifest count + deleted ≠ labels');
  const files = m.files as Record<string, Partial<AnnFileEntry>> | undefined;
  if (typeof files !== 'object' || files === null) throw corrupt(dir, 'manifest.files is missing');
  for (const role of Object.keys(ANN_FILES) as AnnFileRole[]) {
    const f = files[role];
    if (typeof f !== 'object' || f === null || f.path !== ANN_FILES[role] || !isInt(f.bytes, 0) || typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) {
      throw corrupt(dir, `manifest.files.${role} is missing or malformed`);
    }
  }
  return m as AnnManifest;
}

/** Checks sizes always (cheap, and a truncated graph file must never reach native code) and checksums when asked. */
export async function verifyFiles(dir: string, manifest: AnnManifest, checksums: boolean): Promise<void> {
  await Promise.all(
    (Object.keys(ANN_FILES) as AnnFileRole[]).map(async (role) => {
      const entry = manifest.files[role];
      const path = join(dir, entry.path);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (e) {
        throw corrupt(dir, `${entry.path} is missing`, e);
      }
      if (size !== entry.bytes) throw corrupt(dir, `${entry.path} is ${size} bytes, the manifest says ${entry.bytes} (truncated or replaced)`);
      if (checksums) {
        const sha = await sha256File(path);
        if (sha !== entry.sha256) throw corrupt(dir, `${entry.path} fails its sha256 checksum`);
      }
    }),
  );
}

/** Checks the ids sidecar against the manifest. */
export function validateIdsFile(dir: string, manifest: AnnManifest, raw: unknown): AnnIdsFile {
  const f = raw as Partial<AnnIdsFile> | null;
  if (typeof f !== 'object' || f === null || !Array.isArray(f.ids) || !Array.isArray(f.deleted)) throw corrupt(dir, 'ids.json is malformed');
  if (f.ids.length !== manifest.labels) throw corrupt(dir, `ids.json lists ${f.ids.length} ids, the manifest says ${manifest.labels}`);
  if (f.deleted.length !== manifest.deleted) throw corrupt(dir, `ids.json lists ${f.deleted.length} removed labels, the manifest says ${manifest.deleted}`);
  for (const id of f.ids) if (typeof id !== 'string') throw corrupt(dir, 'ids.json holds a non-string id');
  for (const l of f.deleted) if (!isInt(l, 0) || l >= manifest.labels) throw corrupt(dir, `ids.json holds an invalid removed label ${String(l)}`);
  return f as AnnIdsFile;
}
