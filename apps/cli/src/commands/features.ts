import { createWriteStream, type WriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { EvrecError, loadConfig, throttledStderrProgress } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import {
  FEATURES,
  FeatureSpecBuilder,
  batchRow,
  listTrainingExamples,
  materialiseExamples,
  saveFeatureSpec,
} from '@evrec/features';
import { parseTime } from './materialize.ts';

interface FeaturesFlags {
  data?: string;
  out: string;
  until?: string;
  limit?: string;
  spec?: string;
  json?: boolean;
}

type Format = 'csv' | 'jsonl';
const META = ['userId', 'eventId', 'at', 'label', 'source'] as const;

function formatOf(path: string): Format {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw new EvrecError('INVALID_INPUT', `--out: the file name must end in .csv, .jsonl or .ndjson (got "${path}")`, { field: 'out' });
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function write(stream: WriteStream, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once('drain', () => resolve()));
}

export function register(program: Command): void {
  program
    .command('features')
    .description('Materialise point-in-time feature rows (one per impression or organic registration) with labels, as CSV or JSONL')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .requiredOption('--out <file>', 'output file; .csv or .jsonl/.ndjson decides the format')
    .option('--until <time>', 'only examples (and label registrations) strictly before this time (epoch ms or ISO 8601); default: all')
    .option('--limit <n>', 'stop after this many examples; default: all')
    .option('--spec <file>', 'also fit a feature spec on the rows written and save it here (JSON)')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: FeaturesFlags) => {
      const format = formatOf(flags.out);
      const dir = flags.data ?? loadConfig().dataDir;
      const until = flags.until === undefined ? undefined : parseTime(flags.until, 'until');
      let limit: number | undefined;
      if (flags.limit !== undefined) {
        limit = Number(flags.limit);
        if (!Number.isSafeInteger(limit) || limit < 1) throw new EvrecError('INVALID_INPUT', `--limit: expected a positive integer, got "${flags.limit}"`, { field: 'limit' });
      }
      const started = Date.now();
      const progress = throttledStderrProgress(2000);
      const dataset = await loadDataset(dir, { progress });
      if (dataset.report.total() > 0) process.stderr.write(dataset.report.summary() + '\n');
      const examples = listTrainingExamples(dataset.interactions, { until, limit });

      const partial = `${flags.out}.partial`;
      const stream = createWriteStream(partial, { highWaterMark: 1 << 20 });
      const names = FEATURES.map((d) => d.name);
      if (format === 'csv') await write(stream, [...META, ...names].join(',') + '\n');
      const builder = flags.spec === undefined ? undefined : new FeatureSpecBuilder();
      let rows = 0;
      let positives = 0;
      for await (const { examples: group, batch } of materialiseExamples(dataset, examples, { progress })) {
        builder?.add(batch);
        const lines: string[] = [];
        for (let r = 0; r < batch.rows; r++) {
          const x = group[r];
          const features = batchRow(batch, r);
          positives += x.label;
          if (format === 'csv') lines.push([x.userId, x.eventId, x.at, x.label, x.source].map(csvCell).join(',') + ',' + names.map((n) => csvCell(features[n])).join(','));
          else lines.push(JSON.stringify({ userId: x.userId, eventId: x.eventId, at: x.at, label: x.label, source: x.source, ...features }));
        }
        rows += batch.rows;
        const p = write(stream, lines.join('\n') + '\n');
        if (p) await p;
      }
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
      await rename(partial, flags.out);
      if (builder !== undefined && flags.spec !== undefined) await saveFeatureSpec(flags.spec, builder.build());

      const summary = {
        dataset: dir, out: flags.out, format, until: until ?? null, rows, positives,
        skipped: examples.length - rows, features: names.length, spec: flags.spec ?? null, seconds: (Date.now() - started) / 1000,
      };
      if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        process.stdout.write(
          `wrote ${rows} rows (${positives} positive, ${summary.skipped} skipped) × ${names.length} features to ${flags.out} in ${summary.seconds.toFixed(1)} s` +
            (flags.spec ? `; feature spec → ${flags.spec}` : '') + '\n',
        );
      }
    });
}
