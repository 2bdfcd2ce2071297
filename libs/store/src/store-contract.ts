import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  EvrecError,
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  emptyEventActivity,
  type Interaction,
  type InteractionType,
  type ProgressEvent,
} from '@evrec/core';
import { DatasetWriter, loadDataset, openDataset } from '@evrec/data';
import type { DatasetStreams, FeatureStore, LoadedDataset } from './types.ts';

/**
 * The one behavioural contract every `FeatureStore` implementation passes. Imported by
 * `memory-store.spec.ts` and `redis-store.int.spec.ts`; not part of the public API.
 */
export interface MakeStoreOptions {
  historyLength?: number;
  maxIngestBatch?: number;
}

/**
 * Opens a store over the data named `namespace`: calling it again with the same namespace must
 * reach the same underlying data (same key prefix, same log file) — that is how durability is tested.
 */
export type MakeStore = (namespace: string, options?: MakeStoreOptions) => Promise<FeatureStore>;

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const H = MS_PER_HOUR;

let seq = 0;
function ix(userId: string, eventId: string, type: InteractionType, at: number, extra: Partial<Interaction> = {}): Interaction {
  return { id: `i${++seq}`, userId, eventId, type, at, ...extra };
}

async function collect<T>(xs: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of xs) out.push(x);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<EvrecError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EvrecError);
    return e as EvrecError;
  }
  throw new Error('expected a rejection');
}

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`FeatureStore contract: ${name}`, () => {
    const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    let nsCount = 0;
    const opened: FeatureStore[] = [];
    const dirs: string[] = [];
    const ns = () => `${run}-${++nsCount}`;
    const open = async (namespace: string, options?: MakeStoreOptions) => {
      const s = await makeStore(namespace, options);
      opened.push(s);
      return s;
    };
    const fresh = (options?: MakeStoreOptions) => open(ns(), options);
    const tmp = async () => {
      const d = await mkdtemp(join(tmpdir(), 'evrec-store-'));
      dirs.push(d);
      return d;
    };

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });

    it('read-your-writes: a snapshot right after ingest sees every write', async () => {
      const s = await fresh();
      await s.ingest([
        ix('u1', 'e1', 'register', T0 - H),
        ix('u2', 'e1', 'impression', T0 - 2 * H),
        ix('u2', 'e1', 'click', T0 - 2 * H + 1),
      ]);
      const snap = await s.snapshot({ userId: 'u1', eventIds: ['e1', 'e2'], at: T0 });
      expect(snap.at).toBe(T0);
      expect(snap.user).toEqual({
        userId: 'u1',
        friendIds: [],
        history: [{ eventId: 'e1', type: 'register', at: T0 - H }],
        registeredEventIds: ['e1'],
        dismissedEventIds: [],
      });
      expect(snap.events.e1).toEqual({ registrations: 1, registrations1d: 1, registrations7d: 1, impressions: 1, clicks: 1, friendsRegistered: 0, invitesReceived: 0 });
      expect(snap.events.e2).toEqual(emptyEventActivity());
      const u2 = await s.snapshot({ userId: 'u2', eventIds: [], at: T0 });
      expect(u2.user.history).toEqual([{ eventId: 'e1', type: 'click', at: T0 - 2 * H + 1 }]);
      expect(u2.events).toEqual({});
    });

    it('is idempotent on interaction id, across calls and inside one batch', async () => {
      const s = await fresh();
      const batch = [ix('u1', 'e1', 'register', T0 - H), ix('u1', 'e1', 'click', T0 - H), ix('u2', 'e1', 'impression', T0 - H), ix('u1', 'e2', 'invite', T0 - H)];
      expect(await s.ingest(batch)).toEqual({ accepted: 4, duplicates: 0 });
      const q = { userId: 'u1', eventIds: ['e1', 'e2'], at: T0 };
      const before = await s.snapshot(q);
      expect(await s.ingest(batch)).toEqual({ accepted: 0, duplicates: 4 });
      // Same id, different content: the first one seen wins, the rest change nothing.
      const again = { ...batch[0], eventId: 'e2' };
      const fresh1 = ix('u3', 'e1', 'impression', T0 - H);
      expect(await s.ingest([again, fresh1, { ...fresh1, type: 'click' }])).toEqual({ accepted: 1, duplicates: 2 });
      const after = await s.snapshot(q);
      expect(after.user).toEqual(before.user);
      expect(after.events.e1).toEqual({ ...before.events.e1, impressions: 2 });
      expect(after.events.e2).toEqual(before.events.e2);
      expect((await collect(s.readLog())).map((i) => i.id)).toEqual([...batch, fresh1].map((i) => i.id));
    });

    it('cancel reverses a registration; attend registers only when none stands', async () => {
      const s = await fresh();
      await s.setFriends('v', ['u1']);
      await s.ingest([ix('u1', 'e1', 'register', T0 - 3 * H)]);
      const q = { userId: 'v', eventIds: ['e1'], at: T0 };
      expect((await s.snapshot(q)).events.e1).toMatchObject({ registrations: 1, registrations1d: 1, friendsRegistered: 1 });

      await s.ingest([ix('u1', 'e1', 'cancel', T0 - 2 * H)]);
      expect((await s.snapshot(q)).events.e1).toMatchObject({ registrations: 0, registrations1d: 0, registrations7d: 0, friendsRegistered: 0 });
      expect((await s.snapshot({ userId: 'u1', eventIds: [], at: T0 })).user.registeredEventIds).toEqual([]);

      // A cancel with nothing to cancel does nothing (no negative counts).
      await s.ingest([ix('u1', 'e1', 'cancel', T0 - 2 * H + 1), ix('u9', 'e1', 'cancel', T0 - 2 * H + 1)]);
      expect((await s.snapshot(q)).events.e1.registrations).toBe(0);

      // Re-registering counts again, at its new time.
      await s.ingest([ix('u1', 'e1', 'register', T0 - 30 * MS_PER_MINUTE)]);
      expect((await s.snapshot(q)).events.e1).toMatchObject({ registrations: 1, registrations1d: 1, friendsRegistered: 1 });
      expect((await s.snapshot({ ...q, at: T0 - H })).events.e1).toMatchObject({ registrations: 0, friendsRegistered: 0 });

      await s.ingest([ix('u1', 'e2', 'attend', T0 - H), ix('u2', 'e3', 'register', T0 - 2 * H), ix('u2', 'e3', 'attend', T0 - H)]);
      const snap = await s.snapshot({ userId: 'u2', eventIds: ['e2', 'e3'], at: T0 });
      expect(snap.events.e2.registrations).toBe(1);
      expect(snap.events.e3.registrations).toBe(1);
      expect(snap.user.registeredEventIds).toEqual(['e3']);
      expect((await s.snapshot({ userId: 'u1', eventIds: [], at: T0 })).user.registeredEventIds).toEqual(['e1', 'e2']);
    });

    it('velocity windows are [at-1d, at) and [at-7d, at), relative to the query time', async () => {
      const s = await fresh();
      const at = (u: string, t: number) => ix(u, 'e1', 'register', t);
      await s.ingest([
        at('a', T0 - 30 * MS_PER_MINUTE),
        at('b', T0 - MS_PER_DAY), // on the 1d boundary: inside
        at('c', T0 - MS_PER_DAY - 1), // just outside 1d
        at('d', T0 - 7 * MS_PER_DAY), // on the 7d boundary: inside
        at('e', T0 - 7 * MS_PER_DAY - 1), // just outside 7d
        at('f', T0), // at the query time: not yet visible
        at('g', T0 + H), // in the future of the query
      ]);
      const snap = (t: number) => s.snapshot({ userId: 'x', eventIds: ['e1'], at: t });
      expect((await snap(T0)).events.e1).toMatchObject({ registrations: 5, registrations1d: 2, registrations7d: 4 });
      // Two hours later: b has left the 1d window, d the 7d one; f and g have arrived.
      expect((await snap(T0 + 2 * H)).events.e1).toMatchObject({ registrations: 7, registrations1d: 3, registrations7d: 5 });
      expect((await s.snapshot({ userId: 'g', eventIds: [], at: T0 })).user.registeredEventIds).toEqual([]);
      expect((await s.snapshot({ userId: 'g', eventIds: [], at: T0 + 2 * H })).user.registeredEventIds).toEqual(['e1']);
    });

    it("friendsRegistered counts the user's friends in each event's attendee set", async () => {
      const s = await fresh();
      await s.setFriends('me', ['f1', 'f2', 'f3']);
      await s.ingest([
        ix('f1', 'E1', 'register', T0 - H),
        ix('f2', 'E1', 'register', T0 - 2 * H),
        ix('x', 'E1', 'register', T0 - H),
        ix('f3', 'E2', 'register', T0 - H),
        ix('y', 'E3', 'register', T0 - H),
        ix('f2', 'E3', 'register', T0 + H), // a friend, but after the query time
      ]);
      const q = { userId: 'me', eventIds: ['E1', 'E2', 'E3', 'E4'], at: T0 };
      let snap = await s.snapshot(q);
      expect(snap.user.friendIds).toEqual(['f1', 'f2', 'f3']);
      expect([snap.events.E1, snap.events.E2, snap.events.E3, snap.events.E4].map((e) => [e.registrations, e.friendsRegistered])).toEqual([[3, 2], [1, 1], [1, 0], [0, 0]]);
      expect((await s.snapshot({ userId: 'f1', eventIds: [], at: T0 })).user.friendIds).toEqual(['me']);

      // setFriends replaces, symmetrically.
      await s.setFriends('me', ['f1', 'x']);
      snap = await s.snapshot(q);
      expect(snap.user.friendIds).toEqual(['f1', 'x']);
      expect([snap.events.E1.friendsRegistered, snap.events.E2.friendsRegistered]).toEqual([2, 0]);
      expect((await s.snapshot({ userId: 'f2', eventIds: [], at: T0 })).user.friendIds).toEqual([]);
      expect((await s.snapshot({ userId: 'x', eventIds: [], at: T0 })).user.friendIds).toEqual(['me']);

      await s.addFriendship({ userId: 'f3', friendId: 'me' });
      snap = await s.snapshot(q);
      expect(snap.user.friendIds).toEqual(['f1', 'f3', 'x']);
      expect(snap.events.E2.friendsRegistered).toBe(1);

      // Both sides of the intersection being the larger one.
      const many = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`);
      await s.setFriends('big', many);
      const regs: Interaction[] = [];
      for (let i = 0; i < 5; i++) regs.push(ix(i < 3 ? many[i] : `s${i}`, 'E5', 'register', T0 - H));
      for (let i = 0; i < 100; i++) regs.push(ix(i < 20 ? many[i + 5] : `t${i}`, 'E6', 'register', T0 - H));
      // A friend with more registrations than there are candidates, one of them after `at`.
      for (let j = 1; j <= 4; j++) regs.push(ix(many[0], `X${j}`, 'register', T0 - H));
      regs.push(ix(many[0], 'X0', 'register', T0 + H));
      regs.push(ix(many[1], 'X0', 'register', T0 - H));
      await s.ingest(regs);
      // A repeated candidate id is answered once, not counted twice.
      const big = await s.snapshot({ userId: 'big', eventIds: ['E5', 'E6', 'E5', 'X0'], at: T0 });
      expect(big.events.X0.friendsRegistered).toBe(1);
      expect([big.events.E5.friendsRegistered, big.events.E6.friendsRegistered]).toEqual([3, 20]);
      expect([big.events.E5.registrations, big.events.E6.registrations]).toEqual([5, 100]);
    });

    it('keeps the newest history items by time, most recent first, capped', async () => {
      const s = await fresh({ historyLength: 3 });
      // Arrives out of time order; impressions, dismissals and invites are not history.
      await s.ingest([
        ix('h', 'e1', 'click', T0 - 5 * H),
        ix('h', 'e2', 'register', T0 - H),
        ix('h', 'e3', 'interested', T0 - 3 * H),
        ix('h', 'e4', 'impression', T0 - 30 * MS_PER_MINUTE),
        ix('h', 'e5', 'not_interested', T0 - 20 * MS_PER_MINUTE),
        ix('h', 'e6', 'attend', T0 - 2 * H),
        ix('h', 'e7', 'click', T0 - 4 * H),
        ix('h', 'e8', 'invite', T0 - 10 * MS_PER_MINUTE),
      ]);
      const hist = async (at: number) => (await s.snapshot({ userId: 'h', eventIds: [], at })).user.history;
      expect(await hist(T0)).toEqual([
        { eventId: 'e2', type: 'register', at: T0 - H },
        { eventId: 'e6', type: 'attend', at: T0 - 2 * H },
        { eventId: 'e3', type: 'interested', at: T0 - 3 * H },
      ]);
      // A newer item pushes the oldest kept one out; items at or after `at` are not returned.
      await s.ingest([ix('h', 'e9', 'click', T0 + H)]);
      expect(await hist(T0)).toEqual([
        { eventId: 'e2', type: 'register', at: T0 - H },
        { eventId: 'e6', type: 'attend', at: T0 - 2 * H },
      ]);
      expect((await hist(T0 + 2 * H)).map((h) => h.eventId)).toEqual(['e9', 'e2', 'e6']);
    });

    it('counts invites per (invitee, event) and lists dismissed events', async () => {
      const s = await fresh();
      await s.ingest([
        ix('u', 'E1', 'invite', T0 - H, { inviterId: 'a' }),
        ix('u', 'E1', 'invite', T0 - H, { inviterId: 'b' }),
        ix('u', 'E2', 'invite', T0 - H, { inviterId: 'a' }),
        ix('u', 'E3', 'not_interested', T0 - H),
        ix('u', 'E1', 'not_interested', T0 - H),
      ]);
      const snap = await s.snapshot({ userId: 'u', eventIds: ['E1', 'E2', 'E3'], at: T0 });
      expect([snap.events.E1, snap.events.E2, snap.events.E3].map((e) => e.invitesReceived)).toEqual([2, 1, 0]);
      expect(snap.user.dismissedEventIds).toEqual(['E1', 'E3']);
      expect(snap.user.history).toEqual([]);
      expect(snap.events.E1).toEqual({ ...emptyEventActivity(), invitesReceived: 2 });
      const other = await s.snapshot({ userId: 'w', eventIds: ['E1'], at: T0 });
      expect(other.events.E1.invitesReceived).toBe(0);
      expect(other.user.dismissedEventIds).toEqual([]);
    });

    it('stores user and event records', async () => {
      const s = await fresh();
      expect(await s.getEvent('e1')).toBeUndefined();
      await s.upsertEvent({ id: 'e1', title: 'Jazz night', startsAt: T0, lat: 45.5, lng: -73.6 });
      await s.upsertUser({ id: 'u1', language: 'ja', country: 'JP' });
      expect(await s.getEvent('e1')).toEqual({ id: 'e1', title: 'Jazz night', startsAt: T0, lat: 45.5, lng: -73.6 });
      await s.upsertEvent({ id: 'e1', title: 'Jazz night (moved)' });
      expect(await s.getEvent('e1')).toEqual({ id: 'e1', title: 'Jazz night (moved)' });
      expect(await s.getUser('u1')).toEqual({ id: 'u1', language: 'ja', country: 'JP' });
      expect(await s.getUser('nobody')).toBeUndefined();
    });

    it('is durable: a new instance over the same data reaches the same state, and the log holds each interaction once', async () => {
      const namespace = ns();
      const s1 = await open(namespace);
      const batch = [
        ix('u1', 'e1', 'register', T0 - 2 * H),
        ix('u2', 'e1', 'register', T0 - H),
        ix('u1', 'e2', 'click', T0 - H),
        ix('u1', 'e2', 'invite', T0 - H),
        ix('u1', 'e3', 'not_interested', T0 - H),
        ix('u2', 'e1', 'cancel', T0 - 30 * MS_PER_MINUTE),
      ];
      await s1.ingest(batch);
      await s1.ingest([batch[0]]);
      await s1.setFriends('u1', ['u2', 'u3']);
      await s1.upsertEvent({ id: 'e1', title: 'Go club' });
      const q = { userId: 'u1', eventIds: ['e1', 'e2', 'e3'], at: T0 };
      const before = await s1.snapshot(q);
      await s1.close();

      const s2 = await open(namespace);
      expect(await s2.snapshot(q)).toEqual(before);
      expect(await s2.getEvent('e1')).toEqual({ id: 'e1', title: 'Go club' });
      expect(await collect(s2.readLog())).toEqual(batch);
      expect((await collect(s2.readLog({ from: T0 - H, to: T0 - 30 * MS_PER_MINUTE }))).map((i) => i.id)).toEqual([batch[1].id, batch[2].id, batch[3].id, batch[4].id]);
      // The dedupe memory survives too.
      expect(await s2.ingest([batch[5]])).toEqual({ accepted: 0, duplicates: 1 });
    });

    it('exports the log as a native dataset that reads back and rebuilds the same state', async () => {
      const s = await fresh();
      await s.upsertUser({ id: 'u1' });
      await s.upsertUser({ id: 'u2' });
      await s.upsertEvent({ id: 'e1', title: 'Run club' });
      await s.upsertEvent({ id: 'e2' });
      await s.setFriends('u1', ['u2']);
      // Ingested out of time order; the export is sorted by `at`.
      const xs = [
        ix('u1', 'e1', 'register', T0 - H),
        ix('u2', 'e1', 'register', T0 - 3 * H),
        ix('u2', 'e2', 'click', T0 - 2 * H),
        ix('u2', 'e1', 'cancel', T0 - 90 * MS_PER_MINUTE),
        ix('u1', 'e2', 'impression', T0 + H),
      ];
      await s.ingest(xs);

      const window = await tmp();
      const m1 = await s.exportLog({ outDir: window, from: T0 - 2 * H, to: T0, includeCatalogue: false });
      expect(m1.counts).toEqual({ users: 0, events: 0, friendships: 0, interactions: 3 });
      expect(m1.interactionsSorted).toBe(true);
      const lines = (await readFile(join(window, 'interactions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Interaction);
      expect(lines).toEqual([xs[2], xs[3], xs[0]]);

      const full = await tmp();
      const m2 = await s.exportLog({ outDir: full, name: 'roundtrip' });
      expect(m2).toMatchObject({ name: 'roundtrip', counts: { users: 2, events: 2, friendships: 1, interactions: 5 }, timeRange: [T0 - 3 * H, T0 + H] });
      const data = await loadDataset(full);
      expect(data.report.total()).toBe(0);
      expect(data.interactions.map((i) => i.id)).toEqual([xs[1], xs[2], xs[3], xs[0], xs[4]].map((i) => i.id));
      expect(data.friends.get('u1')).toEqual(['u2']);
      expect(data.events.get('e1')).toEqual({ id: 'e1', title: 'Run club' });

      const rebuilt = await fresh();
      await rebuilt.materialize(data);
      for (const userId of ['u1', 'u2']) {
        const q = { userId, eventIds: ['e1', 'e2'], at: T0 + 2 * H };
        expect(await rebuilt.snapshot(q)).toEqual(await s.snapshot(q));
      }
    });

    it('materializes an in-memory dataset up to `until`, with progress, idempotently', async () => {
      const s = await fresh();
      const events: ProgressEvent[] = [];
      const data: LoadedDataset = {
        users: new Map(['a', 'b', 'c'].map((id) => [id, { id }])),
        events: new Map(['e1', 'e2'].map((id) => [id, { id }])),
        friends: new Map([
          ['a', ['b', 'c']],
          ['b', ['a']],
          ['c', ['a']],
        ]),
        // Deliberately unsorted: the register must land before its later cancel.
        interactions: [
          ix('b', 'e1', 'cancel', T0 - H),
          ix('b', 'e1', 'register', T0 - 3 * H),
          ix('c', 'e1', 'register', T0 - 2 * H),
          ix('c', 'e2', 'register', T0 - 10 * MS_PER_MINUTE),
          ix('a', 'e2', 'click', T0), // not before `until`
          ix('b', 'e2', 'register', T0 + H), // not before `until`
        ],
      };
      const r = await s.materialize(data, { until: T0, progress: (e) => events.push(e) });
      expect(r).toMatchObject({ users: 3, events: 2, friendships: 2, interactions: { accepted: 4, duplicates: 0 }, skipped: 2 });
      const last = events.filter((e) => e.stage === 'materialize.interactions').at(-1);
      expect(last).toEqual({ stage: 'materialize.interactions', done: 6, total: 6 });
      expect(new Set(events.map((e) => e.stage))).toEqual(new Set(['materialize.users', 'materialize.events', 'materialize.friendships', 'materialize.interactions']));

      const snap = await s.snapshot({ userId: 'a', eventIds: ['e1', 'e2'], at: T0 + 2 * H });
      expect(snap.user.friendIds).toEqual(['b', 'c']);
      expect(snap.user.history).toEqual([]);
      expect([snap.events.e1.registrations, snap.events.e1.friendsRegistered, snap.events.e2.registrations]).toEqual([1, 1, 1]);
      expect(await s.getUser('c')).toEqual({ id: 'c' });

      const again = await s.materialize(data, { until: T0 });
      expect(again.interactions).toEqual({ accepted: 0, duplicates: 4 });
      expect(await s.snapshot({ userId: 'a', eventIds: ['e1', 'e2'], at: T0 + 2 * H })).toEqual(snap);
    });

    it('materializes streamed datasets: an unsorted stream and a DatasetWriter directory', async () => {
      const s = await fresh();
      const streamed: DatasetStreams = {
        manifest: { interactionsSorted: false },
        async *friendships() {
          yield { userId: 'p', friendId: 'q' };
          yield { userId: 'q', friendId: 'q' }; // self-friendship: skipped
        },
        async *interactions() {
          yield ix('q', 'e1', 'cancel', T0 - H);
          yield ix('q', 'e1', 'register', T0 - 2 * H);
          yield ix('q', 'e2', 'register', T0 - 2 * H);
        },
      };
      const r = await s.materialize(streamed);
      expect(r).toMatchObject({ users: 0, events: 0, friendships: 1, interactions: { accepted: 3, duplicates: 0 }, skipped: 1 });
      let snap = await s.snapshot({ userId: 'p', eventIds: ['e1', 'e2'], at: T0 });
      expect([snap.events.e1.friendsRegistered, snap.events.e2.friendsRegistered]).toEqual([0, 1]);

      const dir = await tmp();
      const w = await DatasetWriter.open(dir, { name: 'tiny' });
      await w.user({ id: 'p' });
      await w.user({ id: 'r' });
      await w.event({ id: 'e3' });
      await w.friendship({ userId: 'p', friendId: 'r' });
      await w.interaction(ix('r', 'e3', 'register', T0 - 5 * H));
      await w.interaction(ix('r', 'e3', 'click', T0 - 4 * H));
      await w.close();
      const progress: ProgressEvent[] = [];
      const r2 = await s.materialize(await openDataset(dir), { progress: (e) => progress.push(e) });
      expect(r2).toMatchObject({ users: 2, events: 1, friendships: 1, interactions: { accepted: 2, duplicates: 0 }, skipped: 0 });
      expect(progress.at(-1)).toEqual({ stage: 'materialize.interactions', done: 2, total: 2 });
      snap = await s.snapshot({ userId: 'p', eventIds: ['e3'], at: T0 });
      expect(snap.user.friendIds).toEqual(['q', 'r']);
      expect(snap.events.e3).toMatchObject({ registrations: 1, clicks: 1, friendsRegistered: 1 });
    });

    it('rejects bad input with INVALID_INPUT naming the field, applying nothing from a bad batch', async () => {
      const s = await fresh({ maxIngestBatch: 3 });
      const good = ix('u', 'e', 'register', T0 - H);
      let err = await rejection(s.ingest([{ ...ix('u', 'e', 'click', T0), at: -5 }]));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'interactions[0].at']);
      err = await rejection(s.ingest([good, { ...ix('u', 'e', 'click', T0), type: 'buy' as InteractionType }]));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'interactions[1].type']);
      expect((await s.snapshot({ userId: 'u', eventIds: ['e'], at: T0 })).events.e.registrations).toBe(0);
      err = await rejection(s.ingest([good, good, good, good]));
      expect(err.code).toBe('TOO_LARGE');

      err = await rejection(s.snapshot({ userId: '', eventIds: [], at: T0 }));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'query.userId']);
      err = await rejection(s.snapshot({ userId: 'u', eventIds: [5 as unknown as string], at: T0 }));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'query.eventIds[0]']);
      err = await rejection(s.snapshot({ userId: 'u', eventIds: [], at: 1.5 }));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'query.at']);
      err = await rejection(s.setFriends('u', ['ok', '']));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'friends.friendIds[1]']);
      err = await rejection(s.addFriendship({ userId: 'u', friendId: 'u' }));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'friendship.friendId']);
      err = await rejection(s.upsertEvent({ id: 'e', lat: 100 }));
      expect([err.code, err.field]).toEqual(['INVALID_INPUT', 'event.lat']);
      expect(await collect(s.readLog())).toEqual([]);
    });

    it('clear() forgets everything', async () => {
      const s = await fresh();
      await s.ingest([ix('u', 'e', 'register', T0 - H)]);
      await s.setFriends('u', ['v']);
      await s.upsertEvent({ id: 'e' });
      await s.clear();
      const snap = await s.snapshot({ userId: 'u', eventIds: ['e'], at: T0 });
      expect(snap.user).toEqual({ userId: 'u', friendIds: [], history: [], registeredEventIds: [], dismissedEventIds: [] });
      expect(snap.events.e).toEqual(emptyEventActivity());
      expect(await s.getEvent('e')).toBeUndefined();
      expect(await collect(s.readLog())).toEqual([]);
      await s.ping();
    });
  });
}
