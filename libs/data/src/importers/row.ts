import type { z } from 'zod';
import { formatPath, type DataLocation } from '@evrec/core';
import type { IssueSink } from '../native/issues.ts';
import type { CsvRecord } from './csv.ts';

/** Thrown after a row's issue has been reported, to skip the rest of that row. */
export class RowRejected extends Error {
  constructor() {
    super('row rejected');
  }
}

/** Values that mean "unknown" in the sources (Kaggle writes `None`). */
const NULLS = new Set(['', 'None', 'null', 'NULL', 'NaN', 'nan']);

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]][Z|±HH:MM]` to epoch ms (fraction truncated to ms).
 * Without a zone the time is taken as UTC (both Kaggle files are UTC). Returns undefined for
 * anything else, including impossible dates such as 2012-02-30.
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s ?? '0');
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  if (new Date(t).getUTCDate() !== day) return undefined;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    if (offset > 14 * 60) return undefined;
    t -= sign * offset * 60_000;
  }
  return t;
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Must be an integer. Default false. */
  integer?: boolean;
}

/**
 * One CSV record with typed, located field access. Every accessor that finds a bad value
 * reports the issue (file, line, 1-based column, field) and throws `RowRejected`; callers catch
 * it per row and move on. In strict mode the sink throws INVALID_DATA instead.
 */
export class Row {
  constructor(private readonly rec: CsvRecord, private readonly index: ReadonlyMap<string, number>, private readonly sink: IssueSink) {}

  get line(): number {
    return this.rec.line;
  }

  location(column?: string): DataLocation {
    const i = column === undefined ? undefined : this.index.get(column);
    return {
      file: this.rec.file,
      line: this.rec.line,
      ...(i === undefined ? {} : { column: i + 1 }),
      ...(column === undefined ? {} : { field: column }),
    };
  }

  reject(column: string | undefined, reason: string, message: string): never {
    this.sink.issue(this.location(column), reason, message);
    throw new RowRejected();
  }

  /** Reports an issue on this row without rejecting it (for metadata that can be left unknown). */
  note(column: string | undefined, reason: string, message: string): void {
    this.sink.issue(this.location(column), reason, message);
  }

  /**
   * Runs an accessor whose failure should leave one field unknown rather than skip the row: the
   * issue is still reported and counted (and thrown in strict mode).
   */
  softly<T>(fn: () => T): T | undefined {
    return tryRow(fn);
  }

  /** Raw field value ('' when the column is absent). */
  raw(column: string): string {
    const i = this.index.get(column);
    return i === undefined ? '' : (this.rec.fields[i] ?? '');
  }

  /** Trimmed value; undefined for empty and null markers (`None`, `null`, `NaN`). */
  optional(column: string): string | undefined {
    const v = this.raw(column).trim();
    return NULLS.has(v) ? undefined : v;
  }

  required(column: string): string {
    const v = this.optional(column);
    if (v === undefined) this.reject(column, 'schema', `${column} is empty`);
    return v;
  }

  /** A number, or undefined when the field is empty/null. */
  number(column: string, rule: NumberRule = {}): number | undefined {
    const v = this.optional(column);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) {
      this.reject(column, 'bad-number', `${column} is not a number: ${JSON.stringify(v.slice(0, 40))}`);
    }
    if (rule.integer && !Number.isSafeInteger(n)) this.reject(column, 'bad-number', `${column} must be an integer: ${v}`);
    if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
      this.reject(column, 'bad-number', `${column} = ${v} is outside [${rule.min ?? '-∞'}, ${rule.max ?? '∞'}]`);
    }
    return n;
  }

  /** 0 or 1 → boolean (empty → false). */
  flag(column: string): boolean {
    const v = this.optional(column);
    if (v === undefined || v === '0') return false;
    if (v === '1') return true;
    return this.reject(column, 'bad-number', `${column} must be 0 or 1, got ${JSON.stringify(v.slice(0, 40))}`);
  }

  /** An epoch-milliseconds integer column (Meetup). */
  epochMs(column: string): number | undefined {
    const v = this.optional(column);
    if (v === undefined) return undefined;
    if (!/^\d{1,15}$/.test(v)) this.reject(column, 'bad-date', `${column} is not epoch milliseconds: ${JSON.stringify(v.slice(0, 40))}`);
    return Number(v);
  }

  /** A textual timestamp column (see `parseTimestamp`). */
  timestamp(column: string): number | undefined {
    const v = this.optional(column);
    if (v === undefined) return undefined;
    const t = parseTimestamp(v);
    if (t === undefined || t < 0) this.reject(column, 'bad-date', `${column} is not a date-time: ${JSON.stringify(v.slice(0, 40))}`);
    return t;
  }

  /**
   * Validates a built domain object; a failure is a `schema` issue located at the source column
   * that fed the offending field (`sourceColumns` maps domain field → CSV column).
   */
  validate<S extends z.ZodType>(schema: S, value: unknown, what: string, sourceColumns: Record<string, string> = {}): z.output<S> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const first = r.error.issues[0];
    const top = first?.path[0];
    const message = r.error.issues.map((i) => `${formatPath(what, i.path)}: ${i.message}`).join('; ');
    return this.reject(typeof top === 'string' ? sourceColumns[top] : undefined, 'schema', message);
  }
}

/** Runs `fn` on one row; a `RowRejected` (already reported) turns into undefined: skip the row. */
export function tryRow<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RowRejected) return undefined;
    throw e;
  }
}
