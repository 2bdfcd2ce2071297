import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { EvrecError } from '@evrec/core';

export type FsyncPolicy = 'always' | 'never';

/**
 * An append-only JSON Lines file. `append()` writes a whole call's records with one synchronous
 * write (so a record is never interleaved with another) and, under the `always` policy, fsyncs
 * before returning. A crash can leave at most one torn last line; `readLines()` reports it and
 * `AppendLog.open()` truncates it away.
 */
export class AppendLog {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    private readonly fsync: FsyncPolicy,
  ) {}

  /**
   * Opens (creating) the file for appending. Existing records are passed to `replay` in order first,
   * and a torn last line is cut off so new appends start on a clean line.
   */
  static async open(path: string, fsync: FsyncPolicy, replay: (l: LogLine) => void = () => undefined): Promise<AppendLog> {
    const stats: ScanStats = { completeBytes: 0, tornBytes: 0 };
    for await (const l of logLines(path, stats)) replay(l);
    if (stats.tornBytes > 0) {
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, stats.completeBytes);
      } finally {
        closeSync(fd);
      }
    }
    return new AppendLog(path, openSync(path, 'a'), fsync);
  }

  append(records: readonly unknown[]): void {
    if (records.length === 0) return;
    const fd = this.requireOpen();
    const text = records.map((r) => JSON.stringify(r) + '\n').join('');
    try {
      writeSync(fd, text);
      if (this.fsync === 'always') fsyncSync(fd);
    } catch (e) {
      throw new EvrecError('UNAVAILABLE', `cannot append to log ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }

  truncate(): void {
    const fd = this.requireOpen();
    ftruncateSync(fd, 0);
    if (this.fsync === 'always') fsyncSync(fd);
  }

  /** Flushes to disk (whatever the policy: a clean shutdown never loses records) and closes. */
  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    this.fd = undefined;
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new EvrecError('UNAVAILABLE', `log ${this.path} is closed`);
    return this.fd;
  }
}

export interface LogLine {
  /** 1-based line number. */
  line: number;
  value: unknown;
}

export interface ScanStats {
  /** Bytes up to and including the last newline. */
  completeBytes: number;
  /** Bytes after it: a torn last write. */
  tornBytes: number;
}

/**
 * Yields every complete line of `path` parsed as JSON (a missing file reads as empty). A malformed
 * complete line is INVALID_DATA with its location; an unterminated last line is a torn write: it is
 * skipped and its size lands in `stats.tornBytes`.
 */
export async function* logLines(path: string, stats: ScanStats = { completeBytes: 0, tornBytes: 0 }): AsyncGenerator<LogLine> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new EvrecError('UNAVAILABLE', `cannot read log ${path}: ${(e as Error).message}`, { cause: e });
  }
  let pending = Buffer.alloc(0);
  let line = 0;
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
      const buf = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        line++;
        // Splitting on the byte is safe: 0x0a never occurs inside a multi-byte UTF-8 character.
        const text = buf.toString('utf8', start, nl);
        stats.completeBytes += nl + 1 - start;
        start = nl + 1;
        if (text.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new EvrecError('INVALID_DATA', `log line is not valid JSON: ${(e as Error).message}`, {
            location: { file: path, line },
            cause: e,
          });
        }
        yield { line, value };
      }
      pending = Buffer.from(buf.subarray(start));
    }
  } finally {
    await handle.close();
  }
  stats.tornBytes = pending.length;
}
