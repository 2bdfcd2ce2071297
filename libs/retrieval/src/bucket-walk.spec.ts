import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, createRng, type Event, type Rng } from '@evrec/core';
import { AnnIndex } from '@evrec/ann';
import { ReplayActivity } from '@evrec/features';
import { Catalog } from './catalog.ts';
import { retrieveCandidates, type RetrieveInput } from './retrieve.ts';
import type { RetrievalFilters } from './rules.ts';

const AT = Date.UTC(2026, 4, 1, 12);
const CITIES = [
  { lat: 40.0, lng: -74.0 },
  { lat: 40.9, lng: -73.1 }, // ~120 km away, other 1° cells
  { lat: -17.7, lng: 179.9 }, // on the antimeridian
];
const CATEGORIES = ['music', 'tech', 'art'];
const LANGUAGES = ['en', 'fr'];

/**
 * A random world built to tie: start times on whole hours, creation times on whole days, popularity
 * in 0..4, so the k-th place is usually shared and the tie-breaks (sooner start, smaller id) decide.
 */
function randomWorld(rng: Rng, n: number): { catalog: Catalog; events: Event[] } {
  const index = AnnIndex.create({ dims: 4 });
  const catalog = new Catalog({ index });
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.pick(CITIES);
    const kind = rng.next();
    const online = kind < 0.08;
    const nowhere = !online && kind < 0.12;
    events.push({
      id: `e${rng.int(100_000)}-${i}`,
      createdAt: rng.chance(0.1) ? undefined : AT - (rng.int(12) - 1) * MS_PER_DAY, // some created after AT
      startsAt: AT + (rng.int(40 * 24) - 24) * MS_PER_HOUR, // some already started
      online: online ? true : undefined,
      lat: online || nowhere ? undefined : c.lat + (rng.next() - 0.5) * 1.6,
      lng: online || nowhere ? undefined : ((c.lng + (rng.next() - 0.5) * 1.6 + 540) % 360) - 180,
      category: rng.pick(CATEGORIES),
      language: rng.chance(0.1) ? undefined : rng.pick(LANGUAGES),
      price: rng.chance(0.1) ? undefined : rng.chance(0.3) ? 0 : rng.int(50),
      currency: rng.chance(0.8) ? 'USD' : 'EUR',
      capacity: rng.chance(0.3) ? 1 + rng.int(4) : undefined,
      status: rng.chance(0.05) ? 'cancelled' : 'scheduled',
    });
  }
  catalog.upsertMany(events, new Map(events.map((e) => [e.id, Float32Array.from([rng.next(), rng.next(), rng.next(), rng.next() + 0.01])])));
  catalog.setStatsMany(events.map((e) => [e.id, { registrations: rng.int(4), registrations7d: rng.int(2) }] as const));
  return { catalog, events };
}

function randomFilters(rng: Rng): RetrievalFilters | undefined {
  const f: RetrievalFilters = {};
  if (rng.chance(0.2)) f.categories = [rng.pick(CATEGORIES)];
  if (rng.chance(0.2)) f.maxPrice = rng.int(40);
  if (rng.chance(0.1)) f.free = true;
  if (rng.chance(0.1)) f.languages = [rng.pick(LANGUAGES)];
  return Object.keys(f).length === 0 ? undefined : f;
}

describe('popular and new sources from the sorted buckets', () => {
  it('give exactly the candidates of the full window scan on random worlds with ties, before and after updates', async () => {
    const rng = createRng('bucket-walk');
    const activity = new ReplayActivity({ events: new Map(), friends: new Map(), interactions: [] });
    let compared = 0;
    let tiedAtCut = 0;
    for (let w = 0; w < 6; w++) {
      const { catalog, events } = randomWorld(rng.fork(w), 150 + rng.int(350));
      const check = async (): Promise<void> => {
        for (let q = 0; q < 25; q++) {
          const c = rng.pick(CITIES);
          const anonymous = rng.chance(0.2);
          const input: RetrieveInput = {
            userVector: anonymous ? undefined : Float32Array.from([rng.next(), rng.next(), rng.next(), rng.next()]),
            context: rng.chance(0.1) ? { at: AT } : { at: AT, lat: c.lat + (rng.next() - 0.5), lng: c.lng + (rng.next() - 0.5) },
            userActivity: {
              userId: 'u',
              friendIds: [],
              history: [],
              registeredEventIds: events.filter(() => rng.chance(0.05)).map((e) => e.id),
              dismissedEventIds: events.filter(() => rng.chance(0.05)).map((e) => e.id),
            },
            filters: randomFilters(rng),
            activity,
            catalog,
            k: 1 + rng.int(60),
            radiusKm: rng.pick([10, 50, 100, 300]),
            horizonDays: rng.pick([1, 3, 30]),
            popularK: rng.pick([1, 3, 10, 100]),
            newK: rng.pick([1, 4, 50]),
            newMaxRegistrations: rng.pick([0, 2, 5]),
            newWithinDays: rng.pick([1, 7]),
            // Both paths scan the allowed vectors exactly (a big window otherwise walks the graph
            // on the new path: approximate, so not comparable score for score).
            exactScanMaxIds: 1_000_000,
          };
          const walked = await retrieveCandidates(input);
          const scanned = await retrieveCandidates({ ...input, poolScan: true });
          expect(walked.candidates).toEqual(scanned.candidates);
          expect(walked.counts).toEqual(scanned.counts);
          // No pool is listed on the new path: the ANN scans the buckets' label lists (compared above
          // with listing + exact scan), popular and new come from the bucket walk.
          const sources = ['popular', 'new'] as const;
          const walkedOnly = await retrieveCandidates({ ...input, sources });
          expect(walkedOnly.allowed).toBeNull();
          expect(walkedOnly.candidates).toEqual((await retrieveCandidates({ ...input, sources, poolScan: true })).candidates);
          compared++;
          const pop = scanned.candidates.filter((x) => x.ranks.popular !== undefined).sort((a, b) => (a.ranks.popular ?? 0) - (b.ranks.popular ?? 0));
          const k = input.popularK ?? 0;
          if (pop.length === k && k > 1 && pop[k - 1].scores.popular === pop[k - 2].scores.popular) tiedAtCut++;
        }
      };
      await check();
      // Updates: single stat changes (re-sorted lazily on the next walk), a move, a delete, an insert.
      for (const e of events.slice(0, 40)) catalog.setStats(e.id, { registrations: rng.int(6), registrations7d: rng.int(3) });
      catalog.upsert({ ...events[41], startsAt: AT + 2 * MS_PER_DAY, createdAt: AT - MS_PER_HOUR }, { vector: [1, 1, 0, 0] });
      catalog.delete(events[42].id);
      catalog.upsert({ ...events[43], id: 'fresh', createdAt: AT }, { vector: [0, 1, 1, 0] });
      await check();
    }
    expect(compared).toBe(6 * 2 * 25);
    // The comparison exercised ties at the cut (otherwise it proves little about tie-breaks).
    expect(tiedAtCut).toBeGreaterThan(10);
  });

  it('walks buckets in key order and breaks ties by start then id (hand-computed)', () => {
    const catalog = new Catalog();
    const at = AT;
    const mk = (id: string, day: number, lat: number, created: number): Event => ({ id, startsAt: at + day * MS_PER_DAY, lat, lng: -74, createdAt: at - created * MS_PER_DAY });
    // Two days × two cells; popularity a 3, b 3 (sooner), c 5, d 0, e 3 (same start as b, larger id).
    catalog.upsertMany([mk('a', 2, 40.2, 1), mk('b', 1, 40.2, 3), mk('c', 2, 41.1, 2), mk('d', 1, 41.1, 0), mk('e', 1, 40.3, 5)]);
    catalog.setStatsMany([
      ['a', { registrations: 3, registrations7d: 0 }],
      ['b', { registrations: 2, registrations7d: 1 }],
      ['c', { registrations: 4, registrations7d: 1 }],
      ['e', { registrations: 3, registrations7d: 0 }],
    ]);
    const near = { lat: 40.5, lng: -74, radiusKm: 100 };
    const ids = (hits: { event: Event }[]): string[] => hits.map((h) => h.event.id);
    const pop = catalog.topInWindow({ from: at, to: at + 10 * MS_PER_DAY, near, order: 'popularity', k: 3 });
    expect(ids(pop)).toEqual(['c', 'b', 'e']);
    expect(pop.map((h) => h.key)).toEqual([5, 3, 3]);
    // d has popularity 0: never listed. `accept` drops c.
    expect(ids(catalog.topInWindow({ from: at, to: at + 10 * MS_PER_DAY, near, order: 'popularity', k: 10, accept: (e) => e.id !== 'c' }))).toEqual(['b', 'e', 'a']);
    // Newest first, created within 3 days before `at`: d (0), a (1), c (2), b (3); e (5) is too old.
    const fresh = catalog.topInWindow({ from: at, to: at + 10 * MS_PER_DAY, near, order: 'newest', k: 10, createdFrom: at - 3 * MS_PER_DAY, createdTo: at });
    expect(ids(fresh)).toEqual(['d', 'a', 'c', 'b']);
    // A stats change re-orders the bucket on the next walk.
    catalog.setStats('d', { registrations: 9, registrations7d: 0 });
    expect(ids(catalog.topInWindow({ from: at, to: at + 10 * MS_PER_DAY, near, order: 'popularity', k: 1 }))).toEqual(['d']);
    expect(catalog.reorderBuckets()).toBe(0); // the walk already re-sorted it
  });
});
