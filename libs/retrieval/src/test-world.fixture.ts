import { MS_PER_DAY, MS_PER_HOUR, type Event, type Interaction, type User } from '@evrec/core';
import { AnnIndex } from '@evrec/ann';
import { ReplayActivity } from '@evrec/features';
import { Catalog } from './catalog.ts';
import { refreshCatalogStats } from './stats.ts';

/**
 * A hand-made world for retrieval tests: one user at home in New York (40.0, -74.0) and one event
 * per rule, each built to fail exactly that rule (or to pass them all). Vectors are 4-d, so which
 * event is "closest" to the user is obvious by construction.
 */
export const AT = Date.UTC(2026, 2, 1);
const day = (n: number): number => AT + n * MS_PER_DAY;

export const HOME = { lat: 40.0, lng: -74.0 };

const base = (id: string, extra: Partial<Event> = {}): Event => ({
  id,
  title: id,
  createdAt: day(-10),
  startsAt: day(2),
  lat: 40.1,
  lng: -74.0,
  city: 'New York',
  price: 10,
  currency: 'USD',
  category: 'music',
  language: 'en',
  status: 'scheduled',
  ...extra,
});

export const EVENTS: Event[] = [
  base('near'),
  base('far', { lat: 42.0 }), // ~222 km north
  base('online', { online: true, lat: undefined, lng: undefined }),
  base('nowhere', { lat: undefined, lng: undefined }),
  base('past', { startsAt: day(-1) }),
  base('late', { startsAt: day(40) }),
  base('unpublished', { createdAt: AT + MS_PER_HOUR }),
  base('cancelled', { status: 'cancelled' }),
  base('registered'),
  base('dismissed'),
  base('soldout', { capacity: 2 }),
  base('roomy', { capacity: 5 }),
  base('free', { price: 0 }),
  base('pricey', { price: 50 }),
  base('euro', { price: 30, currency: 'EUR' }),
  base('noprice', { price: undefined, currency: undefined }),
  base('tech', { category: 'tech' }),
  base('french', { language: 'fr' }),
  base('friend'),
  base('popular'),
  base('fresh', { createdAt: day(-1) }),
  base('nostart', { startsAt: undefined }),
];

export const USERS: User[] = [
  { id: 'u1', lat: HOME.lat, lng: HOME.lng, language: 'en' },
  { id: 'u2' },
  { id: 'u3' },
  { id: 'u4' },
];

let seq = 0;
const x = (userId: string, eventId: string, type: Interaction['type'], at: number): Interaction => ({ id: `i${seq++}`, userId, eventId, type, at });

export const INTERACTIONS: Interaction[] = [
  x('u1', 'registered', 'register', day(-5)),
  x('u1', 'dismissed', 'not_interested', day(-5)),
  x('u2', 'soldout', 'register', day(-4)),
  x('u3', 'soldout', 'register', day(-4)),
  x('u2', 'roomy', 'register', day(-4)),
  x('u2', 'friend', 'register', day(-3)),
  x('u2', 'popular', 'register', day(-20)),
  x('u3', 'popular', 'register', day(-3)),
  x('u4', 'popular', 'register', day(-2)),
  // After AT: invisible to a request at AT.
  x('u3', 'near', 'register', day(1)),
].sort((a, b) => a.at - b.at);

export const FRIENDS = new Map<string, string[]>([
  ['u1', ['u2']],
  ['u2', ['u1']],
]);

/** Unit vectors along axis `k` of 4, tilted slightly so no two events tie. */
export function vectorFor(id: string): Float32Array {
  const v = new Float32Array(4);
  const i = EVENTS.findIndex((e) => e.id === id);
  v[0] = id === 'near' ? 1 : 0.5;
  v[1 + (i % 3)] = 0.1 + i * 0.01;
  return v;
}

/** The user's vector points at `near`. */
export const USER_VECTOR = Float32Array.from([1, 0, 0, 0]);

export interface TestWorld {
  catalog: Catalog;
  index: AnnIndex;
  activity: ReplayActivity;
}

export async function buildTestWorld(): Promise<TestWorld> {
  const index = AnnIndex.create({ dims: 4 });
  const catalog = new Catalog({ index, embedEvents: (es) => es.map((e) => vectorFor(e.id)) });
  catalog.upsertMany(EVENTS, new Map(EVENTS.map((e) => [e.id, vectorFor(e.id)])));
  const activity = new ReplayActivity({ events: new Map(EVENTS.map((e) => [e.id, e])), friends: FRIENDS, interactions: INTERACTIONS });
  await refreshCatalogStats(catalog, activity, { at: AT });
  return { catalog, index, activity };
}
