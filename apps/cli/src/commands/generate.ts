import type { Command } from 'commander';
import { EvrecError, throttledStderrProgress } from '@evrec/core';
import { generateWorld, PRESET_NAMES, PRESETS, type PresetName, type WorldSummary } from '@evrec/data';

interface GenerateFlags {
  out: string;
  preset: string;
  users?: string;
  events?: string;
  days?: string;
  seed?: string;
  start?: string;
  cities?: string;
  truth?: boolean;
  name?: string;
  json?: boolean;
}

/** `1000000`, `1_000_000` and `1,000,000` all read as one million. */
function parseCount(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n <= 0) {
    throw new EvrecError('INVALID_INPUT', `${flag}: expected a positive integer, got "${value}"`, { field: flag });
  }
  return n;
}

function summaryLine(s: WorldSummary): string {
  const t = s.interactionsByType;
  return (
    `generated ${s.preset} world (seed ${s.seed}) in ${s.outDir}: ${s.users} users, ${s.events} events, ` +
    `${s.friendships} friendships, ${s.interactions} interactions (${t.impression} impressions, ${t.click} clicks, ` +
    `${t.register} registrations) over ${s.days} days from ${s.start}, ${s.languages.length} languages, ` +
    `${s.continents.length} continents, in ${s.seconds.toFixed(1)} s`
  );
}

export function register(program: Command): void {
  const sizes = PRESET_NAMES.map((p) => `${p} (${PRESETS[p].users} users, ${PRESETS[p].events} events, ${PRESETS[p].days} days)`).join(', ');
  program
    .command('generate')
    .description('Generate a seeded synthetic world (users, friendships, events, interactions) as a native dataset (see docs/SYNTHETIC.md)')
    .requiredOption('--out <dir>', 'folder to write the dataset to (created; existing dataset files are replaced)')
    .option('--preset <name>', `size preset: ${sizes}`, 'small')
    .option('--users <n>', 'number of users (default: from the preset)')
    .option('--events <n>', 'number of events (default: from the preset)')
    .option('--days <n>', 'simulated days of activity (default: from the preset)')
    .option('--seed <seed>', 'seed for every random choice; same seed, same files (default: 42)')
    .option('--start <date>', 'first simulated day, UTC, YYYY-MM-DD (default: 2026-01-05)')
    .option('--cities <n>', 'how many cities of the built-in table to use (default: from the preset)')
    .option('--truth', 'also write the hidden variables (tastes, sensitivities, qualities) under <out>/truth/')
    .option('--name <name>', 'dataset name recorded in dataset.json (default: synthetic-<preset>)')
    .option('--json', 'print the summary as JSON instead of one line')
    .action(async (flags: GenerateFlags) => {
      if (!(PRESET_NAMES as readonly string[]).includes(flags.preset)) {
        throw new EvrecError('INVALID_INPUT', `--preset: expected one of ${PRESET_NAMES.join(', ')}, got "${flags.preset}"`, { field: '--preset' });
      }
      const seed = flags.seed === undefined ? undefined : /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed;
      const summary = await generateWorld({
        outDir: flags.out,
        preset: flags.preset as PresetName,
        users: parseCount('--users', flags.users),
        events: parseCount('--events', flags.events),
        days: parseCount('--days', flags.days),
        cities: parseCount('--cities', flags.cities),
        seed,
        start: flags.start,
        truth: flags.truth ?? false,
        name: flags.name,
        progress: throttledStderrProgress(),
      });
      if (flags.json) {
        const { manifest, ...rest } = summary;
        process.stdout.write(JSON.stringify({ ...rest, timeRange: manifest.timeRange }) + '\n');
      } else {
        process.stdout.write(summaryLine(summary) + '\n');
      }
    });
}
