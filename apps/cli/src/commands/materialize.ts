import type { Command } from 'commander';
import { EvrecError, loadConfig, throttledStderrProgress } from '@evrec/core';
import { openDataset } from '@evrec/data';
import { DEFAULT_KEY_PREFIX, createFeatureStore } from '@evrec/store';

interface MaterializeFlags {
  data?: string;
  until?: string;
  redis?: string;
  keyPrefix: string;
  log?: string;
  reset?: boolean;
  json?: boolean;
}

/** Epoch milliseconds or an ISO 8601 date/time (`2013-01-01`, `2013-01-01T12:00:00Z`). */
export function parseTime(value: string, field: string): number {
  const trimmed = value.trim();
  const t = /^\d+$/.test(trimmed) ? Number(trimmed) : Date.parse(trimmed);
  if (!Number.isSafeInteger(t) || t < 0) {
    throw new EvrecError('INVALID_INPUT', `--${field}: expected epoch milliseconds or an ISO 8601 date, got "${value}"`, { field });
  }
  return t;
}

export function register(program: Command): void {
  program
    .command('materialize')
    .description('Load a native dataset into the online feature store (Redis, or the embedded store with a log file)')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--until <time>', 'only interactions strictly before this time (epoch ms or ISO 8601); default: all')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL); without it the embedded store is used and --log is required')
    .option('--key-prefix <prefix>', 'Redis key prefix', DEFAULT_KEY_PREFIX)
    .option('--log <path>', 'embedded store: append-only log file to write (replayed by the store on start)')
    .option('--reset', 'delete everything the store holds first (Redis: every key under the prefix)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: MaterializeFlags) => {
      const config = loadConfig();
      const dir = flags.data ?? config.dataDir;
      const until = flags.until === undefined ? undefined : parseTime(flags.until, 'until');
      const redisUrl = flags.redis ?? config.redisUrl;
      if (redisUrl === undefined && flags.log === undefined) {
        throw new EvrecError('INVALID_INPUT', 'nothing would persist: pass --redis URL (or set REDIS_URL) or --log PATH for the embedded store', { field: 'redis' });
      }
      const reader = await openDataset(dir);
      const store = await createFeatureStore({ redisUrl, keyPrefix: flags.keyPrefix, logPath: flags.log, logFsync: 'never' });
      try {
        if (flags.reset) await store.clear();
        const result = await store.materialize(reader, { until, progress: throttledStderrProgress() });
        const summary = { store: store.kind, dataset: dir, until: until ?? null, ...result };
        if (flags.json) {
          process.stdout.write(JSON.stringify(summary) + '\n');
        } else {
          const i = result.interactions;
          process.stdout.write(
            `materialized ${dir} into the ${store.kind} store in ${(result.ms / 1000).toFixed(1)} s: ` +
              `${result.users} users, ${result.events} events, ${result.friendships} friendships, ` +
              `${i.accepted} interactions (${i.duplicates} already present, ${result.skipped} skipped)\n`,
          );
        }
      } finally {
        await store.close();
      }
    });
}
