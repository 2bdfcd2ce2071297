/**
 * Text feature benchmark for @evrec/text: texts/s and tokens/s for normalise + segment, language
 * detection, hashedTextVector (detected vs declared language, with and without char n-grams) and
 * sparseTextFeatures, over a synthetic multilingual corpus of event titles + descriptions
 * (12 languages, 6 scripts), overall and per script group.
 *
 *   npx tsx tools/bench/src/text.bench.ts                 # ~20 s
 *   npx tsx tools/bench/src/text.bench.ts --texts 20000 --seconds 3
 *
 * Prints a table to stdout and writes bench-results/text.json (override with --out).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createRng } from '@evrec/core';
import { detectLanguage, hashedTextVector, sparseTextFeatures, tokenize } from '@evrec/text';

const { values: args } = parseArgs({
  options: {
    texts: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '1.5' },
    dims: { type: 'string', default: '256' },
    out: { type: 'string', default: 'bench-results/text.json' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`text.bench.ts options (defaults in brackets):
  --texts N      corpus size (title + 2–6 sentence description each) [5000]
  --seconds S    time budget per measurement (at least one full pass) [1.5]
  --dims D       dense dims for hashedTextVector [256]
  --out FILE     JSON results [bench-results/text.json]
`);
  process.exit(0);
}
const nTexts = Number(args.texts);
const budget = Number(args.seconds);
const dims = Number(args.dims);

// Sentences per language; texts are random titles + descriptions assembled from them.
const SENTENCES: Record<string, string[]> = {
  en: ['Join us for a live jazz night with local musicians.', 'Tickets include one free drink at the bar.', 'The workshop is for beginners who want to learn to code.', 'Bring your own mat; all levels are welcome.', 'Doors open at 7 pm and the show starts at 8.'],
  es: ['Ven a disfrutar de una noche de jazz en vivo.', 'La entrada incluye una bebida gratis.', 'El taller es para principiantes que quieren aprender a programar.', 'Trae tu propia esterilla, todos los niveles son bienvenidos.'],
  fr: ['Venez profiter d’une soirée de jazz avec des musiciens locaux.', 'Le billet comprend une boisson offerte.', 'L’atelier est destiné aux débutants qui veulent apprendre à coder.', 'Apportez votre tapis, tous les niveaux sont les bienvenus.'],
  de: ['Kommt zu unserem Jazzabend mit Musikern aus der Stadt.', 'Im Eintrittspreis ist ein Freigetränk enthalten.', 'Der Workshop richtet sich an Anfänger, die programmieren lernen wollen.', 'Bringt eure eigene Matte mit, alle Niveaus sind willkommen.'],
  pt: ['Venha curtir uma noite de jazz ao vivo com músicos da cidade.', 'O ingresso inclui uma bebida grátis.', 'A oficina é para iniciantes que querem aprender programação.'],
  it: ['Vieni a goderti una serata di jazz dal vivo.', 'Il biglietto include una bevanda gratuita.', 'Il laboratorio è per principianti che vogliono imparare a programmare.'],
  ru: ['Приходите на вечер живого джаза с местными музыкантами.', 'В стоимость билета входит бесплатный напиток.', 'Мастер-класс для начинающих, которые хотят научиться программировать.'],
  ar: ['انضموا إلينا في ليلة جاز حية مع موسيقيين محليين.', 'تشمل التذكرة مشروبا مجانيا.', 'ورشة العمل مخصصة للمبتدئين الذين يريدون تعلم البرمجة.'],
  hi: ['स्थानीय संगीतकारों के साथ लाइव जैज़ की शाम में शामिल हों।', 'टिकट में एक मुफ्त पेय शामिल है।', 'यह कार्यशाला उन शुरुआती लोगों के लिए है जो कोडिंग सीखना चाहते हैं।'],
  ja: ['東京で地元のミュージシャンによるジャズライブを楽しもう。', 'チケットにはワンドリンクが含まれます。', 'このワークショップはプログラミングを学びたい初心者向けです。', '開場は午後七時、開演は八時です。'],
  zh: ['和本地音乐人一起享受现场爵士之夜。', '门票包含一杯免费饮品。', '本工作坊面向想学习编程的初学者。', '晚上七点入场，八点开始演出。'],
  th: ['มาร่วมสนุกกับค่ำคืนดนตรีแจ๊สสดกับนักดนตรีท้องถิ่น', 'บัตรรวมเครื่องดื่มฟรีหนึ่งแก้ว', 'เวิร์กช็อปนี้สำหรับผู้เริ่มต้นที่อยากเรียนเขียนโปรแกรม'],
};
const GROUP: Record<string, string> = { en: 'latin', es: 'latin', fr: 'latin', de: 'latin', pt: 'latin', it: 'latin', ru: 'cyrillic', ar: 'arabic', hi: 'devanagari', ja: 'cjk', zh: 'cjk', th: 'thai' };

interface Doc {
  text: string;
  language: string;
}

function corpus(n: number): Doc[] {
  const rng = createRng('text-bench');
  const langs = Object.keys(SENTENCES);
  return Array.from({ length: n }, () => {
    const language = rng.pick(langs);
    const pool = SENTENCES[language];
    const parts = [`<h1>${rng.pick(pool).slice(0, 40)}</h1>`];
    for (let s = 2 + rng.int(5); s > 0; s--) parts.push(rng.pick(pool));
    parts.push(`${1 + rng.int(28)}/${1 + rng.int(12)} 20:00 — €${5 + rng.int(40)}`);
    return { text: parts.join(' '), language };
  });
}

interface Row {
  operation: string;
  group: string;
  texts: number;
  textsPerSec: number;
  tokensPerSec: number;
  /** Mean microseconds per text (wall clock). */
  usPerText: number;
  /** Texts per second of this process's CPU time: steadier than wall clock on shared cores. */
  textsPerCpuSec: number;
  tokensPerCpuSec: number;
}

function measure(operation: string, group: string, docs: Doc[], tokens: number, fn: (d: Doc) => unknown): Row {
  for (let i = 0; i < Math.min(200, docs.length); i++) fn(docs[i]); // JIT and segmenter caches
  let passes = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  do {
    for (const d of docs) fn(d);
    passes++;
  } while ((performance.now() - t0) / 1000 < budget);
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    operation,
    group,
    texts: docs.length,
    textsPerSec: Math.round((passes * docs.length) / s),
    tokensPerSec: Math.round((passes * tokens) / s),
    usPerText: +((s * 1e6) / (passes * docs.length)).toFixed(1),
    textsPerCpuSec: Math.round((passes * docs.length) / cpuS),
    tokensPerCpuSec: Math.round((passes * tokens) / cpuS),
  };
}

const started = performance.now();
const loadBefore = loadavg()[0];
const docs = corpus(nTexts);
const tokenCount = (ds: Doc[]): number => ds.reduce((n, d) => n + tokenize(d.text, d.language).length, 0);
const totalTokens = tokenCount(docs);
const rows: Row[] = [];
const ops: Array<[string, (d: Doc) => unknown]> = [
  ['tokenize (normalise + segment, declared)', (d) => tokenize(d.text, d.language)],
  ['detectLanguage', (d) => detectLanguage(d.text)],
  ['hashedTextVector, detected language', (d) => hashedTextVector(d.text, { dims })],
  ['hashedTextVector, declared language', (d) => hashedTextVector(d.text, { dims, language: d.language })],
  ['hashedTextVector, declared, no char n-grams', (d) => hashedTextVector(d.text, { dims, language: d.language, charNgrams: false })],
  ['sparseTextFeatures (2^18), declared', (d) => sparseTextFeatures(d.text, { language: d.language })],
];
for (const [name, fn] of ops) {
  rows.push(measure(name, 'all', docs, totalTokens, fn));
  process.stderr.write(`[text.bench] ${name}: ${rows[rows.length - 1].textsPerSec} texts/s\n`);
}
for (const group of [...new Set(Object.values(GROUP))]) {
  const subset = docs.filter((d) => GROUP[d.language] === group);
  rows.push(measure('hashedTextVector, declared language', group, subset, tokenCount(subset), (d) => hashedTextVector(d.text, { dims, language: d.language })));
}
const accuracy = docs.filter((d) => detectLanguage(d.text) === d.language).length / docs.length;

const header = ['operation', 'group', 'texts/s', 'tokens/s', 'µs/text', 'texts/CPU-s', 'tokens/CPU-s'];
const f = (v: number): string => v.toLocaleString('en-US');
const cells = rows.map((r) => [r.operation, r.group, f(r.textsPerSec), f(r.tokensPerSec), r.usPerText.toFixed(1), f(r.textsPerCpuSec), f(r.tokensPerCpuSec)]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c: string[]): string => '| ' + c.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ') + ' |';
const totalS = (performance.now() - started) / 1000;
console.log(`\ntext bench: ${docs.length} texts, ${totalTokens} tokens (${(totalTokens / docs.length).toFixed(1)}/text), dims ${dims}; Node ${process.version}, ${cpus().length} cores`);
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const c of cells) console.log(line(c));
console.log(`detectLanguage accuracy on the corpus: ${(100 * accuracy).toFixed(1)}%`);
console.log(`total ${totalS.toFixed(1)} s; 1-min load average ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`);

await mkdir(dirname(args.out), { recursive: true });
await writeFile(
  args.out,
  JSON.stringify(
    {
      bench: 'text',
      at: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      loadAverage: { before: +loadBefore.toFixed(2), after: +loadavg()[0].toFixed(2) },
      corpus: { texts: docs.length, tokens: totalTokens, languages: Object.keys(SENTENCES) },
      dims,
      rows,
      detectAccuracy: +accuracy.toFixed(4),
      totalSeconds: +totalS.toFixed(1),
    },
    null,
    2,
  ) + '\n',
);
