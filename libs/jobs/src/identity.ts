import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listBundleVersions, sha256File } from '@evrec/core';

/**
 * Content identity of runs: a snapshot is named by the hash of its data, a run's bundle version by
 * the hash of everything that determines it (snapshot, flow, options, base bundle, code version).
 * The same input therefore lands on the same version, and publishing it again is a no-op.
 */

/**
 * Revision of the training pipeline's code, part of every version hash. Deployments should set
 * `EVREC_CODE_VERSION` (image tag or commit) so new code retrains instead of no-op'ing; bump this
 * constant when the pipeline's output changes in a way the input hash cannot see.
 */
export const PIPELINE_CODE_VERSION = 'evrec-jobs/1';

export function codeVersion(env: Record<string, string | undefined> = process.env): string {
  return env.EVREC_CODE_VERSION !== undefined && env.EVREC_CODE_VERSION !== '' ? env.EVREC_CODE_VERSION : PIPELINE_CODE_VERSION;
}

/** JSON with object keys sorted at every level, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Manifest fields that differ between two exports of identical data. */
const VOLATILE_MANIFEST_FIELDS = ['createdAt'];

/**
 * Hash of a native dataset directory's content: every file's sha256 by name, with the manifest's
 * volatile fields (creation time) left out. Two exports of the same log hash equally.
 */
export async function datasetContentHash(dir: string): Promise<string> {
  const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name).sort();
  const parts: Array<[string, string]> = [];
  for (const name of names) {
    if (name === 'dataset.json') {
      const manifest = JSON.parse(await readFile(join(dir, name), 'utf8')) as Record<string, unknown>;
      for (const f of VOLATILE_MANIFEST_FIELDS) delete manifest[f];
      parts.push([name, sha256Hex(canonicalJson(manifest))]);
    } else {
      parts.push([name, await sha256File(join(dir, name))]);
    }
  }
  return sha256Hex(canonicalJson(parts));
}

/** Characters of the input hash that go into a version name. */
export const VERSION_HASH_LENGTH = 16;

/** `<UTC stamp>-<hash16>`: sorts by creation time (as `listBundleVersions` assumes) and names the input. */
export function versionIdFor(inputHash: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${inputHash.slice(0, VERSION_HASH_LENGTH)}`;
}

/** The published version built from this input, if any. */
export async function findVersionByInputHash(artifactsDir: string, inputHash: string): Promise<string | undefined> {
  const suffix = `-${inputHash.slice(0, VERSION_HASH_LENGTH)}`;
  return (await listBundleVersions(artifactsDir)).find((v) => v.endsWith(suffix));
}
