import { MS_PER_DAY, type Event, type Interaction } from '@evrec/core';
import { Catalog } from '@evrec/retrieval';
import { MemoryFeatureStore } from '@evrec/store';
import { describe, expect, it } from 'vitest';
import { RollingStatsRefresh } from './stats-refresh.ts';

const AT = Date.UTC(2026, 0, 10);

function world(n: number): { catalog: Catalog; events: Event[] } {
  const catalog = new Catalog();
  const events: Event[] = [];
  for (let i = 0; i < n; i++) {
    const e: Event = { id: `e${i}`, startsAt: AT + (i + 1) * MS_PER_DAY, lat: 45, lng: 7 };
    events.push(e);
    catalog.upsert(e);
  }
  // A past event: never refreshed (it cannot be recommended).
  catalog.upsert({ id: 'past', startsAt: AT - MS_PER_DAY, lat: 45, lng: 7 });
  return { catalog, events };
}

function registration(eventId: string, k: number): Interaction {
  return { id: `r-${eventId}-${k}`, userId: `u${k}`, eventId, type: 'register', at: AT - MS_PER_DAY };
}

describe('RollingStatsRefresh', () => {
  it('re-reads a tick-sized slice of the upcoming events per tick and covers them all once per period', async () => {
    const { catalog, events } = world(10);
    const store = await MemoryFeatureStore.open();
    await store.ingest(events.flatMap((e, i) => Array.from({ length: i + 1 }, (_, k) => registration(e.id, k))));
    await store.ingest([registration('past', 0)]);
    // period / tick = 4 ticks per pass: 10 upcoming events → slices of 3, 3, 3, 1.
    const refresh = new RollingStatsRefresh({ periodMs: 4000, tickMs: 1000 });
    expect(await refresh.tick(catalog, store, AT)).toBe(3);
    expect([0, 1, 2, 3].map((i) => catalog.stats(`e${i}`).registrations)).toEqual([1, 2, 3, 0]);
    expect(await refresh.tick(catalog, store, AT)).toBe(3);
    expect(await refresh.tick(catalog, store, AT)).toBe(3);
    expect(await refresh.tick(catalog, store, AT)).toBe(1);
    expect(events.map((e) => catalog.stats(e.id).registrations)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.map((e) => catalog.stats(e.id).registrations7d)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(catalog.stats('past').registrations).toBe(0);
    // The next tick starts a new pass and sees new registrations.
    await store.ingest([registration('e0', 99)]);
    expect(await refresh.tick(catalog, store, AT)).toBe(3);
    expect(catalog.stats('e0').registrations).toBe(2);
    await store.close();
  });

  it('starts a new pass on another catalogue (a bundle swap)', async () => {
    const a = world(8).catalog;
    const b = world(4).catalog;
    const store = await MemoryFeatureStore.open();
    await store.ingest([registration('e3', 0)]);
    const refresh = new RollingStatsRefresh({ periodMs: 2000, tickMs: 1000 });
    expect(await refresh.tick(a, store, AT)).toBe(4);
    // b: slices of 2 from its first event, not the rest of a's pass.
    expect(await refresh.tick(b, store, AT)).toBe(2);
    expect(await refresh.tick(b, store, AT)).toBe(2);
    expect(b.stats('e3').registrations).toBe(1);
    expect(a.stats('e3').registrations).toBe(1);
    await store.close();
  });
});
