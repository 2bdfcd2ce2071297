import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  EvrecError,
  EventSchema,
  FriendshipSchema,
  InteractionSchema,
  UserSchema,
  formatPath,
  silentProgress,
  type DataLocation,
  type Event,
  type Friendship,
  type Interaction,
  type ProgressReporter,
  type User,
} from '@evrec/core';
import { DATASET_FILES, DATASET_TABLES, DatasetManifestSchema, MANIFEST_FILE, type DatasetManifest, type DatasetTable } from './format.ts';
import { IssueSink, type ValidationReport, type ReadOptions } from './issues.ts';
import { readTextBlocks } from './text-blocks.ts';

export { ValidationReport, type DataIssue, type ReadOptions } from './issues.ts';

/**
 * Streaming access to a native dataset. Each iterator re-reads its file line by line in bounded
 * memory and yields only rows that pass the core zod schemas; every skipped row lands in `report`
 * (a table's issues are counted on its first complete pass only, so iterating twice does not
 * double them).
 */
export interface DatasetReader {
  readonly dir: string;
  readonly manifest: DatasetManifest;
  readonly report: ValidationReport;
  users(): AsyncIterable<User>;
  events(): AsyncIterable<Event>;
  friendships(): AsyncIterable<Friendship>;
  interactions(): AsyncIterable<Interaction>;
}

/** A whole dataset in memory, referentially checked. */
export interface InMemoryDataset {
  manifest: DatasetManifest;
  users: Map<string, User>;
  events: Map<string, Event>;
  /** symmetric adjacency */
  friends: Map<string, string[]>;
  /** ascending by at (stable) */
  interactions: Interaction[];
  report: ValidationReport;
}

/** A validated row with where it came from, for referential checks that report locations. */
interface LocatedRow<T> {
  value: T;
  location: DataLocation;
  raw: string;
}

const SCHEMAS = {
  users: UserSchema,
  events: EventSchema,
  friendships: FriendshipSchema,
  interactions: InteractionSchema,
} as const;

type RowOf<T extends DatasetTable> = z.output<(typeof SCHEMAS)[T]>;

const PROGRESS_EVERY = 50_000;

/** 1-based character column of `"field":` in a JSON line, when present. */
function jsonFieldColumn(raw: string, field: string): number | undefined {
  const i = raw.indexOf(`"${field}"`);
  return i === -1 ? undefined : i + 1;
}

function jsonErrorColumn(message: string, line: string): number {
  const m = /position (\d+)/.exec(message);
  return m ? Number(m[1]) + 1 : line.length + 1;
}

class NativeDatasetReader implements DatasetReader {
  readonly report: ValidationReport;
  private readonly sink: IssueSink;
  private readonly progress: ProgressReporter;
  private readonly counted = new Set<DatasetTable>();

  constructor(readonly dir: string, readonly manifest: DatasetManifest, options: ReadOptions) {
    this.sink = new IssueSink(options);
    this.report = this.sink.report;
    this.progress = options.progress ?? silentProgress;
  }

  users(): AsyncIterable<User> {
    return this.values('users');
  }
  events(): AsyncIterable<Event> {
    return this.values('events');
  }
  friendships(): AsyncIterable<Friendship> {
    return this.values('friendships');
  }
  interactions(): AsyncIterable<Interaction> {
    return this.values('interactions');
  }

  /** Reports an issue found by a caller (referential checks in loadDataset). */
  issue(location: DataLocation, reason: string, message: string): void {
    this.sink.issue(location, reason, message);
  }

  private async *values<T extends DatasetTable>(table: T): AsyncGenerator<RowOf<T>> {
    for await (const row of this.rows(table)) yield row.value;
  }

  /** Yields every valid row of `table` with its location; reports and skips the rest. */
  async *rows<T extends DatasetTable>(table: T): AsyncGenerator<LocatedRow<RowOf<T>>> {
    const file = join(this.dir, DATASET_FILES[table]);
    const schema = SCHEMAS[table];
    // Issues of a table are counted once, on its first complete pass.
    const counting = !this.counted.has(table);
    const report = (location: DataLocation, reason: string, message: string): void => {
      if (counting) this.sink.issue(location, reason, message);
    };
    const stage = `read.${table}`;
    let rows = 0;
    let lastLine = 0;
    for await (const block of readTextBlocks(file)) {
      const invalid = new Map(block.invalid.map((b) => [b.line, b.column]));
      const lines = block.text.split('\n');
      // A block ending in a newline splits into a trailing empty string that is not a line.
      if (block.endsWithNewline) lines.pop();
      for (let i = 0; i < lines.length; i++) {
        const lineNo = block.firstLine + i;
        lastLine = lineNo;
        let text = lines[i];
        if (text.endsWith('\r')) text = text.slice(0, -1);
        if (text.trim() === '') continue;
        rows++;
        if (rows % PROGRESS_EVERY === 0) this.progress({ stage, done: rows, total: this.manifest.counts[table] });
        const badColumn = invalid.get(lineNo);
        if (badColumn !== undefined) {
          report({ file, line: lineNo, column: badColumn }, 'invalid-utf8', 'line is not valid UTF-8');
          continue;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          const lastOfFile = !block.endsWithNewline && i === lines.length - 1;
          const message = (e as Error).message;
          report(
            { file, line: lineNo, column: jsonErrorColumn(message, text) },
            lastOfFile ? 'truncated-line' : 'bad-json',
            lastOfFile ? `last line is cut off (no final newline): ${message}` : message,
          );
          continue;
        }
        const result = schema.safeParse(parsed);
        if (!result.success) {
          const first = result.error.issues[0];
          const field = first ? formatPath('', first.path) : undefined;
          const top = first?.path[0];
          const message = result.error.issues.map((iss) => `${formatPath(table, iss.path)}: ${iss.message}`).join('; ');
          report(
            { file, line: lineNo, column: typeof top === 'string' ? jsonFieldColumn(text, top) ?? 1 : 1, ...(field ? { field } : {}) },
            'schema',
            message,
          );
          continue;
        }
        yield { value: result.data as RowOf<T>, location: { file, line: lineNo }, raw: text };
      }
    }
    if (counting) {
      if (rows !== this.manifest.counts[table]) {
        report(
          { file, line: lastLine + 1 },
          'count-mismatch',
          `${DATASET_FILES[table]} has ${rows} rows but ${MANIFEST_FILE} says ${this.manifest.counts[table]} (file truncated or edited?)`,
        );
      }
      this.counted.add(table);
    }
    this.progress({ stage, done: rows, total: rows });
  }
}

async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `no native dataset at ${dir}: cannot read ${MANIFEST_FILE}`, { cause: e, details: { dir } });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EvrecError('INVALID_DATA', `${MANIFEST_FILE} is not valid JSON: ${(e as Error).message}`, { location: { file, line: 1 } });
  }
  const r = DatasetManifestSchema.safeParse(json);
  if (!r.success) {
    const message = r.error.issues.map((i) => `${formatPath('manifest', i.path)}: ${i.message}`).join('; ');
    throw new EvrecError('INVALID_DATA', message, { location: { file, line: 1 } });
  }
  return r.data;
}

/**
 * Opens a native dataset directory (written by `DatasetWriter`). Reads and validates the manifest
 * now (NOT_FOUND when missing, INVALID_DATA when malformed) and checks every table file exists;
 * rows are read lazily by the iterators.
 */
export async function openDataset(dir: string, options: ReadOptions = {}): Promise<DatasetReader> {
  return openNative(dir, options);
}

async function openNative(dir: string, options: ReadOptions): Promise<NativeDatasetReader> {
  const manifest = await readManifest(dir);
  for (const table of DATASET_TABLES) {
    const file = join(dir, DATASET_FILES[table]);
    try {
      await access(file);
    } catch (e) {
      throw new EvrecError('NOT_FOUND', `dataset ${dir} lacks ${DATASET_FILES[table]}`, { cause: e, details: { file } });
    }
  }
  return new NativeDatasetReader(dir, manifest, options);
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function located(row: LocatedRow<unknown>, field: string): DataLocation {
  return { ...row.location, column: jsonFieldColumn(row.raw, field) ?? 1, field };
}

/**
 * Loads a whole dataset into memory with referential checks: duplicate ids (first row wins),
 * friendships and interactions naming unknown users or events, self-friendships and repeated
 * pairs are counted issues (or INVALID_DATA in strict mode). Interactions end sorted by `at`
 * (stable), sorting only when the file is not already in order.
 */
export async function loadDataset(dir: string, options: ReadOptions = {}): Promise<InMemoryDataset> {
  const reader = await openNative(dir, options);
  const users = new Map<string, User>();
  for await (const row of reader.rows('users')) {
    if (users.has(row.value.id)) {
      reader.issue(located(row, 'id'), 'duplicate-id', `user id ${row.value.id} appears again (first row kept)`);
      continue;
    }
    users.set(row.value.id, row.value);
  }
  const events = new Map<string, Event>();
  for await (const row of reader.rows('events')) {
    if (events.has(row.value.id)) {
      reader.issue(located(row, 'id'), 'duplicate-id', `event id ${row.value.id} appears again (first row kept)`);
      continue;
    }
    events.set(row.value.id, row.value);
  }
  const friends = new Map<string, string[]>();
  const pairs = new Set<string>();
  const link = (a: string, b: string): void => {
    const list = friends.get(a);
    if (list === undefined) friends.set(a, [b]);
    else list.push(b);
  };
  for await (const row of reader.rows('friendships')) {
    const { userId, friendId } = row.value;
    if (!users.has(userId)) {
      reader.issue(located(row, 'userId'), 'unknown-user', `friendship names unknown user ${userId}`);
      continue;
    }
    if (!users.has(friendId)) {
      reader.issue(located(row, 'friendId'), 'unknown-user', `friendship names unknown user ${friendId}`);
      continue;
    }
    if (userId === friendId) {
      reader.issue(located(row, 'friendId'), 'self-friendship', `user ${userId} is listed as their own friend`);
      continue;
    }
    const key = pairKey(userId, friendId);
    if (pairs.has(key)) {
      reader.issue(located(row, 'friendId'), 'duplicate-friendship', `friendship ${userId}–${friendId} appears again`);
      continue;
    }
    pairs.add(key);
    link(userId, friendId);
    link(friendId, userId);
  }
  pairs.clear();
  const interactions: Interaction[] = [];
  const ids = new Set<string>();
  let sorted = true;
  let lastAt = -Infinity;
  for await (const row of reader.rows('interactions')) {
    const it = row.value;
    if (ids.has(it.id)) {
      reader.issue(located(row, 'id'), 'duplicate-id', `interaction id ${it.id} appears again (first row kept)`);
      continue;
    }
    if (!users.has(it.userId)) {
      reader.issue(located(row, 'userId'), 'unknown-user', `interaction ${it.id} names unknown user ${it.userId}`);
      continue;
    }
    if (!events.has(it.eventId)) {
      reader.issue(located(row, 'eventId'), 'unknown-event', `interaction ${it.id} names unknown event ${it.eventId}`);
      continue;
    }
    ids.add(it.id);
    if (it.at < lastAt) sorted = false;
    lastAt = it.at;
    interactions.push(it);
  }
  if (!sorted) {
    if (reader.manifest.interactionsSorted) {
      reader.issue(
        { file: join(dir, MANIFEST_FILE), line: 1 },
        'manifest-mismatch',
        'manifest says interactions are sorted by time but they are not; sorted them in memory',
      );
    }
    // Array.prototype.sort is stable, so equal times keep file order.
    interactions.sort((a, b) => a.at - b.at);
  }
  return { manifest: reader.manifest, users, events, friends, interactions, report: reader.report };
}
