import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EvrecError, createLogger, loadConfig, openBundle, throttledStderrProgress, writeFileAtomic } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { FEATURE_GROUPS, type FeatureGroup } from '@evrec/features';
import { defaultRetrievalSplit, evaluateRanker, formatRankerReport, rankerReportHtml } from '@evrec/eval';
import { positiveIntFlag, positiveNumberFlag } from './build-index.ts';
import { commandGroup } from './command-groups.ts';
import { parseTime } from './materialize.ts';

interface EvalRankerFlags {
  data?: string;
  splitAt?: string;
  artifacts?: string;
  epochs?: string;
  embeddingEpochs?: string;
  hardNegatives?: string;
  ablation: boolean;
  ablationGroups?: string;
  ks?: string;
  maxUsers?: string;
  horizonDays?: string;
  radiusKm?: string;
  seed?: string;
  json?: boolean;
  out?: string;
  report?: string;
}

function oneOfGroup(value: string): FeatureGroup {
  const group = FEATURE_GROUPS.find((g) => g === value);
  if (group === undefined) throw new EvrecError('INVALID_INPUT', `--ablation-groups: expected some of ${FEATURE_GROUPS.join(', ')}, got "${value}"`, { field: 'ablation-groups' });
  return group;
}

export function register(program: Command): void {
  commandGroup(program, 'eval', 'Offline evaluation on temporal splits')
    .command('ranker')
    .description('Train the NN and LR rankers before a split and compare them with popularity and retrieval order: AUC, PR-AUC, log-loss, calibration, P/R/MAP/nDCG@5/10/20 and MRR on the funnel candidates and on the test exposures; ablation by feature group')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--split-at <time>', 'split time S (epoch ms or ISO 8601): training strictly before, test after; default: 80% of interactions before')
    .option('--artifacts <dir>', 'use the embeddings of this artefact root\'s published bundle (trained up to S at the latest); default: train them here on the data before S')
    .option('--epochs <n>', 'maximum training epochs of each ranker (the full one and every ablation)', '5')
    .option('--embedding-epochs <n>', 'two-tower training epochs when training here (default: the embeddings default)')
    .option('--hard-negatives <n>', 'hard negatives per positive from the two-tower retrieval during ranker training (default 0: off)')
    .option('--no-ablation', 'skip retraining without each feature group')
    .option('--ablation-groups <list>', `feature groups to ablate, comma-separated (default: all of ${FEATURE_GROUPS.join(', ')})`)
    .option('--ks <list>', 'ranking cut-offs, comma-separated, e.g. "5,10,20,200" (default 5,10,20)')
    .option('--max-users <n>', 'evaluate the funnel for a seeded sample of at most this many test users (default: all)')
    .option('--horizon-days <n>', 'events starting within this many days of S (default: config retrieval.horizonDays, 30)')
    .option('--radius-km <n>', 'radius of the retrieval distance rule (default: config retrieval.radiusKm, 100)')
    .option('--seed <n>', 'seed of training, sampling and the bootstrap', '42')
    .option('--json', 'print the report as JSON instead of tables')
    .option('--out <file>', 'also write the report as JSON to this file')
    .option('--report <file>', 'write a self-contained HTML report (tables, reliability diagram, ablation bars) to this file')
    .action(async (flags: EvalRankerFlags) => {
      const config = loadConfig();
      const progress = throttledStderrProgress(2000);
      const logger = createLogger({ name: 'evrec.eval', level: config.logLevel });
      const dataset = await loadDataset(flags.data ?? config.dataDir, { progress });
      const splitAt = flags.splitAt === undefined ? defaultRetrievalSplit(dataset) : parseTime(flags.splitAt, 'split-at');
      const embeddingEpochs = positiveIntFlag(flags.embeddingEpochs, 'embedding-epochs');
      let tmp: string | undefined;
      try {
        let root = flags.artifacts;
        if (root === undefined) {
          tmp = await mkdtemp(join(tmpdir(), 'evrec-eval-ranker-'));
          root = tmp;
          process.stderr.write(`training embeddings on interactions before ${new Date(splitAt).toISOString()} …\n`);
          await trainEmbeddingsIntoBundle({ data: dataset, artifactsDir: root, until: splitAt, publish: false, progress, train: embeddingEpochs === undefined ? {} : { epochs: embeddingEpochs } });
        }
        const embeddings = await loadEmbeddingsComponent(await openBundle(root, tmp === undefined ? {} : { version: 'work' }));
        try {
          const report = await evaluateRanker({
            dataset,
            embeddings,
            splitAt,
            epochs: positiveIntFlag(flags.epochs, 'epochs') ?? 5,
            hardNegatives: flags.hardNegatives === undefined ? 0 : positiveIntFlag(flags.hardNegatives, 'hard-negatives'),
            ablation: flags.ablation,
            ablationGroups: flags.ablationGroups === undefined ? undefined : flags.ablationGroups.split(',').map((g) => oneOfGroup(g.trim())),
            ks: flags.ks === undefined ? undefined : flags.ks.split(',').map((k, i) => positiveIntFlag(k.trim(), `ks[${i}]`) as number),
            maxUsers: positiveIntFlag(flags.maxUsers, 'max-users'),
            seed: Number(flags.seed ?? 42),
            retrieval: {
              horizonDays: positiveNumberFlag(flags.horizonDays, 'horizon-days') ?? config.retrieval.horizonDays,
              radiusKm: positiveNumberFlag(flags.radiusKm, 'radius-km') ?? config.retrieval.radiusKm,
            },
            progress,
            logger,
          });
          const json = JSON.stringify(report, null, 2) + '\n';
          if (flags.out !== undefined) await writeFileAtomic(flags.out, json);
          if (flags.report !== undefined) {
            await writeFileAtomic(flags.report, rankerReportHtml(report));
            process.stderr.write(`wrote the HTML report to ${flags.report}\n`);
          }
          process.stdout.write(flags.json ? json : formatRankerReport(report) + '\n');
        } finally {
          embeddings.model.dispose();
        }
      } finally {
        if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
      }
    });
}
