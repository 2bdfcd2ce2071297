import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { EvrecError, createLogger, loadConfig, throttledStderrProgress, type TfBackendChoice } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import {
  RANKER_ARCHITECTURES,
  RANKER_LOSSES,
  WIDE_STARTS,
  parsePositiveWeights,
  trainRankerIntoBundle,
  type CalibrationMethod,
  type RankerArchitecture,
  type RankerLossName,
  type RankerTrainingReport,
  type WideStart,
} from '@evrec/ranker';
import { positiveIntFlag } from './build-index.ts';
import { commandGroup } from './command-groups.ts';
import { parseTime } from './materialize.ts';

interface TrainRankerFlags {
  data?: string;
  artifacts?: string;
  until?: string;
  epochs?: string;
  loss: string;
  publish: boolean;
  positives?: string;
  validFraction: string;
  testFraction: string;
  testRandomNegatives: string;
  impressionRate: string;
  randomNegatives: string;
  resample?: string;
  calibration: string;
  monitor: string;
  towers: string;
  unlabelled?: string;
  batchSize?: string;
  hidden?: string;
  architecture: string;
  wide: string;
  seed: string;
  backend?: string;
  json?: boolean;
}

function fraction(value: string, flag: string, allowZero: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1 || (!allowZero && n === 0)) {
    throw new EvrecError('INVALID_INPUT', `--${flag}: expected a number in ${allowZero ? '[0, 1)' : '(0, 1)'}, got "${value}"`, { field: flag });
  }
  return n;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new EvrecError('INVALID_INPUT', `--${flag}: expected one of ${allowed.join(', ')}, got "${value}"`, { field: flag });
  return value as T;
}

/** The `user` column of a CSV file (e.g. the Kaggle test.csv): users whose interactions are unlabelled. */
export async function readUserColumn(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<string, string>[];
  if (rows.length > 0 && !('user' in rows[0])) throw new EvrecError('INVALID_DATA', `${path}: no "user" column`, { location: { file: path, line: 1 } });
  return new Set(rows.map((r) => r.user));
}

const fmt = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/** The end-of-training tables (validation, and test when held out). */
export function formatRankerReport(r: RankerTrainingReport): string {
  const lines: string[] = [];
  const v = r.validation;
  lines.push(`validation: ${v.rows} exposures, positive rate ${fmt(v.positiveRate)} (calibration: NN ${r.calibration.nn}, LR ${r.calibration.lr})`);
  lines.push('model   AUC     log-loss  PR-AUC  mean p');
  for (const [name, f] of [['NN', v.nn], ['LR', v.lr]] as const) {
    lines.push(`${name.padEnd(6)}  ${fmt(f.auc)}  ${fmt(f.logLoss).padEnd(8)}  ${fmt(f.prAuc)}  ${fmt(f.meanPredicted)}`);
  }
  const t = r.testReport;
  if (t) {
    lines.push('');
    const extra = r.test?.bySource.random.examples ?? 0;
    lines.push(`test: ${t.rows} rows (${t.rows - extra} exposures${extra > 0 ? ` + ${extra} random live events` : ''}), ${t.positives} positive, ${t.users} users with a positive (ranking per user over their rows)`);
    const atK = t.ks.flatMap((k) => [`MAP@${k}`, `nDCG@${k}`]);
    lines.push(['model     ', 'AUC   ', 'log-loss', 'PR-AUC', ...atK, 'MRR'].join('  '));
    for (const [name, f] of [['NN', t.models.nn], ['LR', t.models.lr], ['popularity', t.models.popularity]] as const) {
      const cells = t.ks.flatMap((k) => [f.atK[String(k)]?.map, f.atK[String(k)]?.ndcg]).map((v, i) => fmt(v).padEnd(atK[i].length));
      lines.push([name.padEnd(10), fmt(f.auc), fmt(f.logLoss).padEnd(8), fmt(f.prAuc), ...cells, fmt(f.mrr)].join('  '));
    }
    lines.push('NN − baseline, paired bootstrap over users (95% CI; p = share of resamples ≤ 0):');
    for (const c of t.comparisons) {
      lines.push(`  ${c.metric.padEnd(8)} NN − ${c.baseline.padEnd(10)} ${fmt(c.estimate).padStart(7)}  [${fmt(c.lower)}, ${fmt(c.upper)}]  p ${fmt(c.shareAtOrBelowZero, 3)}`);
    }
  }
  lines.push('');
  lines.push(
    `NN: ${r.nnFit.rows} rows, ${r.nnFit.epochs} epochs (best ${r.nnFit.bestEpoch ?? '—'}), ${Math.round(r.nnFit.examplesPerSecond)} examples/s on ${r.backend}; ` +
      `LR: ${r.lrFit.epochs} epochs; features ${r.seconds.features.toFixed(1)} s, total ${r.seconds.total.toFixed(1)} s`,
  );
  return lines.join('\n');
}

export function register(program: Command): void {
  commandGroup(program, 'train', 'Train models into the artefact bundle')
    .command('ranker')
    .description('Train the neural ranker and its logistic-regression baseline on point-in-time features; writes bundle component "ranker" (models, feature spec, calibration, metrics)')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--until <time>', 'train on interactions strictly before this time (epoch ms or ISO 8601); default: all')
    .option('--epochs <n>', 'maximum epochs (early stopping on validation AUC ends sooner)', '20')
    .option('--loss <name>', `NN loss: ${RANKER_LOSSES.join(', ')} (focal and class-balanced against class imbalance)`, 'bce')
    .option('--no-publish', 'write the component into the work bundle without publishing a version')
    .option('--positives <list>', 'positive types and sample weights, e.g. "register=1,attend=1,interested=0.5" (default: register,attend; interested when the data has no registrations)')
    .option('--valid-fraction <f>', 'latest share of interactions for validation (early stopping, calibration, the NN-vs-LR table)', '0.15')
    .option('--test-fraction <f>', 'latest share held out as a test part and ranked per user (NN, LR, popularity); 0 = none', '0')
    .option('--test-random-negatives <k>', 'also rank k random live events per test positive (for logs whose exposures are mostly positive, e.g. RSVPs)', '0')
    .option('--impression-rate <r>', 'share of non-positive impressions kept for training (negative down-sampling; calibration corrects for it)', '1')
    .option('--random-negatives <k>', 'random events live at the time per positive', '1')
    .option('--resample <share>', 'oversample positives to this share of the NN training rows (beside the loss)')
    .option('--calibration <method>', 'auto (lower cross-fitted log-loss), platt, isotonic or none', 'auto')
    .option('--monitor <metric>', 'early stopping on validation auc or logloss', 'auc')
    .option('--towers <mode>', "two-tower inputs: auto (the bundle's embeddings, else train them first), train (retrain them), none", 'auto')
    .option('--unlabelled <csv>', 'CSV with a "user" column (e.g. Kaggle test.csv): these users\' interactions make no training examples')
    .option('--batch-size <n>', 'examples per step', '512')
    .option('--hidden <list>', 'hidden layer widths of the NN\'s deep part, e.g. "256,128,64" (default 128,64)')
    .option('--architecture <name>', `NN family: ${RANKER_ARCHITECTURES.join(', ')} (wide-deep = the LR's linear part + an MLP)`, 'wide-deep')
    .option('--wide <start>', `wide part of wide-deep: frozen (the trained LR's weights, fixed), tuned (start from them, train on) or scratch`, 'frozen')
    .option('--seed <n>', 'seed of every random choice', '42')
    .option('--backend <name>', 'TF.js backend: auto, tensorflow, wasm or cpu (default: $EVREC_TF_BACKEND or auto)')
    .option('--json', 'print the training report as JSON instead of tables')
    .action(async (flags: TrainRankerFlags) => {
      const config = loadConfig();
      const logger = createLogger({ name: 'evrec.ranker', level: config.logLevel });
      const progress = throttledStderrProgress(2000);
      const until = flags.until === undefined ? undefined : parseTime(flags.until, 'until');
      const hidden = flags.hidden === undefined ? undefined : flags.hidden.split(',').map((h, i) => positiveIntFlag(h.trim(), `hidden[${i}]`) as number);
      const seed = Number(flags.seed);
      if (!Number.isSafeInteger(seed)) throw new EvrecError('INVALID_INPUT', `--seed: expected an integer, got "${flags.seed}"`, { field: 'seed' });
      const randomNegatives = Number(flags.randomNegatives);
      if (!Number.isSafeInteger(randomNegatives) || randomNegatives < 0) throw new EvrecError('INVALID_INPUT', `--random-negatives: expected an integer ≥ 0, got "${flags.randomNegatives}"`, { field: 'random-negatives' });
      const testRandomNegatives = Number(flags.testRandomNegatives);
      if (!Number.isSafeInteger(testRandomNegatives) || testRandomNegatives < 0) throw new EvrecError('INVALID_INPUT', `--test-random-negatives: expected an integer ≥ 0, got "${flags.testRandomNegatives}"`, { field: 'test-random-negatives' });
      const impressionRate = Number(flags.impressionRate);
      if (!(impressionRate > 0 && impressionRate <= 1)) throw new EvrecError('INVALID_INPUT', `--impression-rate: expected a number in (0, 1], got "${flags.impressionRate}"`, { field: 'impression-rate' });
      const options = {
        until,
        epochs: positiveIntFlag(flags.epochs, 'epochs'),
        batchSize: positiveIntFlag(flags.batchSize, 'batch-size'),
        loss: oneOf<RankerLossName>(flags.loss, RANKER_LOSSES, 'loss'),
        positives: flags.positives === undefined ? undefined : parsePositiveWeights(flags.positives),
        validFraction: fraction(flags.validFraction, 'valid-fraction', false),
        testFraction: fraction(flags.testFraction, 'test-fraction', true),
        testRandomNegatives,
        negatives: { impressionRate, randomPerPositive: randomNegatives },
        resamplePositiveShare: flags.resample === undefined ? undefined : fraction(flags.resample, 'resample', false),
        calibration: oneOf<CalibrationMethod | 'auto'>(flags.calibration, ['auto', 'platt', 'isotonic', 'none'], 'calibration'),
        monitor: oneOf<'auc' | 'logloss'>(flags.monitor, ['auc', 'logloss'], 'monitor'),
        towers: oneOf<'auto' | 'train' | 'none'>(flags.towers, ['auto', 'train', 'none'], 'towers'),
        network: { architecture: oneOf<RankerArchitecture>(flags.architecture, RANKER_ARCHITECTURES, 'architecture'), ...(hidden === undefined ? {} : { hidden }) },
        wideStart: oneOf<WideStart>(flags.wide, WIDE_STARTS, 'wide'),
        seed,
        backend: (flags.backend === undefined ? config.tfBackend : oneOf(flags.backend, ['auto', 'tensorflow', 'wasm', 'cpu'], 'backend')) as TfBackendChoice,
      };
      const unlabelledUsers = flags.unlabelled === undefined ? undefined : await readUserColumn(flags.unlabelled);
      const dataDir = flags.data ?? config.dataDir;
      const artifactsDir = flags.artifacts ?? config.artifactsDir;
      const data = await loadDataset(dataDir, { progress });
      if (data.report.total() > 0) process.stderr.write(data.report.summary() + '\n');
      if (unlabelledUsers) process.stderr.write(`${unlabelledUsers.size} users from ${flags.unlabelled} make no training examples\n`);
      const result = await trainRankerIntoBundle({ ...options, data, artifactsDir, publish: flags.publish, unlabelledUsers, progress, logger });
      try {
        process.stderr.write(`towers: ${result.towersNote}\n`);
        const where = result.version === undefined ? `work bundle ${artifactsDir}/work (not published)` : `bundle version ${result.version}`;
        if (flags.json) process.stdout.write(JSON.stringify({ version: result.version ?? null, towers: result.towers, report: result.report, meta: result.ranker.meta }, null, 2) + '\n');
        else process.stdout.write(`ranker trained on ${result.report.backend} → ${where}\n${formatRankerReport(result.report)}\n`);
      } finally {
        result.ranker.dispose();
      }
    });
}
