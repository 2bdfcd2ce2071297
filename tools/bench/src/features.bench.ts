/**
 * Feature benchmark: point-in-time snapshot (offline replay), feature assembly and encoding for one
 * user × 500 candidates (p50/p99), on a seeded synthetic world.
 *
 *   npx tsx tools/bench/src/features.bench.ts [--users N] [--events N] [--interactions N] [--candidates N] [--queries N]
 *
 * Assembly is measured with a warm text cache (serving keeps event text vectors; every candidate
 * already hashed) and cold (every description hashed in the request). Prints a table and writes
 * bench-results/features.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MS_PER_DAY, MS_PER_MINUTE, createRng, type Event, type Interaction, type InteractionType, type User } from '@evrec/core';
import {
  EventTextCache,
  FEATURES,
  FeatureSpecBuilder,
  ReplayActivity,
  assembleFeatures,
  encodeBatch,
  gatherActivity,
  type FeatureSnapshot,
  type RawFeatureBatch,
} from '@evrec/features';
import { quantile } from './report.ts';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '5000' },
    events: { type: 'string', default: '5000' },
    interactions: { type: 'string', default: '200000' },
    candidates: { type: 'string', default: '500' },
    queries: { type: 'string', default: '200' },
    seed: { type: 'string', default: '42' },
  },
});
const N_USERS = Number(args.users);
const N_EVENTS = Number(args.events);
const N_INTERACTIONS = Number(args.interactions);
const N_CANDIDATES = Number(args.candidates);
const N_QUERIES = Number(args.queries);
const FRIENDS_PER_USER = 20;
const START = Date.UTC(2026, 0, 1);
const DAYS = 90;
const NOW = START + DAYS * MS_PER_DAY;
const rng = createRng(Number(args.seed));

// ---- a synthetic world: 12 cities, 8 categories, multilingual text, popularity-skewed interactions ----
const CITIES = Array.from({ length: 12 }, (_, i) => ({ city: `City${i}`, country: ['FR', 'DE', 'ES', 'GB', 'US', 'JP'][i % 6], lat: -40 + i * 7, lng: -120 + i * 20, offset: (i % 6) * 60 - 120 }));
const CURRENCY: Record<string, string> = { FR: 'EUR', DE: 'EUR', ES: 'EUR', GB: 'GBP', US: 'USD', JP: 'JPY' };
const LANG: Record<string, string> = { FR: 'fr', DE: 'de', ES: 'es', GB: 'en', US: 'en', JP: 'ja' };
const WORDS: Record<string, string[]> = {
  en: 'live music night jazz concert workshop learn code data startup talk meetup run yoga team food wine tasting gallery art film community'.split(' '),
  fr: 'soirée musique concert atelier apprendre données conférence course équipe cuisine vin dégustation galerie cinéma communauté'.split(' '),
  de: 'abend musik konzert werkstatt lernen daten vortrag treffen laufen mannschaft essen wein verkostung galerie kunst gemeinschaft'.split(' '),
  es: 'noche música concierto taller aprender datos charla encuentro correr equipo comida vino cata galería arte comunidad'.split(' '),
  ja: '音楽 ライブ 夜 ジャズ コンサート ワークショップ 学ぶ データ 勉強会 ランニング ヨガ 料理 ワイン 美術 映画 交流'.split(' '),
};
const CATEGORIES = ['music', 'tech', 'sports', 'food', 'art', 'film', 'family', 'business'];
const sentence = (lang: string, n: number) => Array.from({ length: n }, () => rng.pick(WORDS[lang])).join(lang === 'ja' ? '' : ' ');

function buildWorld() {
  const users = new Map<string, User>();
  for (let i = 0; i < N_USERS; i++) {
    const c = rng.pick(CITIES);
    const u: User = { id: `u${i}`, language: LANG[c.country], locale: `${LANG[c.country]}_${c.country}`, birthYear: 1955 + rng.int(50), gender: rng.pick(['male', 'female', 'other'] as const), joinedAt: START - rng.int(900) * MS_PER_DAY, utcOffsetMinutes: c.offset };
    if (rng.chance(0.5)) Object.assign(u, { lat: c.lat + rng.normal() * 0.1, lng: c.lng + rng.normal() * 0.1, city: c.city, country: c.country });
    users.set(u.id, u);
  }
  const events = new Map<string, Event>();
  for (let i = 0; i < N_EVENTS; i++) {
    const c = rng.pick(CITIES);
    const lang = LANG[c.country];
    const createdAt = START + rng.int(DAYS + 20) * MS_PER_DAY - 30 * MS_PER_DAY;
    const e: Event = {
      id: `e${i}`, title: sentence(lang, 4), description: sentence(lang, 30 + rng.int(120)), language: rng.chance(0.8) ? lang : undefined,
      category: rng.pick(CATEGORIES), hostId: `h${rng.int(N_EVENTS / 5)}`, organizerUserId: rng.chance(0.3) ? `u${rng.int(N_USERS)}` : undefined,
      createdAt, startsAt: createdAt + (1 + rng.int(45)) * MS_PER_DAY + rng.int(1440) * MS_PER_MINUTE, durationMinutes: 60 + rng.int(300),
      utcOffsetMinutes: c.offset, price: rng.chance(0.4) ? 0 : 5 + rng.int(100), currency: CURRENCY[c.country], capacity: rng.chance(0.6) ? 20 + rng.int(500) : undefined,
    };
    if (rng.chance(0.1)) e.online = true;
    else Object.assign(e, { online: false, lat: c.lat + rng.normal() * 0.1, lng: c.lng + rng.normal() * 0.1, city: c.city, country: c.country });
    events.set(e.id, e);
  }
  const friends = new Map<string, string[]>();
  for (let n = 0; n < (N_USERS * FRIENDS_PER_USER) / 2; n++) {
    const a = `u${rng.int(N_USERS)}`;
    const b = `u${rng.int(N_USERS)}`;
    if (a === b) continue;
    (friends.get(a) ?? friends.set(a, []).get(a))?.push(b);
    (friends.get(b) ?? friends.set(b, []).get(b))?.push(a);
  }
  const popularity = Float64Array.from({ length: N_EVENTS }, (_, i) => 1 / Math.pow(i + 1, 0.8));
  const types: InteractionType[] = ['impression', 'click', 'register', 'attend', 'interested', 'not_interested', 'invite', 'cancel'];
  const weights = [50, 15, 12, 3, 8, 4, 6, 2];
  const interactions: Interaction[] = [];
  for (let k = 0; k < N_INTERACTIONS; k++) {
    const type = types[rng.weighted(weights)];
    interactions.push({ id: `x${k}`, userId: `u${rng.int(N_USERS)}`, eventId: `e${rng.weighted(popularity)}`, type, at: START + Math.floor(rng.next() * (NOW - START)) });
  }
  interactions.sort((a, b) => a.at - b.at);
  return { users, events, friends, interactions };
}


const t0 = performance.now();
const world = buildWorld();
const buildMs = performance.now() - t0;
const t1 = performance.now();
const reader = new ReplayActivity(world);
const indexMs = performance.now() - t1;
const eventList = [...world.events.values()];
const activeUsers = [...new Set(world.interactions.map((x) => x.userId))];
const warmCache = new EventTextCache();
const t2 = performance.now();
for (const e of eventList) warmCache.get(e);
const textMs = performance.now() - t2;

interface Query {
  userId: string;
  candidates: Event[];
  at: number;
}
const queries: Query[] = Array.from({ length: N_QUERIES }, () => ({
  userId: rng.pick(activeUsers),
  candidates: Array.from({ length: N_CANDIDATES }, () => rng.pick(eventList)),
  at: NOW - rng.int(10 * 24) * 3_600_000,
}));

async function assembleOne(q: Query, cache: EventTextCache, snapshot?: FeatureSnapshot): Promise<{ batch: RawFeatureBatch; snapshotMs: number; assembleMs: number }> {
  const a = performance.now();
  const snap = snapshot ?? (await gatherActivity(reader, { userId: q.userId, eventIds: q.candidates.map((e) => e.id), at: q.at }));
  const b = performance.now();
  const user = world.users.get(q.userId) ?? { id: q.userId };
  const batch = assembleFeatures({ user, events: q.candidates, context: { at: q.at, surface: 'web' }, snapshot: snap, catalog: world.events, textCache: cache });
  return { batch, snapshotMs: b - a, assembleMs: performance.now() - b };
}

// Fit a spec on the first 50 queries (as training would), warming the JIT at the same time.
const builder = new FeatureSpecBuilder();
for (const q of queries.slice(0, 50)) builder.add((await assembleOne(q, warmCache)).batch);
const spec = builder.build();

const snapshotMs: number[] = [];
const assembleMs: number[] = [];
const encodeMs: number[] = [];
const totalMs: number[] = [];
for (const q of queries) {
  const r = await assembleOne(q, warmCache);
  const a = performance.now();
  const enc = encodeBatch(spec, r.batch);
  const encode = performance.now() - a;
  if (enc.dense.length !== N_CANDIDATES * spec.denseWidth) throw new Error('encoded size mismatch');
  snapshotMs.push(r.snapshotMs);
  assembleMs.push(r.assembleMs);
  encodeMs.push(encode);
  totalMs.push(r.assembleMs + encode);
}
const coldMs: number[] = [];
for (const q of queries.slice(0, Math.min(30, queries.length))) {
  const snap = await gatherActivity(reader, { userId: q.userId, eventIds: q.candidates.map((e) => e.id), at: q.at });
  coldMs.push((await assembleOne(q, new EventTextCache(), snap)).assembleMs);
}

const row = (name: string, xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { stage: name, n: xs.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: xs.reduce((s, x) => s + x, 0) / xs.length };
};
const results = [
  row('snapshot (offline replay, incl. history counters)', snapshotMs),
  row('assemble (warm text cache)', assembleMs),
  row('encode', encodeMs),
  row('assemble + encode (warm)', totalMs),
  row('assemble (cold text cache)', coldMs),
];
const setup = {
  users: N_USERS, events: N_EVENTS, interactions: N_INTERACTIONS, candidates: N_CANDIDATES, queries: N_QUERIES,
  features: FEATURES.length, denseWidth: spec.denseWidth, categoricalColumns: spec.categoricalColumns.length,
  worldBuildMs: buildMs, replayIndexMs: indexMs, textVectorsAllEventsMs: textMs,
};
console.log(`features bench: ${N_CANDIDATES} candidates × ${FEATURES.length} features → ${spec.denseWidth} dense + ${spec.categoricalColumns.length} id columns; ${N_QUERIES} queries`);
console.log(`world ${N_USERS} users, ${N_EVENTS} events, ${N_INTERACTIONS} interactions; replay index ${indexMs.toFixed(0)} ms; text vectors for all events ${textMs.toFixed(0)} ms`);
console.log('stage'.padEnd(52) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'mean ms'.padStart(9));
for (const r of results) console.log(r.stage.padEnd(52) + r.p50.toFixed(2).padStart(9) + r.p99.toFixed(2).padStart(9) + r.mean.toFixed(2).padStart(9));
await mkdir('bench-results', { recursive: true });
const out = join('bench-results', 'features.json');
await writeFile(out, JSON.stringify({ bench: 'features', at: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, setup, results }, null, 2) + '\n');
console.log(`wrote ${out}`);
