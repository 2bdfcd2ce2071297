import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, type Event } from '@evrec/core';
import { AnnIndex } from '@evrec/ann';
import { Catalog } from './catalog.ts';
import { recommendFromRetrieval } from './recommend.ts';
import { mergeSources, retrieveCandidates, sourceList, type RetrieveInput } from './retrieve.ts';
import { AT, HOME, USER_VECTOR, USERS, buildTestWorld, vectorFor } from './test-world.fixture.ts';

async function input(extra: Partial<RetrieveInput> = {}): Promise<RetrieveInput> {
  const w = await buildTestWorld();
  return { user: USERS[0], userVector: USER_VECTOR, context: { at: AT }, activity: w.activity, catalog: w.catalog, ...extra };
}

const EXCLUDED = ['far', 'nowhere', 'past', 'late', 'unpublished', 'cancelled', 'registered', 'dismissed', 'soldout', 'nostart'];

describe('retrieveCandidates', () => {
  it('returns only events passing every rule, from every source', async () => {
    const r = await retrieveCandidates(await input());
    const ids = r.candidates.map((c) => c.eventId);
    for (const id of EXCLUDED) expect(ids).not.toContain(id);
    expect(r.location).toEqual({ ...HOME, source: 'home' });
    // The window is small: scanned exactly from the catalogue's bucket label lists, not listed.
    expect(r.allowed).toBeNull();
    expect(r.counts.ann).toBe(12);
    expect(r.annPath).toBe('exact-labels');
    expect(sourceList(r.candidates, 'ann')[0]).toBe('near');
  });

  it('finds the same ANN hits from the bucket label lists as by listing the window and scanning the ids', async () => {
    const viaLabels = await retrieveCandidates(await input());
    const viaList = await retrieveCandidates(await input({ poolScan: true }));
    expect(viaList.allowed).toBe(12);
    expect(viaList.annPath).toBe('exact-allowed');
    const annHits = (r: typeof viaList) => r.candidates.filter((c) => c.ranks.ann !== undefined).sort((a, b) => (a.ranks.ann ?? 0) - (b.ranks.ann ?? 0)).map((c) => [c.eventId, c.scores.ann]);
    expect(annHits(viaLabels)).toEqual(annHits(viaList));
    expect(viaLabels.candidates.map((c) => c.eventId)).toEqual(viaList.candidates.map((c) => c.eventId));
  });

  it('tags each candidate with every source that produced it, once, with its own scores', async () => {
    const r = await retrieveCandidates(await input());
    const byId = new Map(r.candidates.map((c) => [c.eventId, c]));
    expect(new Set(r.candidates.map((c) => c.eventId)).size).toBe(r.candidates.length);
    // u2 (a friend) registered for friend, roomy and popular (soldout is excluded by the rules).
    expect(sourceList(r.candidates, 'friends').sort()).toEqual(['friend', 'popular', 'roomy']);
    expect(byId.get('friend')?.scores.friends).toBe(1);
    // popular: 3 registrations, 2 of them within 7 days → 3 + 2; friend: 1 + 1; roomy: 1 + 1.
    expect(sourceList(r.candidates, 'popular')[0]).toBe('popular');
    expect(byId.get('popular')?.scores.popular).toBe(5);
    expect(byId.get('popular')?.sources).toEqual(['ann', 'friends', 'popular']);
    expect(byId.get('friend')?.sources).toEqual(['ann', 'friends', 'popular']);
    // fresh was published a day ago: freshness 1 - 1/7.
    expect(sourceList(r.candidates, 'new')).toEqual(['fresh']);
    expect(byId.get('fresh')?.scores.new).toBeCloseTo(6 / 7, 9);
    // Agreement across sources lifts an event in the merged order.
    const friend = byId.get('friend');
    // Default weights: ann 1, friends 1, popular 0.25; rrfK 10.
    expect(friend?.score).toBeCloseTo(1 / (10 + 1 + (friend?.ranks.ann ?? 0)) + 1 / (10 + 1 + (friend?.ranks.friends ?? 0)) + 0.25 / (10 + 1 + (friend?.ranks.popular ?? 0)), 12);
  });

  it('runs the ANN through the in-graph filter callback when the window holds many events', async () => {
    const r = await retrieveCandidates({ ...(await input()), maxScan: 3 });
    expect(r.truncated).toBe(true);
    expect(r.annPath).toBe('hnsw-filter');
    const ann = sourceList(r.candidates, 'ann');
    expect(ann.sort()).toEqual(['euro', 'free', 'french', 'fresh', 'friend', 'near', 'noprice', 'online', 'popular', 'pricey', 'roomy', 'tech']);
  });

  it('walks the graph with the allowed set as the in-search filter when the pool is above the exact-scan limit', async () => {
    const r = await retrieveCandidates({ ...(await input()), exactScanMaxIds: 5 });
    expect(r.truncated).toBe(false);
    expect(r.annPath).toBe('hnsw-filter');
    expect(sourceList(r.candidates, 'ann').sort()).toEqual(['euro', 'free', 'french', 'fresh', 'friend', 'near', 'noprice', 'online', 'popular', 'pricey', 'roomy', 'tech']);
  });

  it('honours the caller filters in every source', async () => {
    const r = await retrieveCandidates({ ...(await input()), filters: { categories: ['tech'] } });
    expect(r.candidates.map((c) => c.eventId)).toEqual(['tech']);
  });

  it('centres on the request location over the home one', async () => {
    const r = await retrieveCandidates({ ...(await input()), context: { at: AT, lat: 42.0, lng: -74.0 } });
    expect(r.location?.source).toBe('request');
    const ids = r.candidates.map((c) => c.eventId).sort();
    expect(ids).toEqual(['far', 'online']);
  });

  it('serves an anonymous request from popularity and new events without an ANN', async () => {
    const r = await retrieveCandidates({ ...(await input()), user: undefined, userVector: undefined, context: { at: AT, ...HOME } });
    expect(r.annPath).toBe('none');
    expect(r.counts.ann).toBe(0);
    expect(r.counts.friends).toBe(0);
    expect(sourceList(r.candidates, 'popular')[0]).toBe('popular');
    // Not the user: u1's registration and dismissal do not apply.
    expect(r.candidates.map((c) => c.eventId)).toContain('registered');
  });

  it('retrieves a newly upserted event at once and stops retrieving a deleted one', async () => {
    const base = await input();
    const event: Event = { id: 'brand-new', createdAt: AT - 1000, startsAt: AT + MS_PER_DAY, lat: 40.05, lng: -74.0, status: 'scheduled' };
    base.catalog.upsert(event, { vector: [1, 0.01, 0, 0] });
    let r = await retrieveCandidates(base);
    expect(sourceList(r.candidates, 'ann')[0]).toBe('brand-new');
    expect(r.candidates.find((c) => c.eventId === 'brand-new')?.sources).toEqual(['ann', 'new']);
    base.catalog.delete('brand-new');
    r = await retrieveCandidates(base);
    expect(r.candidates.map((c) => c.eventId)).not.toContain('brand-new');
  });

  it('matches an exact search on the ANN part when asked', async () => {
    const base = await input();
    const r = await retrieveCandidates({ ...base, annExact: true, maxScan: 3 });
    expect(r.annPath).toBe('exact-scan');
    expect(sourceList(r.candidates, 'ann')[0]).toBe('near');
  });
});

describe('mergeSources', () => {
  it('fuses ranks with weights, dedupes, and ignores a repeat within one source', () => {
    const merged = mergeSources(
      new Map([
        ['ann', [{ id: 'a', score: 0.9 }, { id: 'b', score: 0.8 }, { id: 'a', score: 0.1 }]],
        ['popular', [{ id: 'b', score: 7 }]],
      ]),
      { weights: { ann: 1, popular: 2 }, rrfK: 0 },
    );
    expect(merged.map((c) => [c.eventId, c.score, c.sources])).toEqual([
      ['b', 1 / 2 + 2 / 1, ['ann', 'popular']],
      ['a', 1, ['ann']],
    ]);
    expect(merged[1].scores.ann).toBe(0.9);
  });
});

describe('recommendFromRetrieval', () => {
  it('keeps retrieval order without a ranker and re-orders by the ranker seam', async () => {
    const r = await retrieveCandidates(await input());
    const plain = await recommendFromRetrieval(r, { context: { at: AT } }, { k: 3 });
    expect(plain.map((x) => x.eventId)).toEqual(r.candidates.slice(0, 3).map((c) => c.eventId));
    const ranked = await recommendFromRetrieval(r, { context: { at: AT } }, { k: 2, rank: (cs) => cs.map((c) => (c.eventId === 'tech' ? 10 : c.eventId === 'french' ? 5 : 0)) });
    expect(ranked.map((x) => [x.eventId, x.score])).toEqual([['tech', 10], ['french', 5]]);
    await expect(recommendFromRetrieval(r, { context: { at: AT } }, { rank: () => [1] })).rejects.toThrow(/ranker returned 1 scores/);
  });
});

describe('ANN with a standalone index', () => {
  it('uses the catalogue index by default and an explicit one when given', async () => {
    const base = await input();
    const other = AnnIndex.create({ dims: 4 });
    other.add('tech', vectorFor('tech'));
    const r = await retrieveCandidates({ ...base, index: other, sources: ['ann'] });
    expect(r.candidates.map((c) => c.eventId)).toEqual(['tech']);
    const plain = new Catalog();
    plain.upsertMany(base.catalog.values());
    const none = await retrieveCandidates({ ...base, catalog: plain, sources: ['ann'] });
    expect(none.annPath).toBe('none');
  });
});

describe('source top-k', () => {
  it('keeps the k most popular of a large pool in order, ties to the sooner event', async () => {
    const base = await input();
    const catalog = new Catalog();
    const events: Event[] = [];
    for (let i = 0; i < 300; i++) events.push({ id: `p${String(i).padStart(3, '0')}`, createdAt: AT - 30 * MS_PER_DAY, startsAt: AT + MS_PER_DAY + (i % 7) * 1000, lat: 40, lng: -74 });
    catalog.upsertMany(events);
    // Popularity = i % 50 for event i: ten events share each score.
    events.forEach((e, i) => catalog.setStats(e.id, { registrations: i % 50, registrations7d: 0 }));
    const r = await retrieveCandidates({ ...base, catalog, sources: ['popular'], popularK: 12, userVector: undefined });
    const expected = [...events]
      .map((e, i) => ({ id: e.id, score: i % 50, start: e.startsAt ?? 0 }))
      .sort((a, b) => b.score - a.score || a.start - b.start || (a.id < b.id ? -1 : 1))
      .slice(0, 12)
      .map((x) => x.id);
    expect(sourceList(r.candidates, 'popular')).toEqual(expected);
    expect(expected[0]).not.toBe(expected[1]);
  });
});
