import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, haversineKm, type Event } from '@evrec/core';
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
