import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError } from '@evrec/core';
import { IssueSink } from '../native/issues.ts';
import { openCsv, type CsvRecord } from './csv.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-csv-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let n = 0;

async function read(content: string | Buffer, options: { header?: string[] | false; names?: string[]; strict?: boolean; ltrim?: boolean } = {}) {
  const file = join(root, `f${n++}.csv`);
  await writeFile(file, content);
  const sink = new IssueSink({ strict: options.strict });
  const table = await openCsv({ file, sink, header: options.header ?? ['a', 'b', 'c'], names: options.names, ltrim: options.ltrim });
  const records: CsvRecord[] = [];
  for await (const r of table.records) records.push(r);
  return { file, records, report: sink.report, index: table.index };
}

describe('openCsv', () => {
  it('reads records with their starting line, across quoted newlines and blank lines', async () => {
    const { records, index } = await read('c,b,a\n1,"x\ny",3\n\n4,5,6\r\n7,"q ""z""",9');
    expect(index.get('a')).toBe(2);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [2, ['1', 'x\ny', '3']],
      [5, ['4', '5', '6']],
      [6, ['7', 'q "z"', '9']],
    ]);
  });

  it('reports wrong column counts with line and column, and keeps going', async () => {
    const { file, records, report } = await read('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n');
    expect(records.map((r) => r.line)).toEqual([2, 5]);
    expect(report.byReason()).toEqual({ 'wrong-column-count': 2 });
    expect(report.samples().map((i) => i.location)).toEqual([
      { file, line: 3, column: 3 },
      { file, line: 4, column: 4 },
    ]);
  });

  it('calls a short last line without a newline truncated-line', async () => {
    const { records, report } = await read('a,b,c\n1,2,3\n4,5');
    expect(records).toHaveLength(1);
    expect(report.byReason()).toEqual({ 'truncated-line': 1 });
    expect(report.samples()[0].location.line).toBe(3);
  });

  it('calls a last line cut off inside quotes truncated-line', async () => {
    const { records, report } = await read('a,b,c\n1,2,3\n4,5,"unfinished');
    expect(records).toHaveLength(1);
    expect(report.byReason()).toEqual({ 'truncated-line': 1 });
    expect(report.samples()[0].location.line).toBe(3);
  });

  it('reports a quote that swallows the rest of the file at the line it opened', async () => {
    const { records, report } = await read('a,b,c\n1,2,3\n4,5,"open\n6,7,8\n9,10,11\n');
    expect(records).toHaveLength(1);
    expect(report.byReason()).toEqual({ 'unclosed-quote': 1 });
    expect(report.samples()[0].location.line).toBe(3);
    expect(report.samples()[0].message).toMatch(/lines 3–5 are lost/);
  });

  it('stops with INVALID_DATA at a record over the size limit (the parser cannot resynchronise)', async () => {
    const file = join(root, 'big.csv');
    await writeFile(file, `a,b\n1,2\n3,"${'x'.repeat(200)}\n5,6\n`);
    const table = await openCsv({ file, sink: new IssueSink(), header: ['a', 'b'], maxRecordBytes: 100 });
    const got: string[][] = [];
    const err = await (async () => {
      for await (const r of table.records) got.push(r.fields);
    })().catch((e: unknown) => e);
    expect(got).toEqual([['1', '2']]);
    expect(err).toMatchObject({ code: 'INVALID_DATA', location: { line: 3 } });
  });

  it('keeps stray quotes inside unquoted fields literally', async () => {
    const { records, report } = await read('a,b,c\n1,x"y,3\n');
    expect(records.map((r) => r.fields)).toEqual([['1', 'x"y', '3']]);
    expect(report.total()).toBe(0);
  });

  it('locates invalid UTF-8 at the line and the field that holds it', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b,c\n1,2,3\n4,"multi\nline ok",x'), Buffer.from([0xff]), Buffer.from('y\n7,8,ü\n')]);
    const { records, report } = await read(bytes);
    expect(records.map((r) => r.fields)).toEqual([
      ['1', '2', '3'],
      ['7', '8', 'ü'],
    ]);
    expect(report.byReason()).toEqual({ 'invalid-utf8': 1 });
    expect(report.samples()[0].location).toMatchObject({ line: 4, column: 3 });
  });

  it('refuses a header without a required column, even when not strict', async () => {
    await expect(read('a,b\n1,2\n')).rejects.toMatchObject({ code: 'INVALID_DATA', message: expect.stringMatching(/lacks column c/) });
    await expect(read('')).rejects.toMatchObject({ code: 'INVALID_DATA' });
  });

  it('reads headerless files by the given names, trimming ", " separators', async () => {
    const { records, report, index } = await read('1, 2\n3, 4\n5\n', { header: false, names: ['user', 'friend'], ltrim: true });
    expect(records.map((r) => r.fields)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(index.get('friend')).toBe(1);
    expect(report.byReason()).toEqual({ 'wrong-column-count': 1 });
  });

  it('strict mode throws INVALID_DATA at the first bad record', async () => {
    const err = await read('a,b,c\n1,2,3\n4,5\n', { strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).location).toMatchObject({ line: 3, column: 3 });
    expect((err as EvrecError).details).toEqual({ reason: 'wrong-column-count' });
  });
});
