import type { Command } from 'commander';
import { EvrecError, INTERACTION_TYPES, TF_BACKENDS, loadConfig, throttledStderrProgress, type InteractionType, type TfBackendChoice } from '@evrec/core';
import { trainEmbeddingsIntoBundle, type TrainEmbeddingsIntoBundleResult } from '@evrec/embeddings';
import { positiveIntFlag, positiveNumberFlag } from './build-index.ts';
import { commandGroup } from './command-groups.ts';
import { parseTime } from './materialize.ts';

interface TrainEmbeddingsFlags {
  data?: string;
  artifacts?: string;
  until?: string;
  epochs?: string;
  publish: boolean;
  batchSize?: string;
  dims?: string;
  temperature?: string;
  idDropout?: string;
  positiveTypes?: string;
  randomNegatives?: string;
  seed: string;
  backend?: string;
  json?: boolean;
}

function interactionTypes(value: string, flag: string): InteractionType[] {
  const types = value.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const bad = types.find((t) => !(INTERACTION_TYPES as readonly string[]).includes(t));
  if (types.length === 0 || bad !== undefined) {
    throw new EvrecError('INVALID_INPUT', `--${flag}: expected a comma-separated list of ${INTERACTION_TYPES.join(', ')}, got "${value}"`, { field: flag });
  }
  return types as InteractionType[];
}

/** The metrics as a two-column table, recall beside its baselines first. */
export function formatEmbeddingsReport(r: TrainEmbeddingsIntoBundleResult): string {
  const m = r.metrics;
  const ks = Object.keys(m)
    .filter((k) => k.startsWith('recall@'))
    .map((k) => Number(k.slice('recall@'.length)))
    .sort((a, b) => a - b);
  const lines: string[] = [];
  if (ks.length > 0) {
    lines.push(`validation: ${m.val_cases} held-out registrations, ranked against ${Math.round(m.mean_live_candidates)} live events on average`);
    lines.push('K      two-tower  popularity  random');
    for (const k of ks) {
      const cell = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4)).padEnd(10);
      lines.push(`${`@${k}`.padEnd(6)} ${cell(m[`recall@${k}`])} ${cell(m[`popular_recall@${k}`]).padEnd(11)} ${cell(m[`random_recall@${k}`])}`.trimEnd());
    }
  } else {
    lines.push('validation: none (too few positives or --valid-fraction 0)');
  }
  lines.push('');
  lines.push(
    `${m.train_pairs} training positives, ${m.epochs} epoch${m.epochs === 1 ? '' : 's'} (best ${m.best_epoch}${m.stopped_early ? ', stopped early' : ''}), loss ${m.loss.toFixed(4)}, ` +
      `${m.examples_per_s} examples/s on ${r.meta.backend}; ${r.meta.events} event and ${r.meta.users} user vectors (${r.meta.dims} dims)`,
  );
  lines.push(r.version === undefined ? 'written to the work bundle (not published)' : `published bundle version ${r.version}`);
  if (r.removed.length > 0) lines.push(`removed stale component(s) built from the old vectors: ${r.removed.join(', ')} — run \`evrec build-index\``);
  return lines.join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'train', 'Train models into the artefact bundle')
    .command('embeddings')
    .description('Train the two-tower model (user and event towers, in-batch softmax with log-q correction); writes bundle component "embeddings" (model, event and user vectors)')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--until <time>', 'train on interactions strictly before this time (epoch ms or ISO 8601); user vectors are as of it; default: all')
    .option('--epochs <n>', 'maximum epochs (early stopping on validation recall@50 ends sooner)', '10')
    .option('--no-publish', 'write the component into the work bundle without publishing a version')
    .option('--batch-size <n>', 'positives per step (each is a negative for the others)', '512')
    .option('--dims <n>', 'vector dimensions', '64')
    .option('--temperature <t>', 'softmax temperature over cosine similarities', '0.05')
    .option('--id-dropout <p>', 'probability of hiding an event id in training so the content path learns to place new events', '0.5')
    .option('--positive-types <list>', 'interaction types that count as positives, e.g. "register,attend" (default: register,attend; interested when the data has no registrations)')
    .option('--random-negatives <k>', 'extra uniformly drawn negatives per step', '0')
    .option('--seed <n>', 'seed of every random choice', '42')
    .option('--backend <name>', `TF.js backend: ${TF_BACKENDS.join(', ')} (default: $EVREC_TF_BACKEND or auto)`)
    .option('--json', 'print the result (metrics, meta, version) as JSON instead of a table')
    .action(async (flags: TrainEmbeddingsFlags) => {
      const config = loadConfig();
      const seed = Number(flags.seed);
      if (!Number.isSafeInteger(seed)) throw new EvrecError('INVALID_INPUT', `--seed: expected an integer, got "${flags.seed}"`, { field: 'seed' });
      const dropout = Number(flags.idDropout ?? '0.5');
      if (!(dropout >= 0 && dropout <= 1)) throw new EvrecError('INVALID_INPUT', `--id-dropout: expected a probability in [0, 1], got "${flags.idDropout}"`, { field: 'id-dropout' });
      const randomNegatives = Number(flags.randomNegatives ?? '0');
      if (!Number.isSafeInteger(randomNegatives) || randomNegatives < 0) {
        throw new EvrecError('INVALID_INPUT', `--random-negatives: expected an integer ≥ 0, got "${flags.randomNegatives}"`, { field: 'random-negatives' });
      }
      const backend = flags.backend ?? config.tfBackend;
      if (!(TF_BACKENDS as readonly string[]).includes(backend)) {
        throw new EvrecError('INVALID_INPUT', `--backend: expected one of ${TF_BACKENDS.join(', ')}, got "${backend}"`, { field: 'backend' });
      }
      const result = await trainEmbeddingsIntoBundle({
        data: flags.data ?? config.dataDir,
        artifactsDir: flags.artifacts ?? config.artifactsDir,
        until: flags.until === undefined ? undefined : parseTime(flags.until, 'until'),
        publish: flags.publish,
        progress: throttledStderrProgress(2000),
        train: {
          epochs: positiveIntFlag(flags.epochs, 'epochs'),
          batchSize: positiveIntFlag(flags.batchSize, 'batch-size'),
          dims: positiveIntFlag(flags.dims, 'dims'),
          temperature: positiveNumberFlag(flags.temperature, 'temperature'),
          eventIdDropout: dropout,
          positiveTypes: flags.positiveTypes === undefined ? undefined : interactionTypes(flags.positiveTypes, 'positive-types'),
          randomNegatives,
          seed,
          backend: backend as TfBackendChoice,
        },
      });
      process.stdout.write((flags.json ? JSON.stringify(result) : formatEmbeddingsReport(result)) + '\n');
    });
}
