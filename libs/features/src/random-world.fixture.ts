import { MS_PER_DAY, MS_PER_MINUTE, createRng, type Event, type Interaction, type InteractionType, type Rng, type User } from '@evrec/core';
import type { FeatureDataset } from './examples.ts';

/**
 * A small seeded random world for the leakage test and the benchmark: users around three cities,
 * hosted events with text, prices in several currencies, friendships and a mixed interaction log.
 * (A stand-in until @evrec/data's synthetic generator is available to this project's tests.)
 */
export interface RandomWorldOptions {
  users?: number;
  events?: number;
  hosts?: number;
  interactions?: number;
  /** Days covered by the log, starting at `start`. */
  days?: number;
  start?: number;
}

const CITIES = [
  { city: 'Paris', country: 'FR', lat: 48.8566, lng: 2.3522, offset: 60, currency: 'EUR', language: 'fr' },
  { city: 'Berlin', country: 'DE', lat: 52.52, lng: 13.405, offset: 60, currency: 'EUR', language: 'de' },
  { city: 'London', country: 'GB', lat: 51.5074, lng: -0.1278, offset: 0, currency: 'GBP', language: 'en' },
];
const CATEGORIES = ['music', 'tech', 'sports', 'food', 'art'];
const WORDS: Record<string, string[]> = {
  music: ['jazz', 'concert', 'band', 'live', 'songs', 'guitar'],
  tech: ['startup', 'code', 'cloud', 'data', 'meetup', 'talk'],
  sports: ['run', 'football', 'match', 'yoga', 'team', 'league'],
  food: ['dinner', 'wine', 'tasting', 'chef', 'market', 'brunch'],
  art: ['gallery', 'painting', 'exhibition', 'museum', 'film', 'theatre'],
};
const TYPES: InteractionType[] = ['impression', 'click', 'register', 'attend', 'interested', 'not_interested', 'invite', 'cancel'];
const TYPE_WEIGHTS = [40, 15, 15, 4, 8, 5, 8, 5];

function sentence(rng: Rng, category: string, n: number): string {
  return Array.from({ length: n }, () => rng.pick(WORDS[category])).join(' ');
}

export function randomWorld(seed: string | number, options: RandomWorldOptions = {}): FeatureDataset & { start: number; end: number } {
  const rng = createRng(seed);
  const nUsers = options.users ?? 40;
  const nEvents = options.events ?? 60;
  const nHosts = options.hosts ?? 8;
  const days = options.days ?? 60;
  const start = options.start ?? Date.UTC(2024, 0, 1);
  const end = start + days * MS_PER_DAY;

  const users = new Map<string, User>();
  for (let i = 0; i < nUsers; i++) {
    const c = rng.pick(CITIES);
    const u: User = { id: `u${i}`, language: rng.chance(0.8) ? c.language : 'en', birthYear: 1960 + rng.int(45), joinedAt: start - rng.int(400) * MS_PER_DAY };
    if (rng.chance(0.6)) Object.assign(u, { lat: c.lat + rng.normal() * 0.05, lng: c.lng + rng.normal() * 0.05, city: c.city, country: c.country });
    if (rng.chance(0.7)) u.utcOffsetMinutes = c.offset;
    if (rng.chance(0.7)) u.gender = rng.pick(['male', 'female', 'other'] as const);
    if (rng.chance(0.5)) u.locale = `${u.language}_${c.country}`;
    users.set(u.id, u);
  }
  const userIds = [...users.keys()];

  const events = new Map<string, Event>();
  for (let i = 0; i < nEvents; i++) {
    const c = rng.pick(CITIES);
    const category = rng.pick(CATEGORIES);
    const createdAt = start + rng.int(days) * MS_PER_DAY - 20 * MS_PER_DAY;
    const e: Event = {
      id: `e${i}`,
      title: sentence(rng, category, 3),
      description: sentence(rng, category, 5 + rng.int(20)),
      language: c.language,
      category,
      hostId: `h${rng.int(nHosts)}`,
      createdAt,
      startsAt: createdAt + (1 + rng.int(40)) * MS_PER_DAY + rng.int(24 * 60) * MS_PER_MINUTE,
      durationMinutes: 60 + rng.int(240),
      utcOffsetMinutes: c.offset,
      price: rng.chance(0.4) ? 0 : 5 + rng.int(80),
      currency: c.currency,
      capacity: rng.chance(0.5) ? 20 + rng.int(200) : undefined,
    };
    if (rng.chance(0.3)) e.organizerUserId = rng.pick(userIds);
    if (rng.chance(0.1)) e.online = true;
    else Object.assign(e, { lat: c.lat + rng.normal() * 0.05, lng: c.lng + rng.normal() * 0.05, city: c.city, country: c.country, online: false });
    events.set(e.id, e);
  }
  const eventIds = [...events.keys()];

  const friendSets = new Map<string, Set<string>>(userIds.map((u) => [u, new Set<string>()]));
  for (let k = 0; k < nUsers * 3; k++) {
    const a = rng.pick(userIds);
    const b = rng.pick(userIds);
    if (a === b) continue;
    friendSets.get(a)?.add(b);
    friendSets.get(b)?.add(a);
  }
  const friends = new Map<string, string[]>([...friendSets].map(([u, s]) => [u, [...s]]));

  const interactions: Interaction[] = [];
  const n = options.interactions ?? 3000;
  for (let k = 0; k < n; k++) {
    const type = TYPES[rng.weighted(TYPE_WEIGHTS)];
    const x: Interaction = { id: `x${k}`, userId: rng.pick(userIds), eventId: rng.pick(eventIds), type, at: start + Math.floor(rng.next() * (end - start)) };
    if (type === 'invite') x.inviterId = rng.pick(userIds);
    if (rng.chance(0.5)) x.surface = rng.pick(['web', 'ios', 'android'] as const);
    interactions.push(x);
  }
  interactions.sort((a, b) => a.at - b.at);
  return { users, events, friends, interactions, start, end };
}
