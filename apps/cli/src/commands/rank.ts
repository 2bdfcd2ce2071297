import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { EvrecError, loadConfig, openBundle, throttledStderrProgress, writeFileAtomic } from '@evrec/core';
import { loadDataset, parseTimestamp } from '@evrec/data';
import { loadRankerComponent, rankCandidates, type CandidateRow } from '@evrec/ranker';
import { parseTime } from './materialize.ts';

interface RankFlags {
  data?: string;
  artifacts?: string;
  candidates: string;
  out: string;
  version?: string;
  at?: string;
  baseline?: boolean;
  json?: boolean;
}

/**
 * Reads candidate rows: header with `user` and `event` columns (or `userId`/`eventId`), optional
 * `timestamp` (epoch ms, ISO 8601 or the Kaggle `2012-11-30 11:39:01.230000+00:00` form) and
 * `invited` (0/1). Other columns are ignored. INVALID_DATA with the line for a malformed row.
 */
export async function readCandidates(path: string): Promise<CandidateRow[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `cannot read candidates ${path}: ${(e as Error).message}`, { cause: e });
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (e) {
    throw new EvrecError('INVALID_DATA', `${path}: ${(e as Error).message}`, { cause: e, location: { file: path, line: 1 } });
  }
  if (records.length === 0) return [];
  const header = records[0].map((h) => h.toLowerCase());
  const col = (...names: string[]): number => header.findIndex((h) => names.includes(h));
  const userCol = col('user', 'userid', 'user_id');
  const eventCol = col('event', 'eventid', 'event_id');
  if (userCol < 0 || eventCol < 0) throw new EvrecError('INVALID_DATA', `${path}: the header needs "user" and "event" columns (got ${records[0].join(',')})`, { location: { file: path, line: 1 } });
  const timeCol = col('timestamp', 'at', 'time');
  const invitedCol = col('invited');
  const rows: CandidateRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const r = records[i];
    const line = i + 1;
    const userId = r[userCol] ?? '';
    const eventId = r[eventCol] ?? '';
    if (userId === '' || eventId === '') throw new EvrecError('INVALID_DATA', `${path}:${line}: empty user or event`, { location: { file: path, line, column: (userId === '' ? userCol : eventCol) + 1 } });
    const row: CandidateRow = { userId, eventId };
    const t = timeCol < 0 ? '' : (r[timeCol] ?? '');
    if (t !== '') {
      const at = /^\d+$/.test(t) ? Number(t) : (parseTimestamp(t) ?? Date.parse(t));
      if (!Number.isSafeInteger(at) || at < 0) throw new EvrecError('INVALID_DATA', `${path}:${line}: timestamp "${t}" is not a time`, { location: { file: path, line, column: timeCol + 1, field: 'timestamp' } });
      row.at = at;
    }
    const inv = invitedCol < 0 ? '' : (r[invitedCol] ?? '');
    if (inv !== '') {
      if (inv !== '0' && inv !== '1') throw new EvrecError('INVALID_DATA', `${path}:${line}: invited must be 0 or 1, got "${inv}"`, { location: { file: path, line, column: invitedCol + 1, field: 'invited' } });
      row.invited = inv === '1';
    }
    rows.push(row);
  }
  return rows;
}

export function register(program: Command): void {
  program
    .command('rank')
    .description('Rank candidate events per user with the bundle\'s ranker: reads CSV rows user,event[,invited,timestamp] and writes CSV User,Events (event ids space-separated, best first)')
    .option('--data <dir>', 'native dataset directory: catalogue, profiles and the activity log (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root (default: $EVREC_ARTIFACTS or artifacts)')
    .requiredOption('--candidates <file>', 'CSV with user and event columns, optional timestamp and invited (the Kaggle test.csv format)')
    .requiredOption('--out <file>', 'output CSV: User,Events')
    .option('--version <version>', 'bundle version (default: the current one; "work" for the unpublished work bundle)')
    .option('--at <time>', 'request time for rows without a timestamp (epoch ms or ISO 8601); default: just after the last interaction')
    .option('--baseline', 'rank with the logistic-regression baseline instead of the neural ranker')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: RankFlags) => {
      const config = loadConfig();
      const progress = throttledStderrProgress(2000);
      const started = Date.now();
      const rows = await readCandidates(flags.candidates);
      const dataset = await loadDataset(flags.data ?? config.dataDir, { progress });
      const bundle = await openBundle(flags.artifacts ?? config.artifactsDir, { version: flags.version });
      const ranker = await loadRankerComponent(bundle, { backend: config.tfBackend });
      try {
        const last = dataset.interactions[dataset.interactions.length - 1]?.at ?? Date.now();
        const defaultAt = flags.at === undefined ? last + 1 : parseTime(flags.at, 'at');
        const ranked = await rankCandidates(ranker, rows, { dataset, defaultAt, baseline: flags.baseline === true });
        const csv = ['User,Events', ...ranked.map((u) => `${u.userId},${u.eventIds.join(' ')}`)].join('\n') + '\n';
        await writeFileAtomic(flags.out, csv);
        const unknownUsers = ranked.filter((u) => !dataset.users.has(u.userId)).length;
        const unknownEvents = new Set(rows.filter((r) => !dataset.events.has(r.eventId)).map((r) => r.eventId)).size;
        const summary = {
          out: flags.out, bundle: bundle.version, model: flags.baseline ? 'lr' : 'nn', rows: rows.length, users: ranked.length,
          events: ranked.reduce((n, u) => n + u.eventIds.length, 0), unknownUsers, unknownEvents, seconds: (Date.now() - started) / 1000,
        };
        if (flags.json) process.stdout.write(JSON.stringify(summary) + '\n');
        else process.stdout.write(`ranked ${summary.events} events for ${summary.users} users (${unknownUsers} users and ${unknownEvents} events not in the dataset) with bundle ${bundle.version} → ${flags.out} in ${summary.seconds.toFixed(1)} s\n`);
      } finally {
        ranker.dispose();
      }
    });
}
