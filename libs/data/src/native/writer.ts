import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Event, Friendship, Interaction, User } from '@evrec/core';
import { DATASET_FILES, FORMAT_VERSION, MANIFEST_FILE, type DatasetManifest, type DatasetTable } from './format.ts';

/** Buffers lines and writes them in chunks; awaits the stream only under backpressure. */
class JsonlSink {
  private parts: string[] = [];
  private size = 0;
  count = 0;
  constructor(private readonly stream: WriteStream, private readonly chunkBytes: number) {}

  write(value: unknown): Promise<void> | undefined {
    const line = JSON.stringify(value) + '\n';
    this.parts.push(line);
    this.size += line.length;
    this.count++;
    if (this.size < this.chunkBytes) return undefined;
    return this.flush();
  }

  flush(): Promise<void> | undefined {
    if (this.parts.length === 0) return undefined;
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    if (ok) return undefined;
    return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

export interface DatasetWriterOptions {
  /** Dataset name for the manifest. */
  name: string;
  /** Provenance recorded in the manifest. */
  source?: Record<string, unknown>;
  /** Bytes buffered per table before a write. Default 256 KiB. */
  chunkBytes?: number;
}

/**
 * Streams a native dataset to `dir` in bounded memory. Each write returns a promise only when the
 * file stream needs draining, so hot loops can do `const p = w.interaction(x); if (p) await p;`.
 * Files are written as `*.partial` and renamed on `close()`, so a crashed run never leaves a
 * dataset that looks complete.
 */
export class DatasetWriter {
  private readonly sinks: Record<DatasetTable, JsonlSink>;
  private minAt = Infinity;
  private maxAt = -Infinity;
  private lastAt = -Infinity;
  private sorted = true;

  private constructor(readonly dir: string, private readonly options: DatasetWriterOptions) {
    const chunk = options.chunkBytes ?? 256 * 1024;
    const open = (t: DatasetTable) => new JsonlSink(createWriteStream(join(dir, DATASET_FILES[t] + '.partial'), { highWaterMark: 1 << 20 }), chunk);
    this.sinks = { users: open('users'), events: open('events'), friendships: open('friendships'), interactions: open('interactions') };
  }

  static async open(dir: string, options: DatasetWriterOptions): Promise<DatasetWriter> {
    await mkdir(dir, { recursive: true });
    return new DatasetWriter(dir, options);
  }

  user(u: User): Promise<void> | undefined {
    return this.sinks.users.write(u);
  }
  event(e: Event): Promise<void> | undefined {
    return this.sinks.events.write(e);
  }
  friendship(f: Friendship): Promise<void> | undefined {
    return this.sinks.friendships.write(f);
  }
  interaction(i: Interaction): Promise<void> | undefined {
    if (i.at < this.lastAt) this.sorted = false;
    this.lastAt = i.at;
    if (i.at < this.minAt) this.minAt = i.at;
    if (i.at > this.maxAt) this.maxAt = i.at;
    return this.sinks.interactions.write(i);
  }

  get counts(): DatasetManifest['counts'] {
    return {
      users: this.sinks.users.count,
      events: this.sinks.events.count,
      friendships: this.sinks.friendships.count,
      interactions: this.sinks.interactions.count,
    };
  }

  /** Gives up: closes the files and deletes the partial outputs (for imports that failed midway). */
  async abort(): Promise<void> {
    for (const t of Object.keys(this.sinks) as DatasetTable[]) {
      await this.sinks[t].close().catch(() => undefined);
      await rm(join(this.dir, DATASET_FILES[t] + '.partial'), { force: true });
    }
  }

  /** Flushes, renames the files into place and writes the manifest last. */
  async close(): Promise<DatasetManifest> {
    for (const t of Object.keys(this.sinks) as DatasetTable[]) await this.sinks[t].close();
    for (const t of Object.keys(this.sinks) as DatasetTable[]) {
      await rename(join(this.dir, DATASET_FILES[t] + '.partial'), join(this.dir, DATASET_FILES[t]));
    }
    const manifest: DatasetManifest = {
      format: 'evrec-dataset',
      formatVersion: FORMAT_VERSION,
      name: this.options.name,
      source: this.options.source ?? {},
      createdAt: new Date().toISOString(),
      counts: this.counts,
      interactionsSorted: this.sorted,
      timeRange: this.minAt === Infinity ? null : [this.minAt, this.maxAt],
    };
    await writeFile(join(this.dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    return manifest;
  }
}
