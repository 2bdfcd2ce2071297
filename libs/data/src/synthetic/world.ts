import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createRng, EvrecError, INTERACTION_TYPES, parseWith, silentProgress, SURFACES,
  type Interaction, type InteractionType, type ProgressReporter,
} from '@evrec/core';
import { DatasetWriter } from '../native/writer.ts';
import type { DatasetManifest } from '../native/format.ts';
import { CATEGORY_COUNT, CATEGORY_NAMES } from './categories.ts';
import { selectCities } from './cities.ts';
import { TEXT_LANGUAGES } from './languages.ts';
import { resolveWorldOptions, WorldOptionsSchema, type PresetName, type WorldOptions } from './options.ts';
import { DEVICES, generateEvents, generateHosts, generateUsers, TIME_SLOTS, WEEKEND_PREFS, type Events, type Users } from './population.ts';
import { simulate } from './simulation.ts';
import { generateFriendships } from './social-graph.ts';
import { UtcOffsets } from './time-zones.ts';

/** Bumped whenever the same options would produce different bytes. */
export const GENERATOR_VERSION = 1;

export interface GenerateWorldOptions extends WorldOptions {
  /** Directory to write the native dataset into (created if missing). */
  outDir: string;
  /** Counts per stage: `generate.users`, `generate.friendships`, `generate.events`, `generate.interactions`. Default silent. */
  progress?: ProgressReporter;
}

export interface WorldSummary {
  outDir: string;
  name: string;
  seed: number | string;
  preset: PresetName;
  users: number;
  events: number;
  hosts: number;
  friendships: number;
  interactions: number;
  interactionsByType: Record<InteractionType, number>;
  days: number;
  /** First simulated day, `YYYY-MM-DD`. */
  start: string;
  cities: number;
  continents: string[];
  /** Languages event text was written in. */
  languages: string[];
  /** Wall-clock seconds the generation took. */
  seconds: number;
  manifest: DatasetManifest;
}

/** A minimal JSONL stream for the optional `truth/` files (not part of the dataset format). */
class TruthFile {
  private parts: string[] = [];
  private size = 0;
  private readonly stream: WriteStream;
  constructor(path: string) {
    this.stream = createWriteStream(path);
  }
  write(row: unknown): Promise<void> | undefined {
    const line = JSON.stringify(row) + '\n';
    this.parts.push(line);
    this.size += line.length;
    if (this.size < 256 * 1024) return undefined;
    return this.flush();
  }
  private flush(): Promise<void> | undefined {
    const ok = this.stream.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    return ok ? undefined : new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }
  async close(): Promise<void> {
    if (this.parts.length > 0) await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Generates a synthetic world (users, friendships, events, interactions) into `outDir` as a
 * native dataset. Deterministic: the same options give byte-identical JSONL files (the manifest's
 * `createdAt` is the only field that changes). Memory is bounded by per-user and per-event typed
 * arrays plus the friendship graph; interactions stream to disk in time order.
 */
export async function generateWorld(options: GenerateWorldOptions): Promise<WorldSummary> {
  const { outDir, progress: reporter, ...rest } = options;
  const parsed = parseWith(WorldOptionsSchema, rest, 'options');
  const o = resolveWorldOptions(parsed);
  if (!Number.isFinite(o.startMs)) throw new EvrecError('INVALID_INPUT', `options.start: ${o.start} is not a valid date`, { field: 'options.start' });
  if (typeof outDir !== 'string' || outDir.length === 0) throw new EvrecError('INVALID_INPUT', 'options.outDir: must be a non-empty path', { field: 'options.outDir' });
  const progress = reporter ?? silentProgress;
  const began = performance.now();

  const cities = selectCities(o.cities);
  const root = createRng(o.seed);
  const rngUsers = root.fork('users');
  const rngGraph = root.fork('friendships');
  const rngHosts = root.fork('hosts');
  const rngEvents = root.fork('events');
  const rngSim = root.fork('simulation');
  const offsets = new UtcOffsets();

  const writer = await DatasetWriter.open(outDir, {
    name: o.name,
    source: {
      generator: 'evrec-synthetic', generatorVersion: GENERATOR_VERSION, seed: o.seed, preset: o.preset, users: o.users, events: o.events,
      days: o.days, start: o.start, cities: o.cities, sessionsPerUserDay: o.sessionsPerUserDay,
      impressionsPerSession: o.impressionsPerSession, meanFriends: o.meanFriends,
    },
  });

  const users = await generateUsers(o, cities, rngUsers, (u) => writer.user(u), (done) => progress({ stage: 'generate.users', done, total: o.users }));
  const graph = await generateFriendships(users, cities.length, o.meanFriends, rngGraph, (f) => writer.friendship(f), (done) => progress({ stage: 'generate.friendships', done }));
  const hosts = generateHosts(o, cities, users, rngHosts);
  const events = await generateEvents(o, cities, hosts, offsets, rngEvents, (e) => writer.event(e), (done) => progress({ stage: 'generate.events', done, total: o.events }));

  const byType = new Float64Array(INTERACTION_TYPES.length);
  let seq = 0;
  await simulate({
    users, events, graph, cities, offsets, rng: rngSim,
    startMs: o.startMs, days: o.days, sessionsPerUserDay: o.sessionsPerUserDay, impressionsPerSession: o.impressionsPerSession,
    sink: (x) => {
      const type = INTERACTION_TYPES[x.type];
      byType[x.type]++;
      const row: Interaction = { id: 'i' + (seq++).toString(36), userId: `u${x.user}`, eventId: `e${x.event}`, type, at: x.at };
      if (x.session >= 0) row.recommendationId = 'r' + x.session.toString(36);
      if (x.position >= 0) row.position = x.position;
      if (x.surface >= 0) row.surface = SURFACES[x.surface];
      if (x.inviter >= 0) row.inviterId = `u${x.inviter}`;
      if (type === 'register' && events.price[x.event] > 0) {
        row.revenue = events.price[x.event];
        row.currency = cities[events.city[x.event]].currency;
      }
      return writer.interaction(row);
    },
    // Metrics only on the last day: the stderr reporter prints every event that carries metrics.
    onDay: (day, written) => progress({ stage: 'generate.interactions', done: day, total: o.days, ...(day === o.days ? { metrics: { interactions: written } } : { message: `${written} interactions` }) }),
  });

  if (o.truth) await writeTruth(join(outDir, 'truth'), users, events, cities.map((c) => c.name));
  const manifest = await writer.close();
  const interactionsByType = Object.fromEntries(INTERACTION_TYPES.map((t, i) => [t, byType[i]])) as Record<InteractionType, number>;
  return {
    outDir, name: o.name, seed: o.seed, preset: o.preset,
    users: manifest.counts.users, events: manifest.counts.events, hosts: hosts.n,
    friendships: manifest.counts.friendships, interactions: manifest.counts.interactions, interactionsByType,
    days: o.days, start: o.start, cities: cities.length,
    continents: [...new Set(cities.map((c) => c.continent))],
    languages: TEXT_LANGUAGES.filter((_, i) => events.language.includes(i)),
    seconds: (performance.now() - began) / 1000,
    manifest,
  };
}

/** The hidden variables, for analysis and for tests that check the planted signals. */
async function writeTruth(dir: string, users: Users, events: Events, cityNames: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const uf = new TruthFile(join(dir, 'users.jsonl'));
  for (let i = 0; i < users.n; i++) {
    const taste: number[] = [];
    for (let c = 0; c < CATEGORY_COUNT; c++) taste.push(r3(users.tasteTerm[i * CATEGORY_COUNT + c]));
    const p = uf.write({
      id: `u${i}`, city: cityNames[users.city[i]], lat: r3(users.lat[i]), lng: r3(users.lng[i]), age: users.age[i],
      languages: TEXT_LANGUAGES.filter((_, k) => (users.languages[i] & (1 << k)) !== 0),
      topCategory: CATEGORY_NAMES[users.topCategory[i]], tasteTerm: taste, style: r3(users.style[i]),
      priceSensitivity: r3(users.priceSensitivity[i]), slot: TIME_SLOTS[users.slot[i]], weekendPref: WEEKEND_PREFS[users.weekendPref[i]],
      activity: r3(users.activity[i]), base: r3(users.base[i]), device: DEVICES[users.device[i]],
    });
    if (p) await p;
  }
  await uf.close();
  const ef = new TruthFile(join(dir, 'events.jsonl'));
  for (let i = 0; i < events.n; i++) {
    const p = ef.write({
      id: `e${i}`, host: `h${events.host[i]}`, quality: r3(events.quality[i]), style: r3(events.style[i]),
      slot: TIME_SLOTS[events.slot[i]], weekend: events.weekend[i] === 1, priceRelative: r3(events.priceRelative[i]),
      cancelledAt: Number.isFinite(events.cancelledAt[i]) ? events.cancelledAt[i] : null,
    });
    if (p) await p;
  }
  await ef.close();
}
