import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, type Interaction } from '@evrec/core';
import { ReplayActivity } from './replay.ts';
import { T0, tinyDataset } from './tiny-world.fixture.ts';

describe('ReplayActivity (hand-computed on the tiny world)', () => {
  const reader = new ReplayActivity(tinyDataset());

  it('answers the user part from interactions strictly before `at`', async () => {
    const s = await reader.snapshot({ userId: 'u1', eventIds: ['c1', 'c2', 'c3'], at: T0 });
    expect(s.at).toBe(T0);
    expect([...s.user.friendIds].sort()).toEqual(['u2', 'u3', 'u4']);
    // click c1, interested p3, register p2, register p1, click p1 (invite and not_interested are not positives)
    expect(s.user.history.map((h) => `${h.type}:${h.eventId}`)).toEqual(['click:c1', 'interested:p3', 'register:p2', 'register:p1', 'click:p1']);
    expect(s.user.registeredEventIds).toEqual(['p1', 'p2']); // the register of c1 at exactly T0 is not visible
    expect(s.user.dismissedEventIds).toEqual(['c3']);
  });

  it('counts held registrations, velocity, impressions, clicks, friends and invites per event', async () => {
    const s = await reader.snapshot({ userId: 'u1', eventIds: ['c1', 'c2', 'c3'], at: T0 });
    // c1: u2 +1 (T0-3d), u3 +1 (T0-2d) and -1 (T0-1d, cancel), u4 +1 (attend), u5 +1 → 3 held.
    // held registrations made in the last 24 h [T0-1d, T0): u4, u5 = 2; in the last 7 days: u2, u4, u5 = 3.
    // friends u2, u4 hold one (u3 cancelled); u5 is no friend. Impressions by u6 and u7 (u1's is at T0).
    expect(s.events.c1).toEqual({ registrations: 3, registrations1d: 2, registrations7d: 3, impressions: 2, clicks: 1, friendsRegistered: 2, invitesReceived: 1 });
    expect(s.events.c2).toEqual({ registrations: 0, registrations1d: 0, registrations7d: 0, impressions: 0, clicks: 0, friendsRegistered: 0, invitesReceived: 0 });
    expect(s.events.c3.registrations).toBe(0);
    // hostA: p1 (u1) + p3 (u6) + c1 (3) = 5
    expect(s.hosts).toEqual({ hostA: { registrations: 5 } });
  });

  it('sees the interactions at T0 one millisecond later', async () => {
    const s = await reader.snapshot({ userId: 'u1', eventIds: ['c1', 'c2'], at: T0 + 2 * MS_PER_HOUR });
    expect(s.user.registeredEventIds).toEqual(['p1', 'p2', 'c1']);
    expect(s.events.c1.registrations).toBe(4);
    expect(s.events.c2).toMatchObject({ registrations: 1, friendsRegistered: 1 });
    const justAfter = await reader.snapshot({ userId: 'u1', eventIds: ['c1'], at: T0 + 1 });
    expect(justAfter.events.c1.impressions).toBe(3);
  });

  it('caps history, answers unknown users and events with zeros, and sorts unsorted input', async () => {
    const capped = new ReplayActivity(tinyDataset(), { historyCap: 2 });
    expect((await capped.snapshot({ userId: 'u1', eventIds: [], at: T0 })).user.history.map((h) => h.eventId)).toEqual(['c1', 'p3']);
    const nobody = await reader.snapshot({ userId: 'zz', eventIds: ['nope'], at: T0 });
    expect(nobody.user).toEqual({ userId: 'zz', friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] });
    expect(nobody.events.nope.registrations).toBe(0);
    const ds = tinyDataset();
    const reversed = new ReplayActivity({ ...ds, interactions: [...ds.interactions].reverse() });
    expect(await reversed.snapshot({ userId: 'u1', eventIds: ['c1'], at: T0 })).toEqual(await reader.snapshot({ userId: 'u1', eventIds: ['c1'], at: T0 }));
  });

  it('handles cancel → re-register and attend after register as one registration', async () => {
    const xs: Interaction[] = [
      { id: 'a', userId: 'x', eventId: 'e', type: 'register', at: 1000 },
      { id: 'b', userId: 'x', eventId: 'e', type: 'attend', at: 2000 },
      { id: 'c', userId: 'x', eventId: 'e', type: 'cancel', at: 3000 },
      { id: 'd', userId: 'x', eventId: 'e', type: 'cancel', at: 3500 },
      { id: 'f', userId: 'x', eventId: 'e', type: 'register', at: 4000 },
    ];
    const r = new ReplayActivity({ events: new Map(), friends: new Map([['y', ['x']]]), interactions: xs });
    const at = async (t: number) => (await r.snapshot({ userId: 'y', eventIds: ['e'], at: t })).events.e;
    expect((await at(2500)).registrations).toBe(1);
    expect((await at(3600)).registrations).toBe(0);
    expect(await at(5000)).toMatchObject({ registrations: 1, friendsRegistered: 1 });
    expect((await r.snapshot({ userId: 'x', eventIds: [], at: 3600 })).user.registeredEventIds).toEqual([]);
    expect((await r.snapshot({ userId: 'x', eventIds: [], at: 5000 })).user.registeredEventIds).toEqual(['e']);
    // the window is [at - 7d, at): the re-registration at 4000 is in it at 4000 + 7d, out of it 1 ms later
    expect((await at(4000 + 7 * MS_PER_DAY)).registrations7d).toBe(1);
    expect((await at(4001 + 7 * MS_PER_DAY)).registrations7d).toBe(0);
  });

  it('rejects a non-finite time', () => {
    expect(() => reader.snapshotSync({ userId: 'u1', eventIds: [], at: NaN })).toThrow(/finite/);
  });
});
