import type { Command } from 'commander';
import { throttledStderrProgress } from '@evrec/core';
import { importKaggle2013, importMeetup, type ImportOptions, type ImportResult } from '@evrec/data';

interface ImportFlags {
  in: string;
  out: string;
  strict?: boolean;
  name?: string;
  json?: boolean;
}

function printResult(source: string, r: ImportResult, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify({ source, outDir: r.outDir, counts: r.manifest.counts, notes: r.notes, report: r.report.toJSON() }) + '\n');
    return;
  }
  const c = r.manifest.counts;
  const lines = [
    `imported ${source} into ${r.outDir}: ${c.users} users, ${c.events} events, ${c.friendships} friendships, ${c.interactions} interactions`,
  ];
  const notes = Object.entries(r.notes);
  if (notes.length > 0) lines.push(`notes (documented in docs/DATA.md): ${notes.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  lines.push(r.report.summary());
  process.stdout.write(lines.join('\n') + '\n');
}

function withSharedOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--in <dir>', 'folder holding the source CSV files (read only)')
    .requiredOption('--out <dir>', 'folder to write the native dataset to (created; existing dataset files are replaced)')
    .option('--strict', 'stop at the first malformed row with its file:line:column (default: skip and count bad rows)')
    .option('--name <name>', 'dataset name recorded in dataset.json (default: derived from the source)')
    .option('--json', 'print counts, notes and the validation report as JSON');
}

function importOptions(flags: ImportFlags): ImportOptions {
  return { inDir: flags.in, outDir: flags.out, strict: flags.strict ?? false, name: flags.name, progress: throttledStderrProgress() };
}

export function register(program: Command): void {
  const cmd = program.command('import').description('Convert a public dataset into the native evrec format (see docs/DATA.md)');
  withSharedOptions(
    cmd
      .command('kaggle2013')
      .description('Kaggle 2013 Event Recommendation Challenge: train.csv, test.csv, users.csv (+ events.csv, user_friends.csv, event_attendees.csv when present)'),
  ).action(async (flags: ImportFlags) => {
    printResult('kaggle2013', await importKaggle2013(importOptions(flags)), flags.json);
  });
  withSharedOptions(
    cmd
      .command('meetup')
      .description('Meetup API export: rsvps.csv (+ events, members, groups, groups_topics, venues when present)')
      .option('--language <code>', 'language of event texts (ISO 639)', 'en'),
  ).action(async (flags: ImportFlags & { language: string }) => {
    printResult('meetup', await importMeetup({ ...importOptions(flags), language: flags.language }), flags.json);
  });
}
