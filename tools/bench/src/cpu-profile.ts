/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. the server's from `api-load.bench.ts
 * --cpu-prof DIR`): self and inclusive time per function over the whole profile or only its last
 * --last seconds (the load phases of a benchmark run come after a long start-up), so the hot path
 * under load can be read without a GUI.
 *
 *   npx tsx tools/bench/src/cpu-profile.ts FILE.cpuprofile [--last 60] [--top 30] [--json OUT]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseWith } from '@evrec/core';
import { markdownGrid } from './report.ts';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number().int(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number().int() }),
      children: z.array(z.number().int()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number().int()),
  timeDeltas: z.array(z.number()),
});

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { last: { type: 'string' }, top: { type: 'string', default: '30' }, json: { type: 'string' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: cpu-profile.ts FILE.cpuprofile [--last SECONDS] [--top N] [--json OUT]\n');
  process.exit(2);
}
const file = positionals[0];
const profile = parseWith(profileSchema, JSON.parse(await readFile(file, 'utf8')), file);
const parent = new Map<number, number>();
const frame = new Map<number, string>();
for (const n of profile.nodes) {
  const f = n.callFrame;
  const where = f.url === '' ? '' : ` ${basename(f.url.replace(/^file:\/\//, ''))}:${f.lineNumber + 1}`;
  frame.set(n.id, `${f.functionName || '(anonymous)'}${where}`);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

// Sample times: startTime plus the running sum of deltas (µs); the window is the last --last seconds.
const from = args.last === undefined ? -Infinity : profile.endTime - Number(args.last) * 1e6;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let t = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 0;
  if (t < from) continue;
  const id = profile.samples[i];
  const name = frame.get(id) ?? '?';
  // The sample's weight is the time until the next one.
  const w = next / 1000;
  total += w;
  self.set(name, (self.get(name) ?? 0) + w);
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const fn = frame.get(n) ?? '?';
    if (seen.has(fn)) continue;
    seen.add(fn);
    inclusive.set(fn, (inclusive.get(fn) ?? 0) + w);
  }
}
const top = Number(args.top);
const rows = (m: Map<string, number>): Array<[string, string, string]> =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, v]) => [k, v.toFixed(0), ((100 * v) / Math.max(total, 1e-9)).toFixed(1)]);
console.log(`${file}: ${(total / 1000).toFixed(1)} s of samples${args.last === undefined ? '' : ` in the last ${args.last} s`}`);
console.log('\nself time\n' + markdownGrid(['function', 'ms', '%'], rows(self), { firstColumnLeft: true }));
console.log('\ninclusive time\n' + markdownGrid(['function', 'ms', '%'], rows(inclusive), { firstColumnLeft: true }));
if (args.json !== undefined) await writeFile(args.json, JSON.stringify({ file, totalMs: total, self: Object.fromEntries(self), inclusive: Object.fromEntries(inclusive) }, null, 2));
