import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { EvrecError } from '@evrec/core';
import type { IssueSink } from '../native/issues.ts';
import { readTextBlocks, type InvalidUtf8Line } from '../native/text-blocks.ts';

/** One well-formed CSV record: the right number of fields, all valid UTF-8. */
export interface CsvRecord {
  file: string;
  /** 1-based line where the record starts (records may span lines inside quotes). */
  line: number;
  fields: string[];
}

export interface CsvReadOptions {
  /** Path of the file (also used in issue locations). */
  file: string;
  sink: IssueSink;
  /**
   * Column names the header must contain (any order, extra columns allowed). `false`: the file has
   * no header and `names` names its fields in order.
   */
  header: readonly string[] | false;
  /** For headerless files: the field names, one per field (their count is enforced). */
  names?: readonly string[];
  /** Trim spaces before each field (for `a, b` files). Default false. */
  ltrim?: boolean;
  /**
   * Largest record accepted, in bytes. A bigger one (a runaway unclosed quote, a binary file) stops
   * the read with INVALID_DATA, since the parser cannot resynchronise after it. Default 8 MiB.
   */
  maxRecordBytes?: number;
}

/** A CSV reader that resolves column names to field indices from the header. */
export interface CsvTable {
  /** 0-based field index of each header column. */
  index: Map<string, number>;
  records: AsyncGenerator<CsvRecord>;
}

// A runaway unclosed quote would otherwise read the rest of a huge file into one field.
const MAX_RECORD_BYTES = 8 << 20;

/** Newlines inside a record's raw text (quoted fields spanning lines), not counting its terminator. */
function innerNewlines(raw: string): number {
  const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Streams a CSV file record by record with located issues: invalid UTF-8 (`invalid-utf8`, column
 * = the field holding the bad bytes), wrong field counts (`wrong-column-count`), a last line cut
 * off mid-record (`truncated-line`) and broken quoting (`bad-csv`). Bad records are reported to
 * the sink and skipped (the sink throws in strict mode). A header missing a required column is
 * always INVALID_DATA: nothing in such a file can be read.
 */
export async function openCsv(options: CsvReadOptions): Promise<CsvTable> {
  const { file, sink } = options;
  const invalid: InvalidUtf8Line[] = [];
  let endsWithNewline = true;
  async function* text(): AsyncGenerator<string> {
    for await (const block of readTextBlocks(file)) {
      for (const bad of block.invalid) invalid.push(bad);
      endsWithNewline = block.endsWithNewline;
      // One line ending for the parser: csv-parse miscounts lines on CRLF inside quoted fields and
      // leaves a stray \r on the last field of CRLF lines in an LF file.
      yield block.text.includes('\r\n') ? block.text.replace(/\r\n/g, '\n') : block.text;
    }
  }
  const source = Readable.from(text());
  const parser = parse({
    info: true,
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: '\n',
    skip_records_with_error: true,
    max_record_size: options.maxRecordBytes ?? MAX_RECORD_BYTES,
    ltrim: options.ltrim ?? false,
  });
  const parseErrors: CsvError[] = [];
  parser.on('skip', (err: CsvError | undefined) => {
    if (err) parseErrors.push(err);
  });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<{ record: string[]; info: { lines: number }; raw?: string }>;

  /** Line after the last record the parser emitted: where a swallowing quote began at the latest. */
  let nextRecordLine = 1;
  let consumed = 0;
  /** Reports parse errors that happened before the parser emitted record number `records + 1`. */
  const flushParseErrors = (records: number): void => {
    while (parseErrors.length > 0 && (typeof parseErrors[0].records === 'number' ? parseErrors[0].records : 0) <= records) {
      const err = parseErrors.shift() as CsvError;
      const line = typeof err.lines === 'number' ? err.lines : nextRecordLine;
      if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
        if (!endsWithNewline) {
          sink.issue({ file, line: nextRecordLine }, 'truncated-line', 'last line is cut off inside a quoted field (no final newline)');
        } else {
          sink.issue(
            { file, line: nextRecordLine },
            'unclosed-quote',
            `a quote opened in the record starting at line ${nextRecordLine} is never closed: lines ${nextRecordLine}–${line} are lost`,
          );
        }
      } else if (err.code === 'CSV_MAX_RECORD_SIZE') {
        throw new EvrecError('INVALID_DATA', `${err.message}: unclosed quote or not a CSV file; the rest of the file cannot be read`, {
          location: { file, line },
          details: { reason: 'record-too-large' },
        });
      } else {
        sink.issue({ file, line, ...(typeof err.column === 'number' ? { column: err.column + 1 } : {}) }, 'bad-csv', err.message);
      }
    }
  };

  let expected = options.names?.length ?? 0;
  const index = new Map<string, number>((options.names ?? []).map((n, i) => [n, i]));
  let headerDone = options.header === false;

  async function next(): Promise<{ record: string[]; line: number; raw: string | undefined } | undefined> {
    const r = await iterator.next();
    if (r.done) {
      flushParseErrors(Infinity);
      return undefined;
    }
    // The parser runs ahead of this loop: report its errors in file order, between the records.
    flushParseErrors(consumed++);
    const { record, info, raw } = r.value;
    nextRecordLine = info.lines + 1;
    return { record, line: raw === undefined ? info.lines : info.lines - innerNewlines(raw), raw };
  }

  try {
    if (options.header !== false) {
      const first = await next();
      if (first === undefined) {
        throw new EvrecError('INVALID_DATA', `${file} is empty: expected a header with ${options.header.join(',')}`, { location: { file, line: 1 } });
      }
      first.record.forEach((name, i) => index.set(name.trim(), i));
      const missing = options.header.filter((c) => !index.has(c));
      if (missing.length > 0) {
        throw new EvrecError('INVALID_DATA', `${file}: header lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (found ${first.record.join(',')})`, {
          location: { file, line: first.line },
        });
      }
      expected = first.record.length;
      headerDone = true;
    }
  } catch (e) {
    // Nothing will iterate the records: release the file now.
    source.destroy();
    parser.destroy();
    throw e;
  }

  async function* records(): AsyncGenerator<CsvRecord> {
    try {
      if (!headerDone) return;
      for (;;) {
        const r = await next();
        if (r === undefined) break;
        const { record, line, raw } = r;
        // Lines flagged before this record belonged to records already skipped for other reasons.
        while (invalid.length > 0 && invalid[0].line < line) invalid.shift();
        const endLine = line + (raw === undefined ? 0 : innerNewlines(raw));
        let bad: InvalidUtf8Line | undefined;
        while (invalid.length > 0 && invalid[0].line <= endLine) {
          const b = invalid.shift();
          bad ??= b;
        }
        if (bad !== undefined) {
          const col = record.findIndex((f) => f.includes('\uFFFD'));
          sink.issue({ file, line: bad.line, column: Math.max(col, 0) + 1 }, 'invalid-utf8', 'field is not valid UTF-8');
          continue;
        }
        if (expected > 0 && record.length !== expected) {
          const cutOff = raw !== undefined && !raw.endsWith('\n') && record.length < expected;
          const column = Math.min(record.length, expected) + 1;
          if (cutOff) {
            sink.issue({ file, line, column }, 'truncated-line', `last line is cut off: ${record.length} of ${expected} fields and no final newline`);
          } else {
            sink.issue({ file, line, column }, 'wrong-column-count', `expected ${expected} fields, found ${record.length}`);
          }
          continue;
        }
        yield { file, line, fields: record };
      }
      flushParseErrors(Infinity);
    } finally {
      source.destroy();
      parser.destroy();
    }
  }

  return { index, records: records() };
}
