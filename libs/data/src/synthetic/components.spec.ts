import { describe, expect, it } from 'vitest';
import { createRng, EvrecError, SURFACES } from '@evrec/core';
import { ActionKind, ActionQueue, type DueAction } from './action-queue.ts';
import { CATEGORIES, CATEGORY_COUNT } from './categories.ts';
import { CITIES, CONTINENTS, selectCities } from './cities.ts';
import { composeEventText, topicCount } from './event-text.ts';
import { InteractionBuffer, type BufferedInteraction } from './interaction-buffer.ts';
import { TEXT_LANGUAGES } from './languages.ts';
import { resolveWorldOptions } from './options.ts';
import { dayOfWeek, slotOfHour } from './population.ts';
import { AliasTable, paretoMean, poisson, roundPrice } from './sampling.ts';
import { areFriends, pairFraction, type SocialGraph } from './social-graph.ts';
import { parseGmtOffset, UtcOffsets } from './time-zones.ts';
import { generateWorld } from './world.ts';

describe('city table', () => {
  it('has about 60 valid cities on six continents, each with a zone ICU knows', () => {
    expect(CITIES.length).toBeGreaterThanOrEqual(55);
    expect(new Set(CITIES.map((c) => c.name)).size).toBe(CITIES.length);
    for (const c of CITIES) {
      expect(Math.abs(c.lat)).toBeLessThanOrEqual(90);
      expect(Math.abs(c.lng)).toBeLessThanOrEqual(180);
      expect(c.country).toMatch(/^[A-Z]{2}$/);
      expect(c.currency).toMatch(/^[A-Z]{3}$/);
      expect(c.languages.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(1, 6);
      expect(() => new Intl.DateTimeFormat('en', { timeZone: c.timezone })).not.toThrow();
    }
    expect(new Set(CITIES.map((c) => c.continent))).toEqual(new Set(CONTINENTS));
  });
  it('selects every continent within the first six cities', () => {
    expect(new Set(selectCities(6).map((c) => c.continent)).size).toBe(6);
    expect(selectCities(1000)).toHaveLength(CITIES.length);
  });
});

describe('time zones', () => {
  it('parses ICU offset names', () => {
    expect(parseGmtOffset('GMT')).toBe(0);
    expect(parseGmtOffset('GMT+05:30')).toBe(330);
    expect(parseGmtOffset('GMT-03:00')).toBe(-180);
    expect(parseGmtOffset('GMT+9')).toBe(540);
  });
  it('follows daylight saving time', () => {
    const z = new UtcOffsets();
    expect(z.minutes('America/New_York', Date.UTC(2026, 0, 15))).toBe(-300);
    expect(z.minutes('America/New_York', Date.UTC(2026, 6, 15))).toBe(-240);
    expect(z.minutes('Australia/Sydney', Date.UTC(2026, 0, 15))).toBe(660);
    expect(z.minutes('Asia/Kolkata', Date.UTC(2026, 6, 15))).toBe(330);
  });
  it('numbers days of the week and time slots', () => {
    expect(dayOfWeek(0)).toBe(4); // 1970-01-01 was a Thursday
    expect(dayOfWeek(Math.floor(Date.UTC(2026, 0, 5) / 86_400_000))).toBe(1); // a Monday
    expect([7, 13, 19, 23, 2].map(slotOfHour)).toEqual([0, 1, 2, 3, 3]);
  });
});

describe('sampling', () => {
  it('draws from an alias table in proportion to the weights', () => {
    const t = new AliasTable([1, 0, 3, 6]);
    const rng = createRng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 50_000; i++) counts[t.sample(rng)]++;
    expect(counts[1]).toBe(0);
    expect(counts[0] / 50_000).toBeCloseTo(0.1, 1);
    expect(counts[2] / 50_000).toBeCloseTo(0.3, 1);
    expect(counts[3] / 50_000).toBeCloseTo(0.6, 1);
    expect(() => new AliasTable([0, 0])).toThrow(RangeError);
  });
  it('draws Poisson counts with the right mean, and knows the capped Pareto mean', () => {
    const rng = createRng(2);
    for (const mean of [0.5, 8, 60]) {
      let s = 0;
      for (let i = 0; i < 20_000; i++) s += poisson(rng, mean);
      expect(s / 20_000).toBeCloseTo(mean, mean < 10 ? 1 : 0);
    }
    // α=2, cap c: 1 + (1 − 1/c) = 2 − 1/c.
    expect(paretoMean(2, 100)).toBeCloseTo(1.99, 10);
  });
  it('rounds prices to two significant figures', () => {
    expect([0, 7.4, 23.6, 148, 1549, 61234].map(roundPrice)).toEqual([0, 7, 24, 150, 1500, 61000]);
  });
});

describe('ActionQueue', () => {
  it('pops in time order, ties in insertion order, and grows', () => {
    const q = new ActionQueue();
    const rng = createRng(3);
    const pushed: Array<[number, number]> = [];
    for (let i = 0; i < 5000; i++) {
      const at = rng.int(500);
      q.push(at, ActionKind.Session, i, -1, -1);
      pushed.push([at, i]);
    }
    pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out: DueAction = { at: 0, kind: ActionKind.Session, user: 0, event: 0, aux: 0 };
    const popped: Array<[number, number]> = [];
    while (q.pop(out)) popped.push([out.at, out.user]);
    expect(popped).toEqual(pushed);
    expect(q.peekTime()).toBe(Infinity);
  });
});

describe('InteractionBuffer', () => {
  const collect = async (b: InteractionBuffer, before: number) => {
    const got: Array<[number, number]> = [];
    await b.drainBefore(before, (x: BufferedInteraction) => {
      got.push([x.at, x.user]);
      return undefined;
    });
    return got;
  };
  it('hands out only what is before the clock, sorted by time then emission, and keeps the rest', async () => {
    const b = new InteractionBuffer();
    const times = [50, 10, 30, 10, 70, 20];
    times.forEach((t, i) => b.add(t, i, 0, 0, -1, -1, -1, -1));
    expect(await collect(b, 40)).toEqual([[10, 1], [10, 3], [20, 5], [30, 2]]);
    expect(b.size).toBe(2);
    expect(await collect(b, Infinity)).toEqual([[50, 0], [70, 4]]);
  });
  it('sorts wide time spans too (comparator path)', async () => {
    const b = new InteractionBuffer();
    b.add(2 ** 40, 0, 0, 0, -1, -1, -1, -1);
    b.add(5, 1, 0, 0, -1, -1, -1, -1);
    b.add(5, 2, 0, 0, -1, -1, -1, -1);
    expect(await collect(b, Infinity)).toEqual([[5, 1], [5, 2], [2 ** 40, 0]]);
  });
});

describe('social graph helpers', () => {
  it('looks friends up in sorted CSR rows', () => {
    const g: SocialGraph = { offsets: Int32Array.from([0, 2, 3, 4]), neighbors: Int32Array.from([1, 2, 0, 0]), edges: 2 };
    expect(areFriends(g, 0, 2)).toBe(true);
    expect(areFriends(g, 1, 2)).toBe(false);
    expect(areFriends(g, 2, 0)).toBe(true);
  });
  it('gives a pair the same friendship age whichever way round', () => {
    expect(pairFraction(3, 99)).toBe(pairFraction(99, 3));
    expect(pairFraction(3, 99)).not.toBe(pairFraction(3, 98));
  });
});

describe('event text', () => {
  it('writes every category in every language, with the category words and the style', () => {
    const rng = createRng(4);
    for (const language of TEXT_LANGUAGES) {
      const blurbs = new Set<string>();
      for (let c = 0; c < CATEGORY_COUNT; c++) {
        expect(topicCount(c)).toBeGreaterThanOrEqual(4);
        const paid = composeEventText({ language, category: c, style: 0, cityName: 'X', online: false, price: 25, currency: 'EUR' }, rng);
        const free = composeEventText({ language, category: c, style: 0, cityName: 'X', online: true, price: 0, currency: 'EUR' }, rng);
        expect(paid.title.length).toBeGreaterThan(2);
        expect(paid.description).toContain('25 EUR');
        expect(free.description).not.toContain('EUR');
        expect(paid.topic).toMatch(/^[a-z-]+$/);
        // The same draws with opposite styles differ only in the style words.
        const casual = composeEventText({ language, category: c, style: -1, cityName: 'X', online: true, price: 0, currency: 'EUR' }, createRng(c));
        const premium = composeEventText({ language, category: c, style: 1, cityName: 'X', online: true, price: 0, currency: 'EUR' }, createRng(c));
        expect(casual.topic).toBe(premium.topic);
        expect(casual.description).not.toBe(premium.description);
        // Each category opens its description with its own sentence.
        blurbs.add(free.description.slice(0, 12));
      }
      expect(blurbs.size, language).toBe(CATEGORY_COUNT);
    }
    expect(CATEGORIES).toHaveLength(16);
  });
});

describe('options', () => {
  it('fills from the preset and lets fields override it', () => {
    const o = resolveWorldOptions({ preset: 'tiny', users: 1234 });
    expect(o).toMatchObject({ users: 1234, events: 200, days: 28, cities: 18, seed: 42, name: 'synthetic-tiny' });
    expect(o.startMs).toBe(Date.UTC(2026, 0, 5));
    expect(resolveWorldOptions({}).preset).toBe('small');
  });
  it('rejects bad options with INVALID_INPUT naming the field', async () => {
    await expect(generateWorld({ outDir: '/nonexistent', users: 3 })).rejects.toThrow(/options\.users/);
    await expect(generateWorld({ outDir: '/nonexistent', start: '2026-13-45' })).rejects.toSatisfy(
      (e: unknown) => e instanceof EvrecError && e.code === 'INVALID_INPUT' && e.field === 'options.start',
    );
    expect(SURFACES).toContain('push');
  });
});
