import type { Command } from 'commander';
import { loadConfig, throttledStderrProgress } from '@evrec/core';
import { computeDatasetStats, type DatasetStats } from '@evrec/data';

interface StatsFlags {
  data?: string;
  json?: boolean;
}

function formatStats(dir: string, s: DatasetStats): string {
  const types = Object.entries(s.interactions.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  const langs = Object.entries(s.languages)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  return [
    `dataset      ${dir}`,
    `users        ${s.users}`,
    `events       ${s.events}`,
    `friendships  ${s.friendships}`,
    `interactions ${s.interactions.total}${types ? ` (${types})` : ''}`,
    `time range   ${s.timeRange.from ?? '-'} … ${s.timeRange.to ?? '-'}`,
    `languages    ${langs || '-'}`,
    `try          user ${s.examples.userId ?? '-'} (most interactions), event ${s.examples.eventId ?? '-'} (most registrations/interest)`,
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('stats')
    .description('Count users, events, friendships and interactions of a native dataset, with its time range and example ids')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--json', 'print {users, events, friendships, interactions{total, byType}, timeRange{from, to}, languages, examples{userId, eventId}}')
    .action(async (flags: StatsFlags) => {
      const dir = flags.data ?? loadConfig().dataDir;
      const { stats, report } = await computeDatasetStats(dir, { progress: throttledStderrProgress(2000) });
      if (report.total() > 0) process.stderr.write(report.summary() + '\n');
      process.stdout.write(flags.json ? JSON.stringify(stats) + '\n' : formatStats(dir, stats) + '\n');
    });
}
