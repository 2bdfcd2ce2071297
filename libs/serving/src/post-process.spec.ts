import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, type Event } from '@evrec/core';
import { dedupeListings, diversify, reasonsFor, type ScoredItem } from './post-process.ts';

const AT = Date.UTC(2026, 2, 1);
const events = new Map<string, Event>();
const ev = (id: string, hostId: string, category: string, extra: Partial<Event> = {}): ScoredItem => {
  events.set(id, { id, hostId, category, ...extra });
  return { eventId: id, score: 1 - events.size / 100, sources: [] };
};
const lookup = (id: string): Event | undefined => events.get(id);

describe('diversify', () => {
  it('caps a host at 2 in the top positions and keeps skipped items in score order after', () => {
    events.clear();
    const items = [ev('a1', 'A', 'x'), ev('a2', 'A', 'y'), ev('a3', 'A', 'z'), ev('b1', 'B', 'x'), ev('a4', 'A', 'w'), ev('c1', 'C', 'v')];
    // Greedy: a1, a2 (host A now full), a3 skipped, b1, a4 skipped, c1 → then a3, a4.
    expect(diversify(items, lookup, { depth: 4, maxPerHost: 2, maxPerCategory: 10 }).map((i) => i.eventId)).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'a4']);
  });

  it('caps categories and takes the best remaining when nothing fits', () => {
    events.clear();
    const items = [ev('m1', 'H1', 'music'), ev('m2', 'H2', 'music'), ev('m3', 'H3', 'music'), ev('t1', 'H4', 'tech')];
    expect(diversify(items, lookup, { depth: 4, maxPerHost: 5, maxPerCategory: 1 }).map((i) => i.eventId)).toEqual(['m1', 't1', 'm2', 'm3']);
  });

  it('leaves the order alone beyond the depth', () => {
    events.clear();
    const items = [ev('a1', 'A', 'x'), ev('a2', 'A', 'x'), ev('a3', 'A', 'x')];
    expect(diversify(items, lookup, { depth: 1, maxPerHost: 1 }).map((i) => i.eventId)).toEqual(['a1', 'a2', 'a3']);
  });
});

describe('dedupeListings', () => {
  it('drops the same title by the same host at the same minute, keeping the first (better) one', () => {
    events.clear();
    const start = AT + MS_PER_DAY;
    const items = [
      ev('x1', 'H', 'c', { title: 'Jazz Night', startsAt: start }),
      ev('x2', 'H', 'c', { title: ' jazz night ', startsAt: start + 30_000 }),
      ev('x3', 'G', 'c', { title: 'Jazz Night', startsAt: start }),
      ev('x4', 'H', 'c', { title: 'Jazz Night', startsAt: start + 3_600_000 }),
    ];
    expect(dedupeListings(items, lookup).map((i) => i.eventId)).toEqual(['x1', 'x3', 'x4']);
  });
});

describe('reasonsFor', () => {
  const base: Event = { id: 'e', hostId: 'h1', lat: 40, lng: -74, createdAt: AT - 2 * MS_PER_DAY, startsAt: AT + MS_PER_DAY };
  const activity = { registrations: 30, registrations1d: 2, registrations7d: 12, impressions: 0, clicks: 0, friendsRegistered: 2, invitesReceived: 0 };

  it('lists friends, known host, distance first and stops at the maximum', () => {
    // 0.05° of latitude ≈ 5.56 km > 5 km: not "nearby"; 0.01° ≈ 1.1 km is.
    const r = reasonsFor({ ...base, lat: 40.01 }, activity, ['ann'], { at: AT, location: { lat: 40, lng: -74 }, pastHosts: new Set(['h1']), hasHistory: true });
    expect(r.map((x) => x.code)).toEqual(['friends_going', 'same_host', 'nearby']);
    expect(r[0]).toEqual({ code: 'friends_going', text: '2 friends going', value: 2 });
    expect(r[2].value).toBeCloseTo(1.1, 1);
  });

  it('gives new, popular and taste reasons when the stronger ones are absent', () => {
    const r = reasonsFor({ ...base, lat: 40.05 }, { ...activity, friendsRegistered: 0 }, ['ann'], { at: AT, location: { lat: 40, lng: -74 }, pastHosts: new Set(), hasHistory: true });
    expect(r.map((x) => x.code)).toEqual(['new', 'popular', 'matches_interests']);
    expect(r[1].text).toBe('Popular: 12 registered this week');
  });

  it('gives none for an old, quiet, far event without history', () => {
    const r = reasonsFor({ ...base, createdAt: AT - 30 * MS_PER_DAY, lat: 41 }, { ...activity, friendsRegistered: 0, registrations7d: 3 }, ['popular'], { at: AT, location: { lat: 40, lng: -74 }, pastHosts: new Set(), hasHistory: false });
    expect(r).toEqual([]);
  });
});
