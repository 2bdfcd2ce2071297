import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EvrecError, loadConfig, readCurrentPointer, throttledStderrProgress } from '@evrec/core';
import { MANIFEST_FILE, PRESET_NAMES, computeDatasetStats, generateWorld, type PresetName } from '@evrec/data';
import { runFlowInline } from '@evrec/jobs';

interface QuickstartFlags {
  data?: string;
  artifacts?: string;
  preset: string;
  users?: string;
  events?: string;
  seed: string;
  port?: string;
  serve: boolean;
  retrain?: boolean;
}

/**
 * Quick-start world: big enough that every feature group matters and the models separate from
 * the baselines, small enough to generate, train and index in a few minutes on 2 cores.
 */
export const QUICKSTART_WORLD = { preset: 'small' as PresetName, users: 3000, events: 2000 };

/** What the quick start prints of the flow's metrics: [label, metric, baseline metric]. */
const HEADLINE_METRICS: Array<[string, string, string]> = [
  ['retrieval recall@10 (merged)', 'retrieval.merged.recall@10', 'retrieval.popularity.recall@10'],
  ['retrieval recall@100 (ANN)', 'retrieval.ann.recall@100', 'retrieval.popular-nearby.recall@100'],
  ['ranker AUC (NN)', 'ranker.valid.nn.auc', 'ranker.valid.lr.auc'],
  ['ranker log-loss (NN)', 'ranker.valid.nn.log_loss', 'ranker.valid.lr.log_loss'],
];

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new EvrecError('INVALID_INPUT', `${flag}: expected a positive integer, got "${v}"`, { field: flag });
  return n;
}

/** `npm start`: the main job, idempotent — each step runs only when its output is missing. */
export function register(program: Command): void {
  program
    .command('quickstart')
    .description('Set up and run the whole system: generate the default world (when absent), train the towers and the ranker, build the index (when no bundle is published), then serve the API')
    .option('--data <dir>', 'dataset directory (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--preset <name>', `world preset when generating: ${PRESET_NAMES.join(', ')}`, QUICKSTART_WORLD.preset)
    .option('--users <n>', `users when generating (default ${QUICKSTART_WORLD.users})`)
    .option('--events <n>', `events when generating (default ${QUICKSTART_WORLD.events})`)
    .option('--seed <n>', 'seed for generation and training', '42')
    .option('--port <n>', 'API port (default: $EVREC_PORT or 8080)')
    .option('--retrain', 'train and publish a new bundle even when one is already published')
    .option('--no-serve', 'stop after training and indexing')
    .action(async (flags: QuickstartFlags, command: Command) => {
      const config = loadConfig();
      const dataDir = flags.data ?? config.dataDir;
      const artifactsDir = flags.artifacts ?? config.artifactsDir;
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new EvrecError('INVALID_INPUT', `--seed: expected an integer, got "${flags.seed}"`, { field: '--seed' });
      if (!(PRESET_NAMES as readonly string[]).includes(flags.preset)) {
        throw new EvrecError('INVALID_INPUT', `--preset: expected one of ${PRESET_NAMES.join(', ')}, got "${flags.preset}"`, { field: '--preset' });
      }
      const progress = throttledStderrProgress(2000);
      const say = (s: string) => process.stdout.write(s + '\n');

      say(`== 1/4 dataset: ${dataDir}`);
      if (existsSync(join(dataDir, MANIFEST_FILE))) {
        say('   present, kept (delete the folder to regenerate)');
      } else {
        const preset = flags.preset as PresetName;
        const custom = flags.preset === QUICKSTART_WORLD.preset;
        const s = await generateWorld({
          outDir: dataDir,
          preset,
          users: count('--users', flags.users) ?? (custom ? QUICKSTART_WORLD.users : undefined),
          events: count('--events', flags.events) ?? (custom ? QUICKSTART_WORLD.events : undefined),
          seed,
          progress,
        });
        say(`   generated ${s.users} users, ${s.events} events, ${s.interactions} interactions in ${s.seconds.toFixed(1)} s`);
      }

      say('== 2/4 stats');
      const { stats } = await computeDatasetStats(dataDir);
      const byType = Object.entries(stats.interactions.byType).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ');
      say(`   users ${stats.users}, events ${stats.events}, friendships ${stats.friendships}, interactions ${stats.interactions.total} (${byType})`);
      say(`   languages ${Object.keys(stats.languages).length}: ${Object.entries(stats.languages).map(([l, n]) => `${l} ${n}`).join(', ')}`);

      say(`== 3/4 models: ${artifactsDir}`);
      const current = await readCurrentPointer(artifactsDir);
      if (current && !flags.retrain) {
        say(`   bundle ${current.version} already published, kept (--retrain to train a new one)`);
      } else {
        const t0 = Date.now();
        const result = await runFlowInline({ flow: 'retrain', source: { kind: 'dataset', dir: dataDir }, artifactsDir, options: { seed }, progress });
        say(`   retrain flow ${result.outcome}: bundle ${result.version} in ${((Date.now() - t0) / 1000).toFixed(0)} s${result.reason ? ` (${result.reason})` : ''}`);
        for (const [label, key, baseline] of HEADLINE_METRICS) {
          const v = result.metrics[key];
          const b = result.metrics[baseline];
          if (v !== undefined) say(`   ${label.padEnd(30)} ${v.toFixed(3)}${b === undefined ? '' : `   (baseline ${b.toFixed(3)})`}`);
        }
        say(`   all metrics: ${join(artifactsDir, 'publish-log.jsonl')}`);
        if (result.outcome === 'refused') throw new EvrecError('QUALITY_GATE', `the new bundle was refused: ${result.reason ?? 'see publish-log.jsonl'}`);
      }

      if (!flags.serve) return;
      say('== 4/4 serve (Ctrl-C to stop)');
      const args = ['serve', '--data', dataDir, '--artifacts', artifactsDir];
      if (flags.port !== undefined) args.push('--port', flags.port);
      const root = command.parent;
      if (!root) throw new EvrecError('INTERNAL', 'quickstart must run under the evrec program');
      await root.parseAsync(args, { from: 'user' });
    });
}
