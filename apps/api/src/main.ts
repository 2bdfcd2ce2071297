/**
 * The ranking API process: configuration from the environment (EVREC_*, REDIS_URL), everything
 * else in @evrec/serving. `npx tsx apps/api/src/main.ts` (or `npx evrec serve` for the same with
 * flags and a start banner).
 */
import { existsSync } from 'node:fs';
import { EvrecError, createLogger, isEvrecError, loadConfig, throttledStderrProgress } from '@evrec/core';
import { startServing, type ClockChoice } from '@evrec/serving';

/** EVREC_CLOCK: `auto` (default), `real`, or a start time (epoch ms or ISO 8601). */
function clockFromEnv(value: string | undefined): ClockChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'real') return 'real';
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(t)) throw new EvrecError('CONFIG', `EVREC_CLOCK: expected auto, real or a time, got "${value}"`, { field: 'EVREC_CLOCK' });
  return t;
}

const config = loadConfig();
const logger = createLogger({ level: config.logLevel, name: 'evrec.api' });
try {
  const clock = clockFromEnv(process.env.EVREC_CLOCK);
  // Embedded store: materialise the dataset when there is one; with Redis the store is already loaded.
  const dataDir = config.redisUrl === undefined && existsSync(config.dataDir) ? config.dataDir : undefined;
  const serving = await startServing({ config, dataDir, clock, logger, progress: throttledStderrProgress() });
  const url = await serving.listen();
  logger.info({ url, bundle: serving.bundles.current.version, store: serving.store.kind, clock: serving.clockNote }, 'evrec API listening');
  const stop = async (signal: string): Promise<void> => {
    logger.info({ signal }, 'shutting down');
    await serving.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
} catch (e) {
  logger.fatal({ code: isEvrecError(e) ? e.code : 'INTERNAL', error: (e as Error).message }, 'cannot start the API');
  process.exit(1);
}
