import { describe, expect, it } from 'vitest';
import type { Event } from '@evrec/core';
import { hashedTextVector } from '@evrec/text';
import { EventTextCache } from './text-vectors.ts';

const event = (i: number): Event => ({ id: `e${i}`, title: `Jazz night ${i}`, description: `Live music number ${i} downtown`, language: 'en' });
const expected = (i: number): Float32Array => hashedTextVector(`Jazz night ${i}\nLive music number ${i} downtown`, { dims: 64, language: 'en' });

describe('EventTextCache', () => {
  it('returns the hashed vector, the same on a hit, as a copy the caller may change', () => {
    const cache = new EventTextCache({ dims: 64 });
    const first = cache.get(event(1));
    expect([...first.vector]).toEqual([...expected(1)]);
    expect(first).toMatchObject({ language: 'en', hasText: true, descriptionChars: 'Live music number 1 downtown'.length });
    first.vector.fill(9);
    const again = cache.get(event(1));
    expect([...again.vector]).toEqual([...expected(1)]);
    expect(cache.size).toBe(1);
  });

  it('read gives the cached vector as a view of the slab (same values as get), and computes a miss', () => {
    const cache = new EventTextCache({ dims: 64, maxEntries: 2 });
    const miss = cache.read(event(1));
    expect([...miss.vector]).toEqual([...expected(1)]);
    const hit = cache.read(event(1));
    expect([...hit.vector]).toEqual([...expected(1)]);
    expect(hit).toMatchObject({ language: 'en', hasText: true, descriptionChars: 'Live music number 1 downtown'.length });
    // A view: the ring reusing its row (two more events in a 2-entry cache) changes what it shows.
    cache.warm(event(2));
    cache.warm(event(3));
    expect([...hit.vector]).toEqual([...expected(3)]);
    expect([...cache.read(event(1)).vector]).toEqual([...expected(1)]);
  });

  it('keeps every entry correct while the slab grows past its first rows', () => {
    const cache = new EventTextCache({ dims: 64, maxEntries: 5000 });
    for (let i = 0; i < 2500; i++) cache.warm(event(i));
    expect(cache.size).toBe(2500);
    for (const i of [0, 1023, 1024, 2047, 2048, 2499]) expect([...cache.get(event(i)).vector]).toEqual([...expected(i)]);
  });

  it('drops the oldest entries beyond maxEntries and reuses their rows', () => {
    const cache = new EventTextCache({ dims: 64, maxEntries: 3 });
    for (let i = 0; i < 5; i++) cache.warm(event(i));
    expect(cache.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((i) => cache.has(`e${i}`))).toEqual([false, false, true, true, true]);
    for (const i of [2, 3, 4]) expect([...cache.get(event(i)).vector]).toEqual([...expected(i)]);
  });

  it('recomputes an invalidated event, and a reused row does not drop its new home', () => {
    const cache = new EventTextCache({ dims: 64, maxEntries: 2 });
    cache.warm(event(1));
    cache.invalidate('e1');
    expect(cache.has('e1')).toBe(false);
    const changed: Event = { ...event(1), title: 'Changed title' };
    expect([...cache.get(changed).vector]).toEqual([...hashedTextVector('Changed title\nLive music number 1 downtown', { dims: 64, language: 'en' })]);
    // e1 now lives in row 1; filling row 0 again must not evict it.
    cache.warm(event(2));
    expect(cache.has('e1')).toBe(true);
    expect(cache.has('e2')).toBe(true);
  });

  it('describes an event without text', () => {
    const t = new EventTextCache({ dims: 64 }).get({ id: 'x' });
    expect(t).toMatchObject({ hasText: false, language: undefined, descriptionChars: 0 });
    expect(t.vector.every((v) => v === 0)).toBe(true);
  });
});
