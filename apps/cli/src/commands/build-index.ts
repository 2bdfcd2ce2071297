import type { Command } from 'commander';
import { EvrecError, loadConfig, throttledStderrProgress } from '@evrec/core';
import { buildIndexIntoBundle } from '@evrec/retrieval';
import { parseTime } from './materialize.ts';

interface BuildIndexFlags {
  artifacts?: string;
  data?: string;
  at?: string;
  horizonDays?: string;
  m?: string;
  efConstruction?: string;
  ef?: string;
  worker?: boolean;
  publish: boolean;
  json?: boolean;
}

/** A positive integer flag, or undefined when absent. */
export function positiveIntFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new EvrecError('INVALID_INPUT', `--${flag}: expected a positive integer, got "${value}"`, { field: flag });
  return n;
}

/** A positive number flag, or undefined when absent. */
export function positiveNumberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new EvrecError('INVALID_INPUT', `--${flag}: expected a positive number, got "${value}"`, { field: flag });
  return n;
}

export function register(program: Command): void {
  program
    .command('build-index')
    .description('Build the HNSW index over the events live at a time from the bundle\'s event vectors; saved as bundle component "ann"')
    .option('--artifacts <dir>', 'artefact root holding the work bundle with trained embeddings (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--data <dir>', 'native dataset directory with the events (default: $EVREC_DATA or data/world)')
    .option('--at <time>', 'index the events live at this time (epoch ms or ISO 8601): published by then, not cancelled, starting within the horizon; default: the embeddings\' training cut')
    .option('--horizon-days <n>', 'events starting up to this many days after --at (default: config retrieval.horizonDays, 30)')
    .option('--m <n>', 'HNSW links per node (default 16)')
    .option('--ef-construction <n>', 'HNSW candidate list while inserting (default 200)')
    .option('--ef <n>', 'default HNSW candidate list while searching (default 100)')
    .option('--worker', 'build on a worker thread')
    .option('--no-publish', 'only update the work bundle; do not publish a new version')
    .option('--json', 'print the result as JSON')
    .action(async (flags: BuildIndexFlags) => {
      const config = loadConfig();
      const result = await buildIndexIntoBundle({
        artifactsDir: flags.artifacts ?? config.artifactsDir,
        data: flags.data ?? config.dataDir,
        at: flags.at === undefined ? undefined : parseTime(flags.at, 'at'),
        horizonDays: positiveNumberFlag(flags.horizonDays, 'horizon-days'),
        ann: {
          M: positiveIntFlag(flags.m, 'm'),
          efConstruction: positiveIntFlag(flags.efConstruction, 'ef-construction'),
          ef: positiveIntFlag(flags.ef, 'ef'),
        },
        worker: flags.worker === true,
        publish: flags.publish,
        progress: throttledStderrProgress(),
      });
      const m = result.meta;
      if (flags.json) process.stdout.write(JSON.stringify({ ...result, atIso: new Date(m.at).toISOString() }) + '\n');
      else {
        process.stdout.write(
          `indexed ${m.count} events live at ${new Date(m.at).toISOString()} (+${m.horizonDays} d; ${m.embedded} embedded by the event tower) ` +
            `M=${m.M} efConstruction=${m.efConstruction} ef=${m.ef} in ${result.seconds.toFixed(1)} s` +
            (result.version === undefined ? ' (work bundle, not published)' : `; published ${result.version}`) + '\n',
        );
      }
    });
}
