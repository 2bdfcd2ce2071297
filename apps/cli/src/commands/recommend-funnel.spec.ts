import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, type Event } from '@evrec/core';
import { diversify, reasonsFor } from './recommend-funnel.ts';

const ev = (id: string, hostId?: string, category?: string, extra: Partial<Event> = {}): Event => ({ id, hostId, category, ...extra }) as Event;

describe('diversify', () => {
  it('keeps at most 3 per host and 4 per category in the top 10, holding the rest back in order', () => {
    // 5 events of host h1 (category a), then 6 of distinct hosts in category b, then 2 more.
    const ranked = [
      ...[1, 2, 3, 4, 5].map((i) => ev(`h1-${i}`, 'h1', 'a')),
      ...[1, 2, 3, 4, 5, 6].map((i) => ev(`b-${i}`, `hb${i}`, 'b')),
      ev('c-1', 'hc', 'c'),
      ev('x-1'),
    ].map((event, i) => ({ event, score: 1 - i / 100 }));
    const ids = diversify(ranked).map((r) => r.event.id);
    // Only 9 items satisfy the caps; the held-back ones follow in their original order.
    expect(ids).toEqual(['h1-1', 'h1-2', 'h1-3', 'b-1', 'b-2', 'b-3', 'b-4', 'c-1', 'x-1', 'h1-4', 'h1-5', 'b-5', 'b-6']);
  });

  it('applies caps only within the window and removes duplicate listings', () => {
    const ranked = [
      ev('e1', 'h', 'a', { title: 'Jazz', startsAt: 5 }),
      ev('e1', 'h', 'a'),
      ev('e2', 'h', 'a', { title: 'Jazz', startsAt: 5 }),
      ev('e3', 'h', 'a'),
      ev('e4', 'h', 'a'),
    ].map((event, i) => ({ event, score: -i }));
    expect(diversify(ranked, { window: 1, maxPerHost: 1 }).map((r) => r.event.id)).toEqual(['e1', 'e3', 'e4']);
    expect(diversify(ranked, { window: 3, maxPerHost: 1 }).map((r) => r.event.id)).toEqual(['e1', 'e3', 'e4']);
    expect(diversify(ranked, { window: 3, maxPerHost: 2 }).map((r) => r.event.id)).toEqual(['e1', 'e3', 'e4']);
    expect(diversify(ranked, { window: 3, maxPerHost: 10, maxPerCategory: 1 }).map((r) => r.event.id)).toEqual(['e1', 'e3', 'e4']);
  });
});

describe('reasonsFor', () => {
  const at = 100 * MS_PER_DAY;
  const past = ev('p1', 'host1', 'music');
  const events = new Map([['p1', past]]);
  const user = { userId: 'u', friendIds: [], history: [{ eventId: 'p1', type: 'register' as const, at: at - MS_PER_DAY }], registeredEventIds: ['p1'], dismissedEventIds: [] };

  it('lists friends going, distance, same host, new and popular', () => {
    const e = ev('e', 'host1', 'music', { lat: 0, lng: 1, createdAt: at - 2 * MS_PER_DAY });
    const activity = { registrations: 9, registrations1d: 1, registrations7d: 4, impressions: 0, clicks: 0, friendsRegistered: 2, invitesReceived: 0 };
    const r = reasonsFor({ event: e, activity, user, location: { lat: 0, lng: 0 }, at, events, sources: ['ann', 'popular'] });
    // 1 degree of longitude at the equator: 111.2 km.
    expect(r).toEqual([
      { type: 'friends_going', count: 2 },
      { type: 'distance', km: 111.2 },
      { type: 'same_host', pastEventId: 'p1' },
      { type: 'new', ageDays: 2 },
      { type: 'popular', registrations7d: 4 },
    ]);
  });

  it('gives no reason it cannot support (online, no friends, old, other host)', () => {
    const e = ev('e', 'host2', 'music', { online: true, lat: 0, lng: 1, createdAt: at - 30 * MS_PER_DAY });
    expect(reasonsFor({ event: e, user, location: { lat: 0, lng: 0 }, at, events, sources: ['ann'] })).toEqual([]);
  });
});
