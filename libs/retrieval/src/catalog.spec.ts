import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, createRng, haversineKm, type Event } from '@evrec/core';
import { AnnIndex } from '@evrec/ann';
import { Catalog } from './catalog.ts';

const T = Date.UTC(2026, 0, 10);
const ev = (id: string, lat: number | undefined, lng: number | undefined, startDays: number, extra: Partial<Event> = {}): Event => ({
  id,
  lat,
  lng,
  startsAt: T + startDays * MS_PER_DAY,
  ...extra,
});

describe('Catalog geo × time buckets', () => {
  it('finds events in a radius and window, online ones included, across cell borders and the antimeridian', () => {
    const c = new Catalog();
    c.upsertMany([
      ev('a', 51.5, -0.1, 1), // London
      ev('b', 51.9, 0.9, 2), // ~80 km NE, different 1° cell
      ev('c', 48.85, 2.35, 1), // Paris, 340 km
      ev('d', 51.5, -0.1, 9), // London, outside a 7-day window
      ev('e', undefined, undefined, 1, { online: true }),
      ev('f', undefined, undefined, 1), // no place
      ev('g', -17.7, 179.95, 1), // Fiji east of 180
      ev('h', -17.7, -179.95, 1), // just across the antimeridian, ~11 km away
    ]);
    const near = { lat: 51.5, lng: -0.1, radiusKm: 100 };
    const ids = (q: Parameters<Catalog['inWindow']>[0]): string[] => [...c.inWindow(q)].map((e) => e.id).sort();
    expect(ids({ from: T, to: T + 7 * MS_PER_DAY, near })).toEqual(['a', 'b', 'e']);
    expect(ids({ from: T, to: T + 7 * MS_PER_DAY, near, includeOnline: false })).toEqual(['a', 'b']);
    expect(ids({ from: T, to: T + 7 * MS_PER_DAY })).toEqual(['a', 'b', 'c', 'e', 'f', 'g', 'h']);
    expect(haversineKm(-17.7, 179.95, -17.7, -179.95)).toBeLessThan(20);
    expect(ids({ from: T, to: T + 7 * MS_PER_DAY, near: { lat: -17.7, lng: -179.99, radiusKm: 50 }, includeOnline: false })).toEqual(['g', 'h']);
    expect(c.countUpperBound({ from: T, to: T + 7 * MS_PER_DAY, near })).toBeGreaterThanOrEqual(3);
  });

  it('moves an updated event between buckets and forgets a deleted one', () => {
    const c = new Catalog();
    c.upsert(ev('a', 51.5, -0.1, 1));
    c.upsert(ev('a', 48.85, 2.35, 3)); // moved to Paris, later
    const london = { lat: 51.5, lng: -0.1, radiusKm: 50 };
    const paris = { lat: 48.85, lng: 2.35, radiusKm: 50 };
    const window = { from: T, to: T + 7 * MS_PER_DAY };
    expect([...c.inWindow({ ...window, near: london })]).toEqual([]);
    expect([...c.inWindow({ ...window, near: paris })].map((e) => e.id)).toEqual(['a']);
    expect(c.delete('a')).toBe(true);
    expect([...c.inWindow({ ...window, near: paris })]).toEqual([]);
    expect(c.size).toBe(0);
    expect(c.delete('a')).toBe(false);
  });

  it('keeps the ANN index in step: a new event is searchable at once, a deleted or cancelled one disappears', () => {
    const index = AnnIndex.create({ dims: 2 });
    const embedded: string[] = [];
    const c = new Catalog({
      index,
      embedEvents: (es) => es.map((e) => (embedded.push(e.id), Float32Array.from([0, 1]))),
    });
    c.upsertMany([ev('old', 1, 1, 1)], new Map([['old', Float32Array.from([1, 0.2])]]));
    expect(index.search([1, 0], 1)[0].id).toBe('old');

    c.upsert(ev('new', 1, 1, 2), { vector: [1, 0] });
    expect(index.search([1, 0], 1)[0]).toEqual({ id: 'new', score: expect.closeTo(1, 6) });

    c.upsert(ev('tower', 1, 1, 2)); // no vector: the event tower places it
    expect(embedded).toEqual(['tower']);
    expect(index.search([0, 1], 1)[0].id).toBe('tower');
    c.upsert({ ...ev('tower', 1, 1, 2), title: 'renamed' }); // already indexed, no vector given: kept, not re-embedded
    expect(embedded).toEqual(['tower']);

    c.delete('new');
    expect(index.has('new')).toBe(false);
    expect(index.search([1, 0], 3).map((h) => h.id)).not.toContain('new');

    c.upsert(ev('old', 1, 1, 1, { status: 'cancelled' }));
    expect(index.has('old')).toBe(false);
    expect(c.get('old')?.status).toBe('cancelled');
  });

  it('refuses an event it cannot place in the index', () => {
    const c = new Catalog({ index: AnnIndex.create({ dims: 2 }) });
    expect(() => c.upsert(ev('x', 1, 1, 1))).toThrow(/no vector/);
  });

  it('prunes events that started before a time', () => {
    const c = new Catalog();
    c.upsertMany([ev('a', 1, 1, -2), ev('b', 1, 1, 2)]);
    expect(c.prune(T)).toBe(1);
    expect(c.has('a')).toBe(false);
    expect(c.has('b')).toBe(true);
  });
});

describe('Catalog label lists (vector blocks of the index arena)', () => {
  it('frees the blocks of changed buckets: memory stays bounded under a stream of upserts, and the scan stays exact', () => {
    const DIMS = 8;
    const rng = createRng('catalog-blocks');
    const index = AnnIndex.create({ dims: DIMS });
    const c = new Catalog({ index });
    const cities = [
      { lat: 51.5, lng: -0.1 },
      { lat: 48.85, lng: 2.35 },
      { lat: 40.4, lng: -3.7 },
    ];
    const vector = (): Float32Array => Float32Array.from({ length: DIMS }, () => rng.next() - 0.5);
    const randomEvent = (i: number): Event => {
      const city = cities[rng.int(cities.length)];
      return ev(`e${i}`, city.lat + rng.next() * 0.2, city.lng + rng.next() * 0.2, rng.int(10));
    };
    const N = 1500;
    c.upsertMany(Array.from({ length: N }, (_, i) => randomEvent(i)), new Map(Array.from({ length: N }, (_, i) => [`e${i}`, vector()])));
    const buckets = (): number => new Set([...c.values()].map((e) => `${c.cellOf(e.lat ?? 0, e.lng ?? 0)}/${Math.floor((e.startsAt ?? 0) / MS_PER_DAY)}`)).size;
    expect(c.prepareLabelLists()).toBe(buckets());
    expect(index.vectorBlockStats()).toMatchObject({ blocks: buckets(), liveBytes: N * DIMS * 4 });
    const london = { from: T, to: T + 4 * MS_PER_DAY, near: { lat: 51.6, lng: 0, radiusKm: 60 } };
    const accept = (e: Event): boolean => Number(e.id.slice(1)) % 4 !== 0;
    let maxMemory = 0;
    for (let step = 0; step < 3000; step++) {
      // An event moves (another city or day) with a new vector; its two buckets are re-copied.
      const i = rng.int(N);
      c.upsert(randomEvent(i), { vector: vector() });
      if (step % 10 === 0) {
        const q = vector();
        const { hits } = c.nearestInWindow(q, 20, london, accept);
        const allowed = c.inWindow(london).filter(accept).map((e) => e.id);
        expect(hits).toEqual(index.exactSearch(q, 20, { allowedIds: allowed }));
      }
      c.prepareLabelLists();
      maxMemory = Math.max(maxMemory, index.vectorBlockStats().memoryBytes);
    }
    const s = index.vectorBlockStats();
    // One block per bucket, holding each indexed event once; without reuse the 6,000 re-copied
    // buckets (~1.6 KB each) would have taken ~10 MB.
    expect(s).toMatchObject({ blocks: buckets(), liveBytes: N * DIMS * 4 });
    expect(maxMemory).toBeLessThan(2 * 1024 * 1024);
    // Deleting every event gives every block back.
    for (let i = 0; i < N; i++) c.delete(`e${i}`);
    expect(index.vectorBlockStats()).toMatchObject({ blocks: 0, liveBytes: 0, heapBytes: 0 });
  });
});
