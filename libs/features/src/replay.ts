import {
  EvrecError,
  MS_PER_DAY,
  countBefore,
  isRegistration,
  type ActivityReader,
  type Event,
  type EventActivity,
  type HistoryItem,
  type Interaction,
  type InteractionType,
} from '@evrec/core';
import type { FeatureActivityQuery, FeatureSnapshot, HostActivity } from './snapshot.ts';

/** What replay needs from a dataset; `@evrec/data`'s `InMemoryDataset` satisfies it. */
export interface ReplaySource {
  events: ReadonlyMap<string, Event>;
  /** Friend lists; treated as symmetric and as holding at every time (the native format's friendships carry no reliable start). */
  friends: ReadonlyMap<string, readonly string[]>;
  /** Ascending `at` preferred; otherwise a sorted copy is made (stable for equal times). */
  interactions: readonly Interaction[];
}

export interface ReplayActivityOptions {
  /** Most history items returned per user, most recent first. Default 100. */
  historyCap?: number;
}

const POSITIVE: ReadonlySet<InteractionType> = new Set<InteractionType>(['register', 'attend', 'interested', 'click']);


/**
 * Registrations of one event (or one host's events) as intervals [registered, cancelled). As of `t`
 * a registration counts when it started before `t` and was not cancelled before `t`; the velocity
 * windows count those held registrations whose start lies in the window — the online store's
 * semantics, where a cancel removes the registration (and its time) altogether.
 */
class RegistrationLog {
  /** Start times, ascending (interactions are applied in time order). */
  private readonly starts: number[] = [];
  /** Cancel time per interval, Infinity while held. */
  private readonly endOf: number[] = [];
  /** Cancel times, ascending. */
  private readonly ends: number[] = [];

  /** Opens an interval; returns its index for `cancel`. */
  register(t: number): number {
    this.starts.push(t);
    this.endOf.push(Infinity);
    return this.starts.length - 1;
  }
  cancel(index: number, t: number): void {
    this.endOf[index] = t;
    this.ends.push(t);
  }
  /** Registrations held as of just before `t`. */
  heldBefore(t: number): number {
    return countBefore(this.starts, t) - countBefore(this.ends, t);
  }
  /** Registrations held as of just before `t` that started in [t - windowMs, t). */
  heldStartedWithin(t: number, windowMs: number): number {
    const hi = countBefore(this.starts, t);
    let n = 0;
    for (let i = countBefore(this.starts, t - windowMs); i < hi; i++) if (this.endOf[i] >= t) n++;
    return n;
  }
}

/** One user's registration state on one event over time, with the open interval of each log. */
interface HoldChanges {
  times: number[];
  held: boolean[];
  /** Interval indexes in the event's and the host's logs while held (-1 when none). */
  eventInterval: number;
  hostInterval: number;
}

interface UserLog {
  items: Interaction[];
  times: Float64Array;
}

/**
 * Point-in-time activity over a dataset: answers `snapshot({userId, eventIds, at})` from the
 * interactions strictly before `at` only, so features computed for a training example at time t
 * are exactly what the online store would have served at t. Per-user and per-event arrays sorted by
 * time plus binary search: a snapshot costs O(user's past interactions + candidates × friends).
 *
 * Registration semantics (those of the online store, so training sees what serving will): a user
 * holds a registration on an event from their first `register` or `attend` until a `cancel`; counts
 * are of held registrations, velocity counts held registrations made within the window.
 */
export class ReplayActivity implements ActivityReader {
  private readonly historyCap: number;
  private readonly events: ReadonlyMap<string, Event>;
  private readonly friends = new Map<string, Set<string>>();
  private readonly users = new Map<string, UserLog>();
  private readonly eventRegistrations = new Map<string, RegistrationLog>();
  private readonly hostRegistrations = new Map<string, RegistrationLog>();
  private readonly holders = new Map<string, Map<string, HoldChanges>>();
  private readonly impressions = new Map<string, number[]>();
  private readonly clicks = new Map<string, number[]>();

  constructor(source: ReplaySource, options: ReplayActivityOptions = {}) {
    this.historyCap = options.historyCap ?? 100;
    this.events = source.events;
    for (const [u, fs] of source.friends) {
      for (const f of fs) {
        if (f === u) continue;
        this.addFriend(u, f);
        this.addFriend(f, u);
      }
    }
    let sorted = true;
    for (let i = 1; i < source.interactions.length && sorted; i++) sorted = source.interactions[i - 1].at <= source.interactions[i].at;
    const interactions = sorted ? source.interactions : [...source.interactions].sort((a, b) => a.at - b.at);

    const userTimes = new Map<string, number[]>();
    const userItems = new Map<string, Interaction[]>();
    for (const x of interactions) {
      let items = userItems.get(x.userId);
      if (items === undefined) {
        items = [];
        userItems.set(x.userId, items);
        userTimes.set(x.userId, []);
      }
      items.push(x);
      (userTimes.get(x.userId) as number[]).push(x.at);

      if (x.type === 'impression') push(this.impressions, x.eventId, x.at);
      else if (x.type === 'click') push(this.clicks, x.eventId, x.at);
      if (isRegistration(x.type) || x.type === 'cancel') {
        let perUser = this.holders.get(x.eventId);
        if (perUser === undefined) {
          perUser = new Map();
          this.holders.set(x.eventId, perUser);
        }
        let ch = perUser.get(x.userId);
        const holding = ch !== undefined && ch.held[ch.held.length - 1];
        const next = x.type !== 'cancel';
        if (holding === next) continue; // attend after register, cancel without registration: no change
        if (ch === undefined) {
          ch = { times: [], held: [], eventInterval: -1, hostInterval: -1 };
          perUser.set(x.userId, ch);
        }
        ch.times.push(x.at);
        ch.held.push(next);
        const eventLog = log(this.eventRegistrations, x.eventId);
        const host = this.events.get(x.eventId)?.hostId;
        const hostLog = host === undefined ? undefined : log(this.hostRegistrations, host);
        if (next) {
          ch.eventInterval = eventLog.register(x.at);
          ch.hostInterval = hostLog?.register(x.at) ?? -1;
        } else {
          eventLog.cancel(ch.eventInterval, x.at);
          if (hostLog !== undefined) hostLog.cancel(ch.hostInterval, x.at);
        }
      }
    }
    for (const [u, items] of userItems) this.users.set(u, { items, times: Float64Array.from(userTimes.get(u) as number[]) });
  }

  private addFriend(a: string, b: string): void {
    let s = this.friends.get(a);
    if (s === undefined) {
      s = new Set();
      this.friends.set(a, s);
    }
    s.add(b);
  }

  async snapshot(query: FeatureActivityQuery): Promise<FeatureSnapshot> {
    return this.snapshotSync(query);
  }

  /** The same as `snapshot`, synchronously (batch materialisation calls it in a tight loop). */
  snapshotSync(query: FeatureActivityQuery): FeatureSnapshot {
    const { userId, eventIds, at } = query;
    if (!Number.isFinite(at)) throw new EvrecError('INVALID_INPUT', `snapshot time must be a finite epoch-ms number, got ${at}`, { field: 'at' });
    const log = this.users.get(userId);
    const k = log === undefined ? 0 : countBefore(log.times, at);
    const items = log?.items ?? [];

    // The user's own past, strictly before `at`.
    const held = new Map<string, boolean>();
    const dismissed = new Set<string>();
    const wanted = new Set(eventIds);
    const invites = new Map<string, number>();
    for (let i = 0; i < k; i++) {
      const x = items[i];
      if (isRegistration(x.type)) {
        if (held.get(x.eventId) !== true) {
          held.delete(x.eventId); // re-insert so the order is that of the current registration
          held.set(x.eventId, true);
        }
      } else if (x.type === 'cancel') held.delete(x.eventId);
      else if (x.type === 'not_interested') dismissed.add(x.eventId);
      else if (x.type === 'invite' && wanted.has(x.eventId)) invites.set(x.eventId, (invites.get(x.eventId) ?? 0) + 1);
    }
    const history: HistoryItem[] = [];
    for (let i = k - 1; i >= 0 && history.length < this.historyCap; i--) {
      const x = items[i];
      if (POSITIVE.has(x.type)) history.push({ eventId: x.eventId, type: x.type, at: x.at });
    }

    const friends = this.friends.get(userId) ?? new Set<string>();
    const events: Record<string, EventActivity> = {};
    for (const id of eventIds) {
      const regs = this.eventRegistrations.get(id);
      events[id] = {
        registrations: regs?.heldBefore(at) ?? 0,
        registrations1d: regs?.heldStartedWithin(at, MS_PER_DAY) ?? 0,
        registrations7d: regs?.heldStartedWithin(at, 7 * MS_PER_DAY) ?? 0,
        impressions: countBefore(this.impressions.get(id) ?? [], at),
        clicks: countBefore(this.clicks.get(id) ?? [], at),
        friendsRegistered: this.friendsHolding(id, friends, at),
        invitesReceived: invites.get(id) ?? 0,
      };
    }

    const hostIds = query.hostIds ?? eventIds.map((id) => this.events.get(id)?.hostId).filter((h): h is string => h !== undefined);
    const hosts: Record<string, HostActivity> = {};
    for (const h of hostIds) hosts[h] = { registrations: this.hostRegistrations.get(h)?.heldBefore(at) ?? 0 };

    return {
      at,
      user: {
        userId,
        friendIds: [...friends],
        history,
        registeredEventIds: [...held.keys()],
        dismissedEventIds: [...dismissed],
      },
      events,
      hosts,
    };
  }

  /** Friends holding a registration on `eventId` as of just before `at`. */
  private friendsHolding(eventId: string, friends: ReadonlySet<string>, at: number): number {
    const perUser = this.holders.get(eventId);
    if (perUser === undefined || friends.size === 0) return 0;
    let n = 0;
    const check = (ch: HoldChanges): void => {
      const k = countBefore(ch.times, at);
      if (k > 0 && ch.held[k - 1]) n++;
    };
    // Walk whichever side is smaller: the friend list or the event's registrants.
    if (friends.size <= perUser.size) {
      for (const f of friends) {
        const ch = perUser.get(f);
        if (ch !== undefined) check(ch);
      }
    } else {
      for (const [u, ch] of perUser) if (friends.has(u)) check(ch);
    }
    return n;
  }
}

function push(map: Map<string, number[]>, key: string, t: number): void {
  const xs = map.get(key);
  if (xs === undefined) map.set(key, [t]);
  else xs.push(t);
}

function log(map: Map<string, RegistrationLog>, key: string): RegistrationLog {
  let c = map.get(key);
  if (c === undefined) {
    c = new RegistrationLog();
    map.set(key, c);
  }
  return c;
}
