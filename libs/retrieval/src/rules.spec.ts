import { describe, expect, it } from 'vitest';
import { isEvrecError } from '@evrec/core';
import { RuleSet, parseRetrievalFilters, type ExclusionReason, type RetrievalFilters } from './rules.ts';
import { AT, EVENTS, HOME, buildTestWorld } from './test-world.fixture.ts';

async function rules(filters?: RetrievalFilters, near = true): Promise<RuleSet> {
  const { catalog, activity } = await buildTestWorld();
  const user = (await activity.snapshot({ userId: 'u1', eventIds: [], at: AT })).user;
  return new RuleSet(catalog, {
    at: AT,
    horizonDays: 30,
    near: near ? { ...HOME, radiusKm: 100 } : undefined,
    registered: user.registeredEventIds,
    dismissed: user.dismissedEventIds,
    filters,
  });
}

function verdicts(r: RuleSet): Record<string, ExclusionReason | null> {
  return Object.fromEntries(EVENTS.map((e) => [e.id, r.check(e.id)]));
}

describe('RuleSet', () => {
  it('excludes exactly the event built to fail each hard rule', async () => {
    const v = verdicts(await rules());
    expect(v).toMatchObject({
      far: 'too_far',
      nowhere: 'too_far',
      past: 'outside_window',
      late: 'outside_window',
      unpublished: 'not_published',
      cancelled: 'cancelled',
      registered: 'registered',
      dismissed: 'dismissed',
      soldout: 'sold_out',
      nostart: 'no_start',
    });
    const passing = Object.entries(v).filter(([, r]) => r === null).map(([id]) => id).sort();
    expect(passing).toEqual(['euro', 'free', 'french', 'fresh', 'friend', 'near', 'noprice', 'online', 'popular', 'pricey', 'roomy', 'tech']);
    expect((await rules()).check('no-such-event')).toBe('unknown');
  });

  it('lets online events through the radius rule, and drops the radius rule without a location', async () => {
    const withRadius = await rules();
    expect(withRadius.check('online')).toBeNull();
    const noLocation = await rules(undefined, false);
    expect(noLocation.check('far')).toBeNull();
    expect(noLocation.check('nowhere')).toBeNull();
  });

  it('treats sold out as registrations ≥ capacity from the catalogue counters', async () => {
    const r = await rules();
    expect(r.check('soldout')).toBe('sold_out'); // 2 registrations, capacity 2
    expect(r.check('roomy')).toBeNull(); // 1 of 5
  });

  it('applies max price within a currency and across currencies in USD, excluding unknown prices', async () => {
    const usd = verdicts(await rules({ maxPrice: 40 }));
    expect(usd.pricey).toBe('price'); // 50 USD
    expect(usd.euro).toBeNull(); // 30 EUR = 32.4 USD
    expect(usd.free).toBeNull();
    expect(usd.noprice).toBe('price');
    const eur = verdicts(await rules({ maxPrice: 25, currency: 'EUR' }));
    expect(eur.euro).toBe('price'); // 30 EUR > 25 EUR
    expect(eur.near).toBeNull(); // 10 USD = 9.26 EUR
    expect(eur.pricey).toBe('price'); // 50 USD = 46 EUR
  });

  it('applies free, categories and languages', async () => {
    const free = verdicts(await rules({ free: true }));
    expect(free.free).toBeNull();
    expect(free.near).toBe('not_free');
    expect(free.noprice).toBe('not_free');
    const tech = verdicts(await rules({ categories: ['tech'] }));
    expect(tech.tech).toBeNull();
    expect(tech.near).toBe('category');
    const fr = verdicts(await rules({ languages: ['fr'] }));
    expect(fr.french).toBeNull();
    expect(fr.near).toBe('language');
  });

  it('validates filters at the edge', () => {
    expect(parseRetrievalFilters({ maxPrice: 5, categories: ['music'] })).toEqual({ maxPrice: 5, categories: ['music'] });
    try {
      parseRetrievalFilters({ maxPrice: -1 });
      expect.unreachable();
    } catch (e) {
      expect(isEvrecError(e, 'INVALID_INPUT')).toBe(true);
      expect((e as Error).message).toContain('maxPrice');
    }
  });
});
