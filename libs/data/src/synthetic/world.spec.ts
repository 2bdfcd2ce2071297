import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haversineKm, type Event, type Friendship, type Interaction, type User } from '@evrec/core';
import { CITIES } from './cities.ts';
import { generateWorld, type WorldSummary } from './world.ts';

interface TruthUser { id: string; lat: number; lng: number; age: number; languages: string[]; topCategory: string; priceSensitivity: number; slot: string; style: number }
interface TruthEvent { id: string; quality: number; style: number; slot: string; priceRelative: number }

async function readJsonl<T>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

/** Registration rate per impression, by a bucket of the impression. */
class Rates {
  private readonly counts = new Map<string, [number, number]>();
  add(bucket: string, registered: boolean): void {
    const c = this.counts.get(bucket) ?? [0, 0];
    c[0]++;
    if (registered) c[1]++;
    this.counts.set(bucket, c);
  }
  n(bucket: string): number {
    return this.counts.get(bucket)?.[0] ?? 0;
  }
  rate(bucket: string): number {
    const c = this.counts.get(bucket);
    return c === undefined || c[0] === 0 ? NaN : c[1] / c[0];
  }
}

let dir: string;
let summary: WorldSummary;
let users: User[];
let events: Event[];
let friendships: Friendship[];
let interactions: Interaction[];
const rates = new Rates();
const friendsOf = new Map<string, Set<string>>();
const eventById = new Map<string, Event>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evrec-world-'));
  // A trimmed small world: big enough for every signal bucket to hold hundreds of impressions.
  summary = await generateWorld({ preset: 'small', users: 3000, events: 2000, days: 40, seed: 7, outDir: dir, truth: true });
  users = await readJsonl<User>(join(dir, 'users.jsonl'));
  events = await readJsonl<Event>(join(dir, 'events.jsonl'));
  friendships = await readJsonl<Friendship>(join(dir, 'friendships.jsonl'));
  interactions = await readJsonl<Interaction>(join(dir, 'interactions.jsonl'));
  const truthUsers = new Map((await readJsonl<TruthUser>(join(dir, 'truth/users.jsonl'))).map((u) => [u.id, u]));
  const truthEvents = new Map((await readJsonl<TruthEvent>(join(dir, 'truth/events.jsonl'))).map((e) => [e.id, e]));
  for (const e of events) eventById.set(e.id, e);
  for (const f of friendships) {
    if (!friendsOf.has(f.userId)) friendsOf.set(f.userId, new Set());
    if (!friendsOf.has(f.friendId)) friendsOf.set(f.friendId, new Set());
    friendsOf.get(f.userId)!.add(f.friendId);
    friendsOf.get(f.friendId)!.add(f.userId);
  }
  // Label every impression by whether that user ever registered for that event, and bucket it by
  // each planted signal as it stood at the impression (friends registered so far).
  const everRegistered = new Set(interactions.filter((x) => x.type === 'register').map((x) => `${x.userId}|${x.eventId}`));
  const registeredSoFar = new Set<string>();
  for (const x of interactions) {
    const key = `${x.userId}|${x.eventId}`;
    if (x.type === 'register') registeredSoFar.add(key);
    if (x.type === 'cancel') registeredSoFar.delete(key);
    if (x.type !== 'impression') continue;
    const u = truthUsers.get(x.userId)!, e = eventById.get(x.eventId)!, te = truthEvents.get(x.eventId)!;
    const y = everRegistered.has(key);
    if (!e.online) {
      const km = haversineKm(u.lat, u.lng, e.lat!, e.lng!);
      rates.add(km < 10 ? 'km<10' : km < 50 ? 'km10-50' : km < 200 ? 'km50-200' : 'km>200', y);
    }
    let friends = 0;
    for (const f of friendsOf.get(x.userId) ?? []) if (registeredSoFar.has(`${f}|${x.eventId}`)) friends++;
    rates.add(friends > 0 ? 'friend-registered' : 'no-friend-registered', y);
    if (e.organizerUserId !== undefined && e.organizerUserId !== x.userId) {
      rates.add(friendsOf.get(x.userId)?.has(e.organizerUserId) ? 'host-is-friend' : 'host-is-stranger', y);
    }
    rates.add(u.topCategory === e.category ? 'top-category' : 'other-category', y);
    const priceBand = e.price === 0 ? 'free' : te.priceRelative > 1.5 ? 'expensive' : 'mid';
    if (u.priceSensitivity > 0.7) rates.add(`sensitive-${priceBand}`, y);
    if (u.priceSensitivity < 0.3) rates.add(`insensitive-${priceBand}`, y);
    rates.add(u.slot === te.slot ? 'slot-match' : 'slot-other', y);
    rates.add(u.languages.includes(e.language!) ? 'reads-language' : 'foreign-language', y);
    rates.add(te.quality > 0.7 ? 'quality-high' : te.quality < -0.7 ? 'quality-low' : 'quality-mid', y);
    rates.add(u.style * te.style > 0.5 ? 'style-match' : u.style * te.style < -0.5 ? 'style-clash' : 'style-neutral', y);
    rates.add(x.surface === 'push' || x.surface === 'email' ? 'notification' : 'browsing', y);
    rates.add(x.position! <= 1 ? 'top-positions' : x.position! >= 5 ? 'low-positions' : 'mid-positions', y);
    const hours = (e.startsAt! - x.at) / 3_600_000;
    rates.add(hours < 24 ? 'starts<1d' : hours < 72 ? 'starts1-3d' : hours < 240 ? 'starts3-10d' : 'starts>10d', y);
    rates.add(u.age < 28 ? 'young' : u.age > 45 ? 'older' : 'middle-aged', y);
  }
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('synthetic world: shape', () => {
  it('has the requested size and volume of interactions', () => {
    expect(users).toHaveLength(3000);
    expect(events).toHaveLength(2000);
    expect(summary.interactions).toBe(interactions.length);
    expect(interactions.length).toBeGreaterThan(40_000);
    expect(interactions.length).toBeLessThan(120_000);
    for (const t of ['impression', 'click', 'register', 'invite', 'interested', 'not_interested', 'cancel', 'attend'] as const) {
      expect(summary.interactionsByType[t], t).toBeGreaterThan(0);
    }
  });

  it('puts users and events on every continent', () => {
    const continentOf = new Map(CITIES.map((c) => [c.name, c.continent]));
    const userContinents = new Set(users.filter((u) => u.city !== undefined).map((u) => continentOf.get(u.city!)));
    const eventContinents = new Set(events.map((e) => continentOf.get(e.city!)));
    for (const c of ['Africa', 'Asia', 'Europe', 'North America', 'South America', 'Oceania']) {
      expect(userContinents.has(c as never), `users in ${c}`).toBe(true);
      expect(eventContinents.has(c as never), `events in ${c}`).toBe(true);
    }
  });

  it('hides the home location of some users, as real profiles do', () => {
    const hidden = users.filter((u) => u.lat === undefined).length / users.length;
    expect(hidden).toBeGreaterThan(0.08);
    expect(hidden).toBeLessThan(0.25);
    expect(new Set(users.map((u) => u.language)).size).toBeGreaterThanOrEqual(10);
  });

  it('writes titles in at least 8 languages and in Latin, Cyrillic, Arabic, Devanagari, Han and Japanese scripts', () => {
    expect(new Set(events.map((e) => e.language)).size).toBeGreaterThanOrEqual(8);
    const scripts: Record<string, RegExp> = {
      Latin: /\p{Script=Latin}/u, Cyrillic: /\p{Script=Cyrillic}/u, Arabic: /\p{Script=Arabic}/u,
      Devanagari: /\p{Script=Devanagari}/u, Han: /\p{Script=Han}/u, Japanese: /[\p{Script=Hiragana}\p{Script=Katakana}]/u,
    };
    const byLanguage: Record<string, string> = { ru: 'Cyrillic', ar: 'Arabic', hi: 'Devanagari', zh: 'Han', ja: 'Japanese', en: 'Latin', fr: 'Latin', de: 'Latin', es: 'Latin', pt: 'Latin' };
    for (const [name, re] of Object.entries(scripts)) expect(events.some((e) => re.test(e.title!)), name).toBe(true);
    // Every title is in its declared language's script (a Japanese title may be all kanji, e.g. 読書会; its description has kana).
    const kanjiOrKana = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
    const wrong = events.filter((e) => {
      const re = e.language === 'ja' ? kanjiOrKana : scripts[byLanguage[e.language!]];
      return !re.test(e.title!) || !re.test(e.description!) || (e.language === 'ja' && !scripts.Japanese.test(e.description!));
    });
    expect(wrong.map((e) => `${e.id} ${e.title}`)).toEqual([]);
  });

  it('lets the words of a title tell its category (character-trigram vote on held-out events)', () => {
    const grams = (s: string) => {
      const t = s.toLowerCase();
      const out = new Set<string>();
      for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
      return out;
    };
    const train = events.filter((_, i) => i % 2 === 0), test = events.filter((_, i) => i % 2 === 1);
    const table = new Map<string, Map<string, number>>();
    for (const e of train) for (const g of grams(e.title!)) {
      const m = table.get(g) ?? new Map<string, number>();
      m.set(e.category!, (m.get(e.category!) ?? 0) + 1);
      table.set(g, m);
    }
    let right = 0;
    for (const e of test) {
      const score = new Map<string, number>();
      for (const g of grams(e.title!)) {
        const m = table.get(g);
        if (!m) continue;
        let total = 0;
        for (const v of m.values()) total += v;
        for (const [c, v] of m) score.set(c, (score.get(c) ?? 0) + v / total);
      }
      const best = [...score.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      if (best === e.category) right++;
    }
    expect(right / test.length).toBeGreaterThan(0.8);
  });

  it('places venues near their city and publishes every event before it starts', () => {
    const cityByName = new Map(CITIES.map((c) => [c.name, c]));
    let online = 0, cancelled = 0;
    const bad: string[] = [];
    for (const e of events) {
      if (!(e.createdAt! < e.startsAt!)) bad.push(`${e.id} starts before publication`);
      if (e.status === 'cancelled') cancelled++;
      if (e.online) {
        online++;
        if (e.lat !== undefined) bad.push(`${e.id} online with a venue`);
        continue;
      }
      const c = cityByName.get(e.city!)!;
      if (haversineKm(c.lat, c.lng, e.lat!, e.lng!) > 160) bad.push(`${e.id} far from ${c.name}`);
    }
    expect(bad).toEqual([]);
    expect(online / events.length).toBeGreaterThan(0.03);
    expect(cancelled).toBeGreaterThan(0);
    expect(events.filter((e) => e.price === 0).length / events.length).toBeGreaterThan(0.2);
    expect(events.filter((e) => e.price! > 0).length / events.length).toBeGreaterThan(0.3);
  });

  it('builds a heavy-tailed friendship graph with most friends in the same city', () => {
    const degrees = [...friendsOf.values()].map((s) => s.size).sort((a, b) => a - b);
    const median = degrees[Math.floor(degrees.length / 2)];
    expect(degrees[degrees.length - 1]).toBeGreaterThan(8 * median);
    const cityOf = new Map(users.map((u) => [u.id, u.timezone + (u.city ?? '?')]));
    const home = new Map<string, string>();
    for (const u of users) if (u.city) home.set(u.id, u.city);
    let known = 0, same = 0;
    for (const f of friendships) {
      const a = home.get(f.userId), b = home.get(f.friendId);
      if (a === undefined || b === undefined) continue;
      known++;
      if (a === b) same++;
    }
    expect(cityOf.size).toBe(users.length);
    expect(same / known).toBeGreaterThan(0.5);
  });
});

describe('synthetic world: interaction log', () => {
  it('is in ascending time order and says so in the manifest', () => {
    let outOfOrder = 0;
    for (let i = 1; i < interactions.length; i++) if (interactions[i].at < interactions[i - 1].at) outOfOrder++;
    expect(outOfOrder).toBe(0);
    expect(summary.manifest.interactionsSorted).toBe(true);
    expect(new Set(interactions.map((x) => x.id)).size).toBe(interactions.length);
  });

  it('precedes every registration by an impression (and usually a click), between publication and start', () => {
    const shown = new Set<string>(), clicked = new Set<string>();
    let withClick = 0, registrations = 0;
    const unseen: string[] = [], outside: string[] = [];
    for (const x of interactions) {
      const key = `${x.userId}|${x.eventId}`;
      if (x.type === 'impression') shown.add(key);
      if (x.type === 'click') clicked.add(key);
      if (x.type !== 'register') continue;
      registrations++;
      if (!shown.has(key)) unseen.push(x.id);
      if (clicked.has(key)) withClick++;
      const e = eventById.get(x.eventId)!;
      if (!(x.at > e.createdAt! && x.at < e.startsAt!)) outside.push(x.id);
    }
    expect(unseen).toEqual([]);
    expect(outside).toEqual([]);
    expect(registrations).toBeGreaterThan(1000);
    expect(withClick / registrations).toBeGreaterThan(0.8);
    expect(withClick).toBeLessThan(registrations);
  });

  it('never registers more people than an event holds, and fills some events up', () => {
    const held = new Map<string, number>();
    const peak = new Map<string, number>();
    const over: string[] = [];
    for (const x of interactions) {
      if (x.type !== 'register' && x.type !== 'cancel') continue;
      const n = (held.get(x.eventId) ?? 0) + (x.type === 'register' ? 1 : -1);
      held.set(x.eventId, n);
      peak.set(x.eventId, Math.max(n, peak.get(x.eventId) ?? 0));
      const cap = eventById.get(x.eventId)!.capacity;
      if (cap !== undefined && n > cap) over.push(x.id);
    }
    expect(over).toEqual([]);
    const full = [...peak.entries()].filter(([e, n]) => n === eventById.get(e)!.capacity).length;
    expect(full).toBeGreaterThan(5);
  });

  it('sends invitations only from friends who registered, and cancels/attends only after registering', () => {
    const registered = new Set<string>();
    const bad: string[] = [];
    let invites = 0;
    for (const x of interactions) {
      const key = `${x.userId}|${x.eventId}`;
      if (x.type === 'register') registered.add(key);
      if (x.type === 'invite') {
        invites++;
        if (!registered.has(`${x.inviterId}|${x.eventId}`) || !friendsOf.get(x.userId)?.has(x.inviterId!)) bad.push(x.id);
      }
      if ((x.type === 'cancel' || x.type === 'attend') && !registered.has(key)) bad.push(x.id);
      if (x.type === 'attend' && x.at < eventById.get(x.eventId)!.startsAt!) bad.push(x.id);
      if (x.type === 'cancel') registered.delete(key);
    }
    expect(bad).toEqual([]);
    expect(invites).toBeGreaterThan(100);
  });

  it('has heavy-tailed user activity', () => {
    const perUser = new Map<string, number>();
    for (const x of interactions) if (x.type === 'impression') perUser.set(x.userId, (perUser.get(x.userId) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    const top1pct = counts.slice(0, Math.ceil(users.length / 100)).reduce((a, b) => a + b, 0);
    expect(top1pct / total).toBeGreaterThan(0.08);
  });
});

describe('synthetic world: planted signals (registration rate per impression)', () => {
  const expectRatio = (hi: string, lo: string, atLeast: number) => {
    expect(rates.n(hi), `${hi} impressions`).toBeGreaterThan(300);
    expect(rates.n(lo), `${lo} impressions`).toBeGreaterThan(300);
    expect(rates.rate(hi) / rates.rate(lo), `${hi} ${rates.rate(hi).toFixed(4)} vs ${lo} ${rates.rate(lo).toFixed(4)}`).toBeGreaterThan(atLeast);
  };
  it('distance: within 10 km far above beyond 200 km, and decaying in between', () => {
    expectRatio('km<10', 'km>200', 20);
    expectRatio('km<10', 'km50-200', 2);
  });
  it('social: a friend already registered, or a friend hosting, lifts the rate', () => {
    expectRatio('friend-registered', 'no-friend-registered', 2);
    expectRatio('host-is-friend', 'host-is-stranger', 1.5);
  });
  it('taste: the user’s preferred category far above the others', () => expectRatio('top-category', 'other-category', 2.5));
  it('price: price-sensitive users prefer free to expensive, far more than insensitive users do', () => {
    expectRatio('sensitive-free', 'sensitive-expensive', 2);
    const sensitive = rates.rate('sensitive-free') / rates.rate('sensitive-expensive');
    const insensitive = rates.rate('insensitive-free') / rates.rate('insensitive-expensive');
    expect(sensitive / insensitive).toBeGreaterThan(2);
  });
  it('time: events in the user’s preferred time of day', () => expectRatio('slot-match', 'slot-other', 1.3));
  it('language: events in a language the user reads', () => expectRatio('reads-language', 'foreign-language', 4));
  it('event: high-reputation hosts and good events', () => expectRatio('quality-high', 'quality-low', 2.5));
  it('latent style: matching casual/premium taste', () => expectRatio('style-match', 'style-clash', 1.5));
  it('user: younger users go out more', () => expectRatio('young', 'older', 1.15));
  it('context: notifications, top positions and imminent events', () => {
    expectRatio('notification', 'browsing', 2);
    expectRatio('top-positions', 'low-positions', 1.5);
    expectRatio('starts<1d', 'starts3-10d', 1.2);
  });
});
