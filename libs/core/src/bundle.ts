import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { EvrecError } from './errors.ts';

/**
 * Artefact bundles. A trained system is one immutable, versioned directory:
 *
 *   <root>/work/                  mutable staging area the training commands write components into
 *   <root>/versions/<version>/    immutable published bundles (manifest.json + component folders)
 *   <root>/current.json           {version, publishedAt}: the pointer serving follows, swapped by rename
 *
 * Each component (`embeddings`, `ann`, `ranker`, ...) is a folder with its own files and a record in
 * the manifest: sha256 of every file, free-form metadata and metrics. Loading verifies checksums, so a
 * truncated or corrupted artefact is refused and the previous bundle keeps serving.
 */
export const BundleComponentSchema = z.object({
  createdAt: z.string(),
  files: z.record(z.string(), z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().min(0) })),
  meta: z.record(z.string(), z.unknown()).default({}),
  metrics: z.record(z.string(), z.number()).default({}),
});
export type BundleComponent = z.infer<typeof BundleComponentSchema>;

export const BundleManifestSchema = z.object({
  format: z.literal('evrec-bundle'),
  formatVersion: z.literal(1),
  version: z.string(),
  createdAt: z.string(),
  /** Dataset the bundle was trained on and the time cut used. */
  data: z.record(z.string(), z.unknown()).default({}),
  components: z.record(z.string(), BundleComponentSchema),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

const CurrentSchema = z.object({ version: z.string(), publishedAt: z.string() });

const MANIFEST = 'manifest.json';

/**
 * Redis pub/sub channel a publish is announced on, payload JSON `{version, publishedAt}`, sent after
 * `current.json` has been swapped. Publishers (libs/jobs) and the API's bundle manager (libs/serving)
 * share this contract.
 */
export const BUNDLE_PUBLISHED_CHANNEL = 'evrec:bundle:published';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

/** Whether anything exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EvrecError('CORRUPT_ARTIFACT', `${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** Atomic file replace: write a sibling temp file, then rename over the target. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export interface BundlePaths {
  root: string;
  work: string;
  versions: string;
  current: string;
}

export function bundlePaths(root: string): BundlePaths {
  return { root, work: join(root, 'work'), versions: join(root, 'versions'), current: join(root, 'current.json') };
}

/**
 * The mutable staging bundle under `<root>/work`. Training commands put components here; `publish`
 * freezes it into a version. `fromCurrent` seeds it with the published bundle's components so a
 * command that retrains one component keeps the others.
 */
export class WorkBundle {
  private constructor(readonly root: string, readonly dir: string, private manifest: BundleManifest) {}

  static async open(root: string, options: { fromCurrent?: boolean } = {}): Promise<WorkBundle> {
    const p = bundlePaths(root);
    await mkdir(p.work, { recursive: true });
    let manifest: BundleManifest;
    if (await pathExists(join(p.work, MANIFEST))) {
      manifest = parseManifest(await readJson(join(p.work, MANIFEST)), join(p.work, MANIFEST));
    } else {
      manifest = { format: 'evrec-bundle', formatVersion: 1, version: 'work', createdAt: new Date().toISOString(), data: {}, components: {} };
      const current = options.fromCurrent === false ? undefined : await readCurrentPointer(root);
      if (current) {
        const src = join(p.versions, current.version);
        const published = parseManifest(await readJson(join(src, MANIFEST)), join(src, MANIFEST));
        for (const name of Object.keys(published.components)) await cp(join(src, name), join(p.work, name), { recursive: true });
        manifest = { ...published, version: 'work' };
      }
      await writeFileAtomic(join(p.work, MANIFEST), JSON.stringify(manifest, null, 2));
    }
    return new WorkBundle(root, p.work, manifest);
  }

  get components(): Readonly<Record<string, BundleComponent>> {
    return this.manifest.components;
  }

  /** Folder for a component; emptied first so stale files never survive a retrain. */
  async componentDir(name: string, options: { clear?: boolean } = {}): Promise<string> {
    const d = join(this.dir, name);
    if (options.clear !== false) await rm(d, { recursive: true, force: true });
    await mkdir(d, { recursive: true });
    return d;
  }

  path(component: string, file = ''): string {
    return join(this.dir, component, file);
  }

  has(component: string): boolean {
    return component in this.manifest.components;
  }

  /** Records a component after its files are written: checksums every file in its folder. */
  async commitComponent(name: string, info: { meta?: Record<string, unknown>; metrics?: Record<string, number> } = {}): Promise<BundleComponent> {
    for (const [k, v] of Object.entries(info.metrics ?? {})) {
      // JSON turns NaN into null, which would make the manifest unreadable for every later command.
      if (!Number.isFinite(v)) throw new EvrecError('INVALID_INPUT', `component ${name}: metric ${k} is ${v}, not a finite number`, { field: `metrics.${k}` });
    }
    const d = join(this.dir, name);
    const files: BundleComponent['files'] = {};
    for (const f of await listFiles(d)) {
      files[relative(d, f)] = { sha256: await sha256File(f), bytes: (await stat(f)).size };
    }
    const component: BundleComponent = { createdAt: new Date().toISOString(), files, meta: info.meta ?? {}, metrics: info.metrics ?? {} };
    this.manifest.components[name] = component;
    await this.save();
    return component;
  }

  async setData(data: Record<string, unknown>): Promise<void> {
    this.manifest.data = { ...this.manifest.data, ...data };
    await this.save();
  }

  /** Drops a component (e.g. a ranker trained on embeddings that were just replaced). */
  async removeComponent(name: string): Promise<void> {
    delete this.manifest.components[name];
    await rm(join(this.dir, name), { recursive: true, force: true });
    await this.save();
  }

  private async save(): Promise<void> {
    await writeFileAtomic(join(this.dir, MANIFEST), JSON.stringify(this.manifest, null, 2));
  }

  /**
   * Freezes the work bundle into `versions/<version>` (verified copy) and, unless `setCurrent` is
   * false, swaps `current.json` to it atomically. Versions are immutable: publishing to an existing
   * version is a CONFLICT.
   */
  async publish(options: { version?: string; setCurrent?: boolean } = {}): Promise<{ version: string; dir: string }> {
    const p = bundlePaths(this.root);
    const version = options.version ?? newVersionId();
    const dest = join(p.versions, version);
    if (await pathExists(dest)) throw new EvrecError('CONFLICT', `bundle version ${version} already exists`, { details: { version } });
    const staging = `${dest}.partial-${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { recursive: true });
    for (const name of Object.keys(this.manifest.components)) await cp(join(this.dir, name), join(staging, name), { recursive: true });
    const manifest: BundleManifest = { ...this.manifest, version, createdAt: new Date().toISOString() };
    await writeFile(join(staging, MANIFEST), JSON.stringify(manifest, null, 2));
    await verifyBundleDir(staging);
    await rename(staging, dest);
    if (options.setCurrent !== false) await setCurrentVersion(this.root, version);
    return { version, dir: dest };
  }
}

export function newVersionId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function parseManifest(value: unknown, where: string): BundleManifest {
  const r = BundleManifestSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new EvrecError('CORRUPT_ARTIFACT', `${where}: invalid bundle manifest at ${first?.path.join('.') ?? '?'}: ${first?.message ?? ''}`);
  }
  return r.data;
}

export async function readCurrentPointer(root: string): Promise<{ version: string; publishedAt: string } | undefined> {
  const p = bundlePaths(root).current;
  if (!(await pathExists(p))) return undefined;
  const r = CurrentSchema.safeParse(await readJson(p));
  if (!r.success) throw new EvrecError('CORRUPT_ARTIFACT', `${p}: invalid current pointer`);
  return r.data;
}

export async function setCurrentVersion(root: string, version: string): Promise<void> {
  const p = bundlePaths(root);
  if (!(await pathExists(join(p.versions, version, MANIFEST)))) throw new EvrecError('NOT_FOUND', `bundle version ${version} not found under ${p.versions}`);
  await writeFileAtomic(p.current, JSON.stringify({ version, publishedAt: new Date().toISOString() }) + '\n');
}

/** Verifies every file's checksum; throws CORRUPT_ARTIFACT naming the first bad file. */
export async function verifyBundleDir(dir: string): Promise<BundleManifest> {
  const manifest = parseManifest(await readJson(join(dir, MANIFEST)).catch((e: unknown) => {
    if (e instanceof EvrecError) throw e;
    throw new EvrecError('CORRUPT_ARTIFACT', `${dir}: no readable ${MANIFEST}`, { cause: e });
  }), join(dir, MANIFEST));
  for (const [name, c] of Object.entries(manifest.components)) {
    for (const [file, { sha256, bytes }] of Object.entries(c.files)) {
      const path = join(dir, name, file);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch {
        throw new EvrecError('CORRUPT_ARTIFACT', `${path}: missing (listed in the manifest)`);
      }
      if (size !== bytes) throw new EvrecError('CORRUPT_ARTIFACT', `${path}: ${size} bytes, manifest says ${bytes}`);
      if ((await sha256File(path)) !== sha256) throw new EvrecError('CORRUPT_ARTIFACT', `${path}: checksum mismatch`);
    }
  }
  return manifest;
}

export interface OpenedBundle {
  version: string;
  dir: string;
  manifest: BundleManifest;
  path(component: string, file?: string): string;
  has(component: string): boolean;
}

/**
 * Opens a published bundle (`version` default: the current pointer) or the work bundle
 * (`version: 'work'`), verifying checksums unless `verify` is false.
 */
export async function openBundle(root: string, options: { version?: string; verify?: boolean } = {}): Promise<OpenedBundle> {
  const p = bundlePaths(root);
  let version = options.version;
  let dir: string;
  if (version === 'work') dir = p.work;
  else {
    if (version === undefined) {
      const cur = await readCurrentPointer(root);
      if (!cur) throw new EvrecError('NOT_FOUND', `no published bundle under ${root} (no current.json); train and publish first`);
      version = cur.version;
    }
    dir = join(p.versions, version);
  }
  if (!(await pathExists(join(dir, MANIFEST)))) throw new EvrecError('NOT_FOUND', `no bundle manifest at ${join(dir, MANIFEST)}`);
  const manifest = options.verify === false ? parseManifest(await readJson(join(dir, MANIFEST)), join(dir, MANIFEST)) : await verifyBundleDir(dir);
  return {
    version: version ?? 'work',
    dir,
    manifest,
    path: (component, file = '') => join(dir, component, file),
    has: (component) => component in manifest.components,
  };
}

/** Lists published versions, oldest first. */
export async function listBundleVersions(root: string): Promise<string[]> {
  const p = bundlePaths(root);
  if (!(await pathExists(p.versions))) return [];
  return (await readdir(p.versions, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && !d.name.includes('.partial-'))
    .map((d) => d.name)
    .sort();
}
