import { haversineKm, MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, SURFACES, type Rng } from '@evrec/core';
import { ActionKind, ActionQueue, type DueAction } from './action-queue.ts';
import { CATEGORY_COUNT } from './categories.ts';
import type { City } from './cities.ts';
import { InteractionBuffer, TYPE_CODE, type BufferedInteraction } from './interaction-buffer.ts';
import { dayOfWeek, type Events, type Users } from './population.ts';
import { AliasTable, exponential, logistic, poisson } from './sampling.ts';
import { areFriends, friendsSince, type SocialGraph } from './social-graph.ts';
import type { UtcOffsets } from './time-zones.ts';
import { IntList } from './int-list.ts';

/**
 * The planted signals: every term of the utility a user draws for an event they are shown.
 * docs/SYNTHETIC.md explains each one; tests check each is visible in the output.
 */
export const SIGNALS = {
  /** Logit of P(click | impression) = CLICK_BIAS + CLICK_SLOPE·utility − POSITION_DECAY·position. */
  clickBias: -1.2,
  clickSlope: 0.7,
  positionDecay: 0.12,
  /** Logit of P(register | click) = REGISTER_BIAS + utility. */
  registerBias: -1.0,
  /** Utility −3 when the user reads none of the event's language. */
  languageMismatch: -3,
  /** −DISTANCE_WEIGHT·ln(1 + km / DISTANCE_SCALE_KM). */
  distanceWeight: 0.9,
  distanceScaleKm: 3,
  /** Online events: a flat −1 instead of distance. */
  online: -1,
  /** Latent style match: STYLE_WEIGHT·(user style)·(event style). */
  styleWeight: 0.6,
  /** Free: +FREE_BONUS·σ; paid: −PRICE_WEIGHT·σ·ln(1 + price / typical ticket). */
  freeBonus: 0.6,
  priceWeight: 1.6,
  /** FRIENDS_WEIGHT·log2(1 + friends registered). */
  friendsWeight: 1.3,
  invited: 1.0,
  hostIsFriend: 1.2,
  /** Event start in the user's preferred slot / on their preferred part of the week. */
  slotMatch: 0.9,
  weekMatch: 0.6,
  /** URGENCY·exp(−hours to start / 24) + FRESHNESS·exp(−hours since publication / 48). */
  urgency: 1.5,
  urgencyHours: 24,
  freshness: 0.6,
  freshnessHours: 48,
  /** Context: shown from a push or email notification; browsing in the local evening; on a local weekend. */
  notificationSurface: 0.6,
  eveningSession: 0.25,
  weekendSession: 0.25,
} as const;

const REG_SLOTS = 8;
const INBOX_SLOTS = 8;
const MAX_SOCIAL_PUSH = 50;
const LAST_CALL_MS = 30 * MS_PER_MINUTE;
const MAX_LIST = 24;
const SURFACE_CODE = { web: SURFACES.indexOf('web'), ios: SURFACES.indexOf('ios'), android: SURFACES.indexOf('android'), email: SURFACES.indexOf('email'), push: SURFACES.indexOf('push') };
const DEVICE_SURFACE = [SURFACE_CODE.web, SURFACE_CODE.ios, SURFACE_CODE.android];
/** Relative session volume by local hour (people browse at lunch and in the evening). */
const DIURNAL = [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 0.8, 0.8, 0.8, 0.9, 1.1, 1.0, 0.9, 0.9, 1.0, 1.2, 1.4, 1.6, 1.7, 1.5, 1.1, 0.6];
/** Where a regular session's list comes from (after friends' events). */
const SOURCE_SHARES = [0.55, 0.15, 0.1, 0.07, 0.06, 0.07]; // city live, city trending, city newest, global trending, global random, online (readable)

/** A fixed-size ring of recent event ids (trending = recently registered, newest = recently published). */
class Ring {
  readonly data: Int32Array;
  private cursor = 0;
  filled = 0;
  constructor(size: number) {
    this.data = new Int32Array(size).fill(-1);
  }
  push(x: number): void {
    this.data[this.cursor] = x;
    this.cursor = (this.cursor + 1) % this.data.length;
    if (this.filled < this.data.length) this.filled++;
  }
  sample(rng: Rng): number {
    return this.filled === 0 ? -1 : this.data[rng.int(this.filled)];
  }
}

export interface SimulationInput {
  users: Users;
  events: Events;
  graph: SocialGraph;
  cities: readonly City[];
  offsets: UtcOffsets;
  startMs: number;
  days: number;
  sessionsPerUserDay: number;
  impressionsPerSession: number;
  rng: Rng;
  /** Receives interactions in ascending time order. */
  sink: (item: BufferedInteraction) => Promise<void> | undefined;
  onDay: (day: number, written: number) => void;
}

/**
 * Simulates the world day by day: sessions arrive (heavy-tailed users, diurnal and weekly
 * rhythm), a simple recommender fills each with upcoming events, and users act on each shown
 * event through the utility in SIGNALS. Registrations feed friends' inboxes, invitations,
 * trending lists, capacity, and later cancels and attendance. Returns the number written.
 */
export async function simulate(input: SimulationInput): Promise<number> {
  const { users: U, events: E, graph: G, cities, rng } = input;
  const nU = U.n, nE = E.n;
  const regs = new Int32Array(nU * REG_SLOTS).fill(-1);
  const inboxEvent = new Int32Array(nU * INBOX_SLOTS).fill(-1);
  const inboxFriends = new Uint8Array(nU * INBOX_SLOTS);
  const inboxInviter = new Int32Array(nU * INBOX_SLOTS).fill(-1);
  const regCount = new Int32Array(nE);
  const cityLive = cities.map(() => new IntList(64));
  const cityTrending = cities.map(() => new Ring(128));
  const cityNewest = cities.map(() => new Ring(32));
  const globalLive = new IntList(64);
  const onlineLive = new IntList(64);
  const globalTrending = new Ring(2048);
  const cityOffsetMin = new Int32Array(cities.length);
  const activity = new AliasTable(U.activity);
  const queue = new ActionQueue();
  const buffer = new InteractionBuffer();
  const due: DueAction = { at: 0, kind: ActionKind.Session, user: 0, event: 0, aux: 0 };
  const list = new Int32Array(MAX_LIST);
  let published = 0;
  let sessions = 0;
  let written = 0;
  const sink = (item: BufferedInteraction) => {
    written++;
    return input.sink(item);
  };

  const visible = (e: number, t: number): boolean => E.createdAt[e] <= t && E.startsAt[e] - t >= LAST_CALL_MS && E.cancelledAt[e] > t;
  const soldOut = (e: number): boolean => E.capacity[e] > 0 && regCount[e] >= E.capacity[e];
  const isRegistered = (u: number, e: number): boolean => {
    const b = u * REG_SLOTS;
    for (let k = 0; k < REG_SLOTS; k++) if (regs[b + k] === e) return true;
    return false;
  };
  /** A free registration slot: empty, or holding an event that has started. -1 when the user holds 8 upcoming ones. */
  const freeRegSlot = (u: number, t: number): number => {
    const b = u * REG_SLOTS;
    for (let k = 0; k < REG_SLOTS; k++) {
      const e = regs[b + k];
      if (e < 0 || E.startsAt[e] <= t) return b + k;
    }
    return -1;
  };
  const inboxSlot = (u: number, e: number): number => {
    const b = u * INBOX_SLOTS;
    for (let k = 0; k < INBOX_SLOTS; k++) if (inboxEvent[b + k] === e) return b + k;
    return -1;
  };
  const inboxAdd = (u: number, e: number, inviter: number, t: number): void => {
    const b = u * INBOX_SLOTS;
    let target = -1, weakest = -1;
    for (let k = 0; k < INBOX_SLOTS; k++) {
      const x = inboxEvent[b + k];
      if (x === e) {
        if (inviter < 0 && inboxFriends[b + k] < 255) inboxFriends[b + k]++;
        if (inviter >= 0) inboxInviter[b + k] = inviter;
        return;
      }
      if (target < 0 && (x < 0 || E.startsAt[x] <= t)) target = b + k;
      if (weakest < 0 || inboxFriends[b + k] < inboxFriends[weakest]) weakest = b + k;
    }
    const s = target >= 0 ? target : weakest;
    inboxEvent[s] = e;
    inboxFriends[s] = inviter < 0 ? 1 : 0;
    inboxInviter[s] = inviter;
  };
  const publishUntil = (t: number): void => {
    while (published < nE && E.createdAt[published] <= t) {
      const e = published++;
      if (E.online[e]) onlineLive.push(e);
      else cityLive[E.city[e]].push(e);
      globalLive.push(e);
      cityNewest[E.city[e]].push(e);
    }
  };
  const sampleLive = (l: IntList, t: number): number => {
    for (let tries = 0; tries < 4 && l.length > 0; tries++) {
      const i = rng.int(l.length);
      const e = l.data[i];
      if (E.startsAt[e] - t < LAST_CALL_MS || E.cancelledAt[e] <= t) {
        l.removeAt(i);
        continue;
      }
      return e;
    }
    return -1;
  };

  const sampleReadableOnline = (u: number, t: number): number => {
    for (let tries = 0; tries < 4; tries++) {
      const e = sampleLive(onlineLive, t);
      if (e < 0 || (U.languages[u] & (1 << E.language[e])) !== 0) return e;
    }
    return -1;
  };

  /** The utility of event e for user u at time t (see SIGNALS and docs/SYNTHETIC.md). */
  const utility = (u: number, e: number, t: number, contextBoost: number, invited: boolean): number => {
    const S = SIGNALS;
    let v = U.base[u] + E.quality[e] + U.tasteTerm[u * CATEGORY_COUNT + E.category[e]] + S.styleWeight * U.style[u] * E.style[e];
    if ((U.languages[u] & (1 << E.language[e])) === 0) v += S.languageMismatch;
    if (E.online[e]) v += S.online;
    else v -= S.distanceWeight * Math.log(1 + haversineKm(U.lat[u], U.lng[u], E.lat[e], E.lng[e]) / S.distanceScaleKm);
    const sigma = U.priceSensitivity[u];
    v += E.price[e] === 0 ? S.freeBonus * sigma : -S.priceWeight * sigma * Math.log(1 + E.priceRelative[e]);
    const slot = inboxSlot(u, e);
    if (slot >= 0) {
      v += S.friendsWeight * Math.log2(1 + inboxFriends[slot]);
      if (inboxInviter[slot] >= 0) invited = true;
    }
    if (invited) v += S.invited;
    const org = E.organizer[e];
    if (org >= 0 && org !== u && areFriends(G, u, org) && friendsSince(U, u, org) <= t) v += S.hostIsFriend;
    if (U.slot[u] === E.slot[e]) v += S.slotMatch;
    const wp = U.weekendPref[u];
    if ((wp === 1 && E.weekend[e] === 1) || (wp === 2 && E.weekend[e] === 0)) v += S.weekMatch;
    v += S.urgency * Math.exp(-(E.startsAt[e] - t) / MS_PER_HOUR / S.urgencyHours);
    v += S.freshness * Math.exp(-(t - E.createdAt[e]) / MS_PER_HOUR / S.freshnessHours);
    return v + contextBoost;
  };

  const register = (u: number, e: number, slot: number, tr: number): void => {
    regs[slot] = e;
    regCount[e]++;
    cityTrending[E.city[e]].push(e);
    globalTrending.push(e);
    // Friends see it in their "friends are going" inbox (capped for hubs).
    const lo = G.offsets[u], deg = G.offsets[u + 1] - lo;
    if (deg > 0) {
      const m = Math.min(deg, MAX_SOCIAL_PUSH);
      const startAt = deg > m ? rng.int(deg) : 0;
      for (let k = 0; k < m; k++) {
        const f = G.neighbors[lo + ((startAt + k) % deg)];
        if (friendsSince(U, u, f) <= tr) inboxAdd(f, e, -1, tr);
      }
      // Some registrants invite a few friends.
      if (rng.chance(0.3)) {
        const invites = 1 + (rng.chance(0.5) ? 1 : 0) + (rng.chance(0.3) ? 1 : 0);
        for (let k = 0; k < invites; k++) {
          const f = G.neighbors[lo + rng.int(deg)];
          const ti = Math.round(tr + 10_000 + exponential(rng, 90_000));
          if (friendsSince(U, u, f) > tr || isRegistered(f, e) || ti > E.startsAt[e] - LAST_CALL_MS) continue;
          const s = inboxSlot(f, e);
          if (s >= 0 && inboxInviter[s] >= 0) continue;
          buffer.add(ti, f, e, TYPE_CODE.invite, -1, -1, -1, u);
          inboxAdd(f, e, u, tr);
          const tn = Math.round(ti + exponential(rng, 3 * MS_PER_HOUR));
          if (rng.chance(0.6) && tn < E.startsAt[e] - LAST_CALL_MS) queue.push(tn, ActionKind.InviteSession, f, e, u);
        }
      }
    }
    // Later: a cancellation, or attendance.
    const free = E.price[e] === 0;
    const far = !E.online[e] && haversineKm(U.lat[u], U.lng[u], E.lat[e], E.lng[e]) > 50;
    const cancelShare = 0.05 + (free ? 0.05 : 0) + (far ? 0.04 : 0);
    const window = E.startsAt[e] - LAST_CALL_MS - (tr + MS_PER_HOUR);
    if (window > 0 && rng.chance(cancelShare)) {
      queue.push(Math.round(tr + MS_PER_HOUR + rng.next() * window), ActionKind.Cancel, u, e, -1);
    } else if (E.cancelledAt[e] === Infinity && rng.chance(free ? 0.6 : 0.85)) {
      queue.push(Math.round(E.startsAt[e] + rng.next() * 20 * MS_PER_MINUTE), ActionKind.Attend, u, e, -1);
    }
  };

  /** One shown event: impression, then maybe click, register (or interested), or a dismissal. Returns the session clock. */
  const react = (u: number, e: number, t: number, clock: number, position: number, session: number, surface: number, contextBoost: number, invited: boolean): number => {
    const S = SIGNALS;
    buffer.add(t + position * 10, u, e, TYPE_CODE.impression, session, position, surface, -1);
    const v = utility(u, e, t, contextBoost, invited);
    if (!rng.chance(logistic(S.clickBias + S.clickSlope * v - S.positionDecay * position))) {
      if (rng.chance(0.025 * logistic(-v))) buffer.add(t + position * 10 + 2000 + Math.round(exponential(rng, 8000)), u, e, TYPE_CODE.not_interested, session, position, surface, -1);
      return clock;
    }
    clock += 3000 + Math.round(exponential(rng, 20_000));
    const wants = rng.chance(logistic(S.registerBias + v));
    const slot = wants ? freeRegSlot(u, t) : -1;
    if (wants && slot >= 0 && !soldOut(e)) {
      // A few register straight from the list, without opening the event page.
      if (rng.chance(0.9)) buffer.add(clock, u, e, TYPE_CODE.click, session, position, surface, -1);
      clock += 15_000 + Math.round(exponential(rng, 60_000));
      buffer.add(clock, u, e, TYPE_CODE.register, session, position, surface, -1);
      register(u, e, slot, clock);
      return clock;
    }
    buffer.add(clock, u, e, TYPE_CODE.click, session, position, surface, -1);
    // Wanted it but could not (sold out, too many bookings): waitlist as interested; otherwise sometimes bookmark.
    if (wants || rng.chance(0.15)) {
      clock += 5000 + Math.round(exponential(rng, 10_000));
      buffer.add(clock, u, e, TYPE_CODE.interested, session, position, surface, -1);
    }
    return clock;
  };

  const contextBoostAt = (u: number, t: number, notification: boolean): number => {
    const local = t + cityOffsetMin[U.city[u]] * MS_PER_MINUTE;
    const hour = Math.floor((local % MS_PER_DAY) / MS_PER_HOUR);
    const dow = dayOfWeek(Math.floor(local / MS_PER_DAY));
    return (notification ? SIGNALS.notificationSurface : 0) + (hour >= 18 ? SIGNALS.eveningSession : 0) + (dow === 0 || dow === 6 ? SIGNALS.weekendSession : 0);
  };

  const regularSession = (u: number, t: number): void => {
    const session = sessions++;
    const surface = rng.chance(0.8) ? DEVICE_SURFACE[U.device[u]] : SURFACE_CODE.web;
    const want = Math.min(MAX_LIST, Math.max(1, poisson(rng, input.impressionsPerSession)));
    let count = 0;
    // "Your friends are going": live inbox events first.
    const b = u * INBOX_SLOTS;
    for (let k = 0; k < INBOX_SLOTS && count < Math.min(3, want); k++) {
      const e = inboxEvent[b + k];
      if (e < 0) continue;
      if (!visible(e, t)) {
        if (E.startsAt[e] <= t || E.cancelledAt[e] <= t) inboxEvent[b + k] = -1;
        continue;
      }
      if (!isRegistered(u, e) && rng.chance(inboxInviter[b + k] >= 0 ? 0.8 : 0.5)) list[count++] = e;
    }
    const city = U.city[u];
    // One draw per slot plus two spares: where the city has little on, the list is short rather than padded from far away.
    for (let tries = 0; count < want && tries < want + 2; tries++) {
      let e: number;
      switch (rng.weighted(SOURCE_SHARES)) {
        case 0: e = sampleLive(cityLive[city], t); break;
        case 1: e = cityTrending[city].sample(rng); break;
        case 2: e = cityNewest[city].sample(rng); break;
        case 3: e = globalTrending.sample(rng); break;
        case 4: e = sampleLive(globalLive, t); break;
        default: e = sampleReadableOnline(u, t);
      }
      if (e < 0 || !visible(e, t) || isRegistered(u, e)) continue;
      if (soldOut(e) && rng.chance(0.7)) continue;
      let dup = false;
      for (let k = 0; k < count; k++) if (list[k] === e) dup = true;
      if (!dup) list[count++] = e;
    }
    const boost = contextBoostAt(u, t, false);
    let clock = t + 1000;
    for (let p = 0; p < count; p++) clock = react(u, list[p], t, clock, p, session, surface, boost, false);
  };

  const handle = (a: DueAction): void => {
    switch (a.kind) {
      case ActionKind.Session:
        regularSession(a.user, a.at);
        break;
      case ActionKind.InviteSession:
        if (visible(a.event, a.at) && !isRegistered(a.user, a.event)) {
          const surface = U.device[a.user] === 0 ? SURFACE_CODE.email : SURFACE_CODE.push;
          react(a.user, a.event, a.at, a.at + 1000, 0, sessions++, surface, contextBoostAt(a.user, a.at, true), true);
        }
        break;
      case ActionKind.Cancel: {
        const b = a.user * REG_SLOTS;
        for (let k = 0; k < REG_SLOTS; k++) {
          if (regs[b + k] === a.event) {
            regs[b + k] = -1;
            regCount[a.event]--;
            buffer.add(a.at, a.user, a.event, TYPE_CODE.cancel, -1, -1, -1, -1);
            break;
          }
        }
        break;
      }
      case ActionKind.Attend:
        buffer.add(a.at, a.user, a.event, TYPE_CODE.attend, -1, -1, -1, -1);
        break;
    }
  };

  const dailyTotal = nU * input.sessionsPerUserDay;
  for (let d = 0; d < input.days; d++) {
    const dayStart = input.startMs + d * MS_PER_DAY;
    const dayEnd = dayStart + MS_PER_DAY;
    for (let c = 0; c < cities.length; c++) cityOffsetMin[c] = input.offsets.minutes(cities[c].timezone, dayStart);
    const weekend = dayOfWeek(Math.floor(dayStart / MS_PER_DAY));
    const count = poisson(rng, dailyTotal * (weekend === 0 || weekend === 6 ? 1.15 : 0.94));
    for (let s = 0; s < count; s++) {
      const u = activity.sample(rng);
      const localMinute = rng.weighted(DIURNAL) * 60 + rng.int(60);
      const utcMinute = (((localMinute - cityOffsetMin[U.city[u]]) % 1440) + 1440) % 1440;
      const t = dayStart + utcMinute * MS_PER_MINUTE + rng.int(60_000);
      if (t < U.joinedAt[u]) continue;
      queue.push(t, ActionKind.Session, u, -1, -1);
    }
    while (queue.peekTime() < dayEnd) {
      queue.pop(due);
      publishUntil(due.at);
      handle(due);
      if (buffer.size > 65_536) await buffer.drainBefore(due.at, sink);
    }
    await buffer.drainBefore(dayEnd, sink);
    if (d + 1 < input.days) input.onDay(d + 1, written);
  }
  // The last sessions' clicks may spill a few minutes past the end; they are written too.
  await buffer.drainBefore(Infinity, sink);
  input.onDay(input.days, written);
  return written;
}
