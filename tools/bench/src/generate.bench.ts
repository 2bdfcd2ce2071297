/**
 * Synthetic world generator benchmark: wall time, interactions per second, peak RSS and output
 * size for one preset (or explicit sizes), with a per-stage breakdown.
 *
 *   npx tsx tools/bench/src/generate.bench.ts [--preset tiny|small|medium|1m] [--users N] [--events N]
 *       [--days N] [--seed S] [--out DIR] [--keep]
 *
 * Writes into a temporary folder (deleted afterwards unless --keep or --out is given), prints a
 * table and writes bench-results/generate.json. The 1m preset writes ~4 GB; check the disk first.
 */
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PRESET_NAMES, generateWorld, type PresetName } from '@evrec/data';
import { markdownTable } from './report.ts';

const { values: args } = parseArgs({
  options: {
    preset: { type: 'string', default: 'medium' },
    users: { type: 'string' },
    events: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
if (!(PRESET_NAMES as readonly string[]).includes(args.preset!)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}`);
const count = (v: string | undefined) => (v === undefined ? undefined : Number(v.replace(/[_,]/g, '')));

const outDir = args.out ?? (await mkdtemp(join(tmpdir(), 'evrec-bench-generate-')));
const stages = new Map<string, { first: number; last: number; done: number }>();
const began = performance.now();
let lastPrint = 0;
const summary = await generateWorld({
  outDir,
  preset: args.preset as PresetName,
  users: count(args.users),
  events: count(args.events),
  days: count(args.days),
  seed: /^\d+$/.test(args.seed!) ? Number(args.seed) : args.seed,
  progress: (e) => {
    const now = performance.now();
    const s = stages.get(e.stage) ?? { first: now, last: now, done: 0 };
    s.last = now;
    s.done = e.done;
    stages.set(e.stage, s);
    if (now - lastPrint > 5000) {
      lastPrint = now;
      const rss = process.memoryUsage().rss / 2 ** 20;
      process.stderr.write(`[${e.stage}] ${e.done}${e.total ? '/' + e.total : ''} ${e.message ?? ''} rss=${rss.toFixed(0)}MB\n`);
    }
  },
});
const seconds = (performance.now() - began) / 1000;
const peakRssMb = process.resourceUsage().maxRSS / 1024;

let bytes = 0;
for (const f of await readdir(outDir)) {
  const s = await stat(join(outDir, f));
  if (s.isFile()) bytes += s.size;
}
if (!args.keep && args.out === undefined) await rm(outDir, { recursive: true, force: true });

const result = {
  preset: summary.preset,
  seed: summary.seed,
  users: summary.users,
  events: summary.events,
  friendships: summary.friendships,
  interactions: summary.interactions,
  days: summary.days,
  seconds: Number(seconds.toFixed(2)),
  interactionsPerSecond: Math.round(summary.interactions / seconds),
  peakRssMb: Math.round(peakRssMb),
  outputMb: Math.round(bytes / 2 ** 20),
};
// Stage boundaries come from progress events, so a stage's time runs from its first report to its last.
const order = ['generate.users', 'generate.friendships', 'generate.events', 'generate.interactions'];
let prevEnd = 0;
const stageRows = order.filter((s) => stages.has(s)).map((name) => {
  const s = stages.get(name)!;
  const secondsInStage = (s.last - began) / 1000 - prevEnd;
  prevEnd = (s.last - began) / 1000;
  return { stage: name, done: s.done, seconds: Number(secondsInStage.toFixed(2)) };
});

process.stdout.write(`Synthetic world generation (${cpus().length} CPUs: ${cpus()[0]?.model ?? '?'}, node ${process.version})\n`);
process.stdout.write(markdownTable([result]) + '\n\n' + markdownTable(stageRows) + '\n');
process.stdout.write(`interactions by type: ${JSON.stringify(summary.interactionsByType)}\n`);
await mkdir('bench-results', { recursive: true });
await writeFile(
  'bench-results/generate.json',
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, args, result, stages: stageRows, interactionsByType: summary.interactionsByType }, null, 2) + '\n',
);
