import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, openBundle, throttledStderrProgress, writeFileAtomic } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle } from '@evrec/embeddings';
import { defaultRetrievalSplit, evaluateRetrieval, formatRetrievalReport, retrievalReportHtml } from '@evrec/eval';
import { positiveIntFlag, positiveNumberFlag } from './build-index.ts';
import { commandGroup } from './command-groups.ts';
import { parseTime } from './materialize.ts';

interface EvalRetrievalFlags {
  data?: string;
  splitAt?: string;
  artifacts?: string;
  epochs?: string;
  horizonDays?: string;
  radiusKm?: string;
  maxUsers?: string;
  seed?: string;
  json?: boolean;
  out?: string;
  variants?: boolean;
  report?: string;
}

export function register(program: Command): void {
  commandGroup(program, 'eval', 'Offline evaluation on temporal splits')
    .command('retrieval')
    .description('Recall@10/50/100/500 and MRR (all, cold and warm events) of each candidate source, the merged set and baselines (random, popularity, popular-nearby) against every event live at the split')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--split-at <time>', 'split time S (epoch ms or ISO 8601): training state strictly before, test registrations in [S, S + horizon); default: 80% of interactions before')
    .option('--artifacts <dir>', 'use the embeddings of this artefact root\'s published bundle (trained up to S at the latest); default: train them here on the data before S')
    .option('--epochs <n>', 'training epochs when training here (default: the embeddings default)')
    .option('--horizon-days <n>', 'events starting within this many days of S (default: config retrieval.horizonDays, 30)')
    .option('--radius-km <n>', 'radius of the distance rule and of "nearby" (default: config retrieval.radiusKm, 100)')
    .option('--max-users <n>', 'evaluate a seeded sample of at most this many test users (default: all)')
    .option('--seed <n>', 'seed of the user sample and the random baseline', '42')
    .option('--json', 'print the report as JSON instead of a table')
    .option('--out <file>', 'also write the report as JSON to this file')
    .option('--variants', 'also train and score the ID-only and content-only towers on the same data (two more trainings)')
    .option('--report <file>', 'also write a self-contained HTML report (recall@K curves, tables all / cold / warm) to this file')
    .action(async (flags: EvalRetrievalFlags) => {
      const config = loadConfig();
      const progress = throttledStderrProgress(2000);
      const dataset = await loadDataset(flags.data ?? config.dataDir, { progress });
      const splitAt = flags.splitAt === undefined ? defaultRetrievalSplit(dataset) : parseTime(flags.splitAt, 'split-at');
      const epochs = positiveIntFlag(flags.epochs, 'epochs');
      let tmp: string | undefined;
      try {
        let root = flags.artifacts;
        if (root === undefined) {
          tmp = await mkdtemp(join(tmpdir(), 'evrec-eval-retrieval-'));
          root = tmp;
          process.stderr.write(`training embeddings on interactions before ${new Date(splitAt).toISOString()} …\n`);
          await trainEmbeddingsIntoBundle({ data: dataset, artifactsDir: root, until: splitAt, publish: false, progress, train: epochs === undefined ? {} : { epochs } });
        }
        const embeddings = await loadEmbeddingsComponent(await openBundle(root, tmp === undefined ? {} : { version: 'work' }));
        try {
          const report = await evaluateRetrieval({
            dataset,
            embeddings,
            splitAt,
            maxUsers: positiveIntFlag(flags.maxUsers, 'max-users'),
            seed: Number(flags.seed ?? 42),
            variants: flags.variants === true,
            variantTraining: epochs === undefined ? {} : { epochs },
            retrieval: {
              horizonDays: positiveNumberFlag(flags.horizonDays, 'horizon-days') ?? config.retrieval.horizonDays,
              radiusKm: positiveNumberFlag(flags.radiusKm, 'radius-km') ?? config.retrieval.radiusKm,
            },
            progress,
          });
          const json = JSON.stringify({ ...report, embeddings: embeddings.meta }, null, 2) + '\n';
          if (flags.out !== undefined) await writeFileAtomic(flags.out, json);
          if (flags.report !== undefined) await writeFileAtomic(flags.report, retrievalReportHtml(report));
          process.stdout.write(flags.json ? json : formatRetrievalReport(report) + '\n');
        } finally {
          embeddings.model.dispose();
        }
      } finally {
        if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
      }
    });
}
