import type { Command } from 'commander';
import { register as buildIndex } from './build-index.ts';
import { register as evalRanker } from './eval-ranker.ts';
import { register as evalRetrieval } from './eval-retrieval.ts';
import { register as features } from './features.ts';
import { register as generate } from './generate.ts';
import { register as materialize } from './materialize.ts';
import { register as quickstart } from './quickstart.ts';
import { register as rank } from './rank.ts';
import { register as importData } from './import.ts';
import { register as jobs } from './jobs.ts';
import { register as recommend } from './recommend.ts';
import { register as serve } from './serve.ts';
import { register as stats } from './stats.ts';
import { register as trainEmbeddings } from './train-embeddings.ts';
import { register as trainRanker } from './train-ranker.ts';
import { register as worker } from './worker.ts';

/**
 * Every `evrec` subcommand, one module each. Add a command by writing `commands/<name>.ts` that
 * exports `register(program: Command): void` and adding it below (keep the list sorted).
 */
const registrars: Array<(program: Command) => void> = [
  // @registry-insert (one line per command, keep sorted)
  buildIndex,
  evalRanker,
  evalRetrieval,
  features,
  generate,
  importData,
  jobs,
  materialize,
  quickstart,
  rank,
  recommend,
  serve,
  stats,
  trainEmbeddings,
  trainRanker,
  worker,
];

export function registerCommands(program: Command): void {
  for (const register of registrars) register(program);
}
