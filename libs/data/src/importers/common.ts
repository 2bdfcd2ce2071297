import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EvrecError, silentProgress, type ProgressReporter } from '@evrec/core';
import type { DatasetManifest } from '../native/format.ts';
import { IssueSink, type ReadOptions, type ValidationReport } from '../native/issues.ts';
import { DatasetWriter } from '../native/writer.ts';
import { openCsv, type CsvReadOptions } from './csv.ts';
import { Row } from './row.ts';

export interface ImportOptions extends ReadOptions {
  /** Folder holding the source files. */
  inDir: string;
  /** Folder to write the native dataset to (created; existing dataset files are replaced). */
  outDir: string;
  /** Dataset name in the manifest. Default: derived from the source. */
  name?: string;
}

export interface ImportResult {
  outDir: string;
  manifest: DatasetManifest;
  /** Every issue found, per reason (skipped rows and fields left unknown). */
  report: ValidationReport;
  /**
   * Documented transformations that are not errors, counted so nothing changes silently:
   * e.g. `stubEvents` (events known only by id), `coordinatesZeroAsUnknown`.
   */
  notes: Record<string, number>;
}

/** Shared state of one import run. */
export class ImportRun {
  readonly sink: IssueSink;
  readonly progress: ProgressReporter;
  readonly notes: Record<string, number> = {};

  constructor(readonly writer: DatasetWriter, options: ReadOptions) {
    this.sink = new IssueSink(options);
    this.progress = options.progress ?? silentProgress;
  }

  note(key: string, n = 1): void {
    this.notes[key] = (this.notes[key] ?? 0) + n;
  }

  /**
   * Iterates a CSV file as `Row`s, reporting progress as `import.<label>` every 10k rows.
   * The callback returns a promise only when the writer needs draining.
   */
  async eachCsvRow(label: string, csv: Omit<CsvReadOptions, 'sink'>, fn: (row: Row) => Promise<void> | undefined | void): Promise<number> {
    const table = await openCsv({ ...csv, sink: this.sink });
    const stage = `import.${label}`;
    let n = 0;
    for await (const rec of table.records) {
      const p = fn(new Row(rec, table.index, this.sink));
      if (p) await p;
      if (++n % 10_000 === 0) this.progress({ stage, done: n });
    }
    this.progress({ stage, done: n, total: n });
    return n;
  }
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** NOT_FOUND naming what is missing, so a wrong `--in` is obvious. */
export async function requireFiles(dir: string, files: readonly string[], what: string): Promise<void> {
  try {
    await access(dir);
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `${what}: input folder ${dir} does not exist`, { cause: e, details: { dir } });
  }
  const missing: string[] = [];
  for (const f of files) if (!(await fileExists(join(dir, f)))) missing.push(f);
  if (missing.length > 0) {
    throw new EvrecError('NOT_FOUND', `${what}: ${dir} lacks ${missing.join(', ')}`, { details: { dir, missing } });
  }
}

/** Opens the writer, runs `body`, closes (or aborts on failure, leaving no complete-looking dataset). */
export async function runImport(
  options: ImportOptions,
  name: string,
  source: Record<string, unknown>,
  body: (run: ImportRun) => Promise<void>,
): Promise<ImportResult> {
  const writer = await DatasetWriter.open(options.outDir, { name: options.name ?? name, source });
  const run = new ImportRun(writer, options);
  try {
    await body(run);
  } catch (e) {
    await writer.abort();
    throw e;
  }
  const manifest = await writer.close();
  return { outDir: options.outDir, manifest, report: run.sink.report, notes: run.notes };
}

/** Awaits a writer promise only when there is one (keeps hot loops free of extra microtasks). */
export async function drain(p: Promise<void> | undefined): Promise<void> {
  if (p) await p;
}
