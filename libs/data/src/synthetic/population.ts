import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, type Event, type Rng, type User } from '@evrec/core';
import { CATEGORIES, CATEGORY_COUNT, CATEGORY_NAMES } from './categories.ts';
import { cityNameIn, cityWeight, type City } from './cities.ts';
import { composeEventText } from './event-text.ts';
import { TEXT_LANGUAGES, type TextLanguage } from './languages.ts';
import type { ResolvedWorldOptions } from './options.ts';
import { AliasTable, exponential, logistic, offsetPoint, pareto, paretoMean, pickShare, roundPrice } from './sampling.ts';
import type { UtcOffsets } from './time-zones.ts';

/** Local time-of-day slots used for preferences and event start times. */
export const TIME_SLOTS = ['morning', 'afternoon', 'evening', 'night'] as const;
/** 0 = no preference, 1 = prefers weekends, 2 = prefers weekdays. */
export const WEEKEND_PREFS = ['none', 'weekend', 'weekday'] as const;
/** Devices a user browses on; index = surface code in the simulation. */
export const DEVICES = ['web', 'ios', 'android'] as const;

/** Local hour → slot: 6–11 morning, 12–16 afternoon, 17–20 evening, 21–5 night. */
export function slotOfHour(hour: number): number {
  if (hour >= 6 && hour < 12) return 0;
  if (hour >= 12 && hour < 17) return 1;
  if (hour >= 17 && hour < 21) return 2;
  return 3;
}

/** Day of week of a local day number (days since 1970-01-01, a Thursday): 0 = Sunday. */
export function dayOfWeek(localDay: number): number {
  return (((localDay + 4) % 7) + 7) % 7;
}

/** Per-user state, hidden and observed, as typed arrays (index = user number, ids are `u<index>`). */
export interface Users {
  n: number;
  city: Uint16Array;
  /** True home (the profile may hide it). */
  lat: Float32Array;
  lng: Float32Array;
  joinedAt: Float64Array;
  /** Age in years at the start of the simulation. */
  age: Uint8Array;
  /** 0 male, 1 female, 2 other. */
  gender: Uint8Array;
  /** Bit i set = reads TEXT_LANGUAGES[i]. */
  languages: Uint16Array;
  /** n × CATEGORY_COUNT: the taste term of the utility, 1.2·clip(ln(16·θ), −3, 2.2). */
  tasteTerm: Float32Array;
  topCategory: Uint8Array;
  secondCategory: Uint8Array;
  /** Latent casual(−) ↔ premium(+) coordinate, N(0,1). */
  style: Float32Array;
  /** In (0,1): how much price hurts. */
  priceSensitivity: Float32Array;
  slot: Uint8Array;
  weekendPref: Uint8Array;
  /** Relative session rate (heavy-tailed, mean 1). */
  activity: Float32Array;
  /** User-level propensity added to every utility. */
  base: Float32Array;
  device: Uint8Array;
  /** True when the profile shows lat/lng/city. */
  locationShown: Uint8Array;
}

export interface Hosts {
  n: number;
  city: Uint16Array;
  category: Uint8Array;
  language: Uint8Array;
  quality: Float32Array;
  style: Float32Array;
  /** Relative publishing rate. */
  weight: Float32Array;
  /** The user behind the host, -1 when none. */
  organizer: Int32Array;
  /** Two venues per host (doubles: they are written to the events file as they are). */
  venueLat: Float64Array;
  venueLng: Float64Array;
}

/** Per-event state (index = event number in publication order, ids are `e<index>`). */
export interface Events {
  n: number;
  city: Uint16Array;
  host: Int32Array;
  category: Uint8Array;
  language: Uint8Array;
  online: Uint8Array;
  lat: Float32Array;
  lng: Float32Array;
  createdAt: Float64Array;
  startsAt: Float64Array;
  /** When the host cancelled it; Infinity when it goes ahead. */
  cancelledAt: Float64Array;
  price: Float64Array;
  /** price / city's typical ticket (0 for free events). */
  priceRelative: Float32Array;
  /** 0 = unlimited. */
  capacity: Int32Array;
  style: Float32Array;
  /** Event-level appeal: 0.8·host quality + 0.5·N(0,1) + category appeal. */
  quality: Float32Array;
  slot: Uint8Array;
  weekend: Uint8Array;
  organizer: Int32Array;
}

type Emit<T> = (row: T) => Promise<void> | undefined;

/** Share of non-expat users who also read English. */
const ENGLISH_AS_SECOND_LANGUAGE = 0.35;

/** Users in join order; writes each profile as it is made. */
export async function generateUsers(o: ResolvedWorldOptions, cities: readonly City[], rng: Rng, emit: Emit<User>, onProgress: (done: number) => void): Promise<Users> {
  const n = o.users;
  const endMs = o.startMs + o.days * MS_PER_DAY;
  const joined = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // 90% joined during the three years before the start (more of them recently), 10% during the simulation.
    joined[i] = rng.chance(0.9)
      ? Math.round(o.startMs - 1095 * MS_PER_DAY * Math.pow(rng.next(), 1.5))
      : Math.round(o.startMs + rng.next() * (endMs - o.startMs));
  }
  joined.sort();

  const u: Users = {
    n,
    city: new Uint16Array(n), lat: new Float32Array(n), lng: new Float32Array(n), joinedAt: joined,
    age: new Uint8Array(n), gender: new Uint8Array(n), languages: new Uint16Array(n),
    tasteTerm: new Float32Array(n * CATEGORY_COUNT), topCategory: new Uint8Array(n), secondCategory: new Uint8Array(n),
    style: new Float32Array(n), priceSensitivity: new Float32Array(n), slot: new Uint8Array(n), weekendPref: new Uint8Array(n),
    activity: new Float32Array(n), base: new Float32Array(n), device: new Uint8Array(n), locationShown: new Uint8Array(n),
  };
  const cityAlias = new AliasTable(cities.map(cityWeight));
  const startYear = new Date(o.startMs).getUTCFullYear();
  const activityMean = paretoMean(1.6, 300);
  const logits = new Float64Array(CATEGORY_COUNT);
  const catShareLog = CATEGORIES.map((c) => Math.log(c.share));
  const enBit = 1 << TEXT_LANGUAGES.indexOf('en');

  for (let i = 0; i < n; i++) {
    const ci = cityAlias.sample(rng);
    const city = cities[ci];
    u.city[i] = ci;
    const far = rng.chance(0.08);
    const [lat, lng] = offsetPoint(rng, city.lat, city.lng, far ? 30 + rng.next() * 50 : Math.min(40, exponential(rng, 7)));
    u.lat[i] = lat;
    u.lng[i] = lng;

    const age = Math.round(Math.max(18, Math.min(80, 34 + 11 * rng.normal())));
    u.age[i] = age;
    const g = rng.next();
    const gender = g < 0.49 ? 0 : g < 0.98 ? 1 : 2;
    u.gender[i] = gender;
    /** + for young, − for old, in [−1.5, 1.5]. */
    const youth = Math.max(-1.5, Math.min(1.5, (30 - age) / 12));
    const femaleSign = gender === 1 ? 1 : gender === 0 ? -1 : 0;

    // Languages: the city's, sometimes English too; 5% are expats who write in another language.
    const expat = rng.chance(0.05);
    const cityLanguage = pickShare(rng, city.languages);
    const own: TextLanguage = expat ? TEXT_LANGUAGES[rng.int(TEXT_LANGUAGES.length)] : cityLanguage;
    let mask = 1 << TEXT_LANGUAGES.indexOf(own);
    if (!expat && city.residentLanguage !== undefined) for (const [l] of city.languages) mask |= 1 << TEXT_LANGUAGES.indexOf(l);
    if (expat && rng.chance(0.5)) mask |= 1 << TEXT_LANGUAGES.indexOf(cityLanguage);
    if (rng.chance(expat ? 0.6 : ENGLISH_AS_SECOND_LANGUAGE)) mask |= enBit;
    u.languages[i] = mask;
    const profileLanguage = !expat && city.residentLanguage !== undefined ? city.residentLanguage : own;

    // Tastes: softmax of category popularity + age and gender tilts + personal noise.
    let max = -Infinity;
    for (let c = 0; c < CATEGORY_COUNT; c++) {
      const p = CATEGORIES[c];
      logits[c] = catShareLog[c] + 0.8 * p.youthTilt * youth + 0.8 * p.femaleTilt * femaleSign + 1.3 * rng.normal();
      if (logits[c] > max) max = logits[c];
    }
    let z = 0;
    for (let c = 0; c < CATEGORY_COUNT; c++) z += Math.exp(logits[c] - max);
    let top = 0;
    for (let c = 0; c < CATEGORY_COUNT; c++) {
      const theta = Math.exp(logits[c] - max) / z;
      u.tasteTerm[i * CATEGORY_COUNT + c] = 1.2 * Math.max(-3, Math.min(2.2, Math.log(CATEGORY_COUNT * theta)));
      if (logits[c] > logits[top]) top = c;
    }
    let second = top === 0 ? 1 : 0;
    for (let c = 0; c < CATEGORY_COUNT; c++) if (c !== top && logits[c] > logits[second]) second = c;
    u.topCategory[i] = top;
    u.secondCategory[i] = second;

    const style = rng.normal() + 0.3 * ((age - 34) / 11);
    u.style[i] = style;
    u.priceSensitivity[i] = logistic(1.2 * rng.normal() + 0.6 * youth - 0.4 * style);
    const slotWeights = [Math.max(0.02, 0.25 - 0.1 * youth), Math.max(0.02, 0.22 - 0.05 * youth), 0.33, Math.max(0.02, 0.2 + 0.15 * youth)];
    u.slot[i] = rng.weighted(slotWeights);
    const w = rng.next();
    u.weekendPref[i] = w < 0.3 ? 0 : w < 0.75 ? 1 : 2;
    u.activity[i] = pareto(rng, 1.6, 300) / activityMean;
    const d = rng.next();
    u.device[i] = d < 0.35 ? 0 : d < 0.65 ? 1 : 2;

    // What the profile shows.
    const showLocation = rng.chance(0.85);
    u.locationShown[i] = showLocation ? 1 : 0;
    const showBirthYear = rng.chance(0.92);
    const showGender = rng.chance(0.88);
    const interests: string[] = [];
    if (rng.chance(0.55)) {
      const k = 1 + rng.int(3);
      for (let j = 0; j < k; j++) {
        const c = rng.chance(0.8) ? (j === 0 ? top : j === 1 ? second : rng.int(CATEGORY_COUNT)) : rng.int(CATEGORY_COUNT);
        const name = CATEGORY_NAMES[c];
        if (!interests.includes(name)) interests.push(name);
      }
    }
    // User-level propensity: young, complete profiles and declared interests go out more.
    u.base[i] = 0.35 * youth + (showLocation ? 0 : -0.6) + (interests.length > 0 ? 0.3 : 0) + (showGender ? 0 : -0.3) + 0.4 * rng.normal();

    const row: User = {
      id: `u${i}`,
      locale: `${profileLanguage}_${city.country}`,
      language: profileLanguage,
      joinedAt: joined[i],
      timezone: city.timezone,
    };
    if (showBirthYear) row.birthYear = startYear - age - (rng.chance(0.5) ? 1 : 0);
    if (showGender) row.gender = gender === 0 ? 'male' : gender === 1 ? 'female' : 'other';
    if (showLocation) {
      row.lat = lat;
      row.lng = lng;
      row.city = city.name;
      row.country = city.country;
    } else if (rng.chance(0.5)) {
      row.country = city.country;
    }
    if (interests.length > 0) row.interests = interests;
    const p = emit(row);
    if (p) await p;
    if ((i & 0xffff) === 0xffff) onProgress(i + 1);
  }
  onProgress(n);
  return u;
}

/** Hosts: a city, a main category and language, a reputation, two venues, sometimes a user behind them. */
export function generateHosts(o: ResolvedWorldOptions, cities: readonly City[], users: Users, rng: Rng): Hosts {
  const n = Math.max(8, Math.round(o.events / 7));
  const h: Hosts = {
    n,
    city: new Uint16Array(n), category: new Uint8Array(n), language: new Uint8Array(n),
    quality: new Float32Array(n), style: new Float32Array(n), weight: new Float32Array(n), organizer: new Int32Array(n),
    venueLat: new Float64Array(2 * n), venueLng: new Float64Array(2 * n),
  };
  const cityAlias = new AliasTable(cities.map(cityWeight));
  const catAlias = new AliasTable(CATEGORIES.map((c) => c.share));
  // Users of each city, for picking organisers.
  const byCity: number[][] = cities.map(() => []);
  for (let i = 0; i < users.n; i++) byCity[users.city[i]].push(i);
  for (let j = 0; j < n; j++) {
    const ci = cityAlias.sample(rng);
    const city = cities[ci];
    h.city[j] = ci;
    h.category[j] = catAlias.sample(rng);
    h.language[j] = TEXT_LANGUAGES.indexOf(rng.chance(0.92) ? pickShare(rng, city.languages) : 'en');
    const q = rng.normal();
    h.quality[j] = q;
    h.style[j] = rng.normal();
    // Heavy-tailed output; good hosts publish a little more.
    h.weight[j] = pareto(rng, 1.3, 500) * Math.exp(0.4 * q);
    const locals = byCity[ci];
    h.organizer[j] = locals.length > 0 && rng.chance(0.3) ? locals[rng.int(locals.length)] : -1;
    for (let k = 0; k < 2; k++) {
      const far = rng.chance(0.15);
      const [lat, lng] = offsetPoint(rng, city.lat, city.lng, far ? 30 + rng.next() * 120 : Math.min(35, exponential(rng, 6)));
      h.venueLat[2 * j + k] = lat;
      h.venueLng[2 * j + k] = lng;
    }
  }
  return h;
}

/** Events in publication order, each written (with its text) as it is made. */
export async function generateEvents(
  o: ResolvedWorldOptions, cities: readonly City[], hosts: Hosts, offsets: UtcOffsets, rng: Rng, emit: Emit<Event>, onProgress: (done: number) => void,
): Promise<Events> {
  const n = o.events;
  const endMs = o.startMs + o.days * MS_PER_DAY;
  const firstCreated = o.startMs - 14 * MS_PER_DAY;
  const created = new Float64Array(n);
  for (let i = 0; i < n; i++) created[i] = Math.round(firstCreated + rng.next() * (endMs - MS_PER_DAY - firstCreated));
  created.sort();
  const e: Events = {
    n,
    city: new Uint16Array(n), host: new Int32Array(n), category: new Uint8Array(n), language: new Uint8Array(n), online: new Uint8Array(n),
    lat: new Float32Array(n), lng: new Float32Array(n), createdAt: created, startsAt: new Float64Array(n), cancelledAt: new Float64Array(n),
    price: new Float64Array(n), priceRelative: new Float32Array(n), capacity: new Int32Array(n), style: new Float32Array(n),
    quality: new Float32Array(n), slot: new Uint8Array(n), weekend: new Uint8Array(n), organizer: new Int32Array(n),
  };
  const hostAlias = new AliasTable(hosts.weight);
  const catAlias = new AliasTable(CATEGORIES.map((c) => c.share));
  for (let i = 0; i < n; i++) {
    const h = hostAlias.sample(rng);
    const ci = hosts.city[h];
    const city = cities[ci];
    const c = rng.chance(0.7) ? hosts.category[h] : catAlias.sample(rng);
    const cat = CATEGORIES[c];
    const language: TextLanguage = rng.chance(0.9) ? TEXT_LANGUAGES[hosts.language[h]] : pickShare(rng, city.languages);
    const online = rng.chance(cat.onlineShare);
    e.host[i] = h;
    e.city[i] = ci;
    e.category[i] = c;
    e.language[i] = TEXT_LANGUAGES.indexOf(language);
    e.online[i] = online ? 1 : 0;
    e.organizer[i] = hosts.organizer[h];

    // Start: a lead time after publication, moved to a category-typical local hour (and often a weekend).
    const lead = Math.min(90, Math.max(0.25, Math.exp(Math.log(10) + 0.8 * rng.normal()))) * MS_PER_DAY;
    const approx = created[i] + lead;
    const off0 = offsets.minutes(city.timezone, approx);
    let localDay = Math.floor((approx + off0 * MS_PER_MINUTE) / MS_PER_DAY);
    const dow = dayOfWeek(localDay);
    if (dow >= 1 && dow <= 5 && rng.chance(cat.weekendShare)) localDay += rng.chance(0.6) ? 6 - dow : 7 - dow;
    const hour = rng.pick(cat.startHours);
    const localStart = localDay * MS_PER_DAY + hour * MS_PER_HOUR + (rng.chance(0.5) ? 30 * MS_PER_MINUTE : 0);
    let offset = offsets.minutes(city.timezone, localStart - off0 * MS_PER_MINUTE);
    let startsAt = localStart - offset * MS_PER_MINUTE;
    if (startsAt < created[i] + 2 * MS_PER_HOUR) {
      startsAt += 7 * MS_PER_DAY;
      offset = offsets.minutes(city.timezone, startsAt);
    }
    e.startsAt[i] = startsAt;
    e.slot[i] = slotOfHour(hour);
    const wd = dayOfWeek(Math.floor((startsAt + offset * MS_PER_MINUTE) / MS_PER_DAY));
    e.weekend[i] = wd === 0 || wd === 6 ? 1 : 0;
    const cancelled = rng.chance(0.02);
    e.cancelledAt[i] = cancelled ? Math.round(created[i] + (0.2 + 0.7 * rng.next()) * (startsAt - created[i])) : Infinity;

    const style = 0.7 * hosts.style[h] + 0.7 * rng.normal();
    e.style[i] = style;
    e.quality[i] = 0.8 * hosts.quality[h] + 0.5 * rng.normal() + cat.baseAppeal;
    const free = rng.chance(cat.freeShare * (style > 0.3 ? 0.5 : 1));
    const price = free ? 0 : roundPrice(city.ticketPrice * cat.priceFactor * Math.exp(0.5 * rng.normal() + 0.25 * style));
    e.price[i] = price;
    e.priceRelative[i] = price / city.ticketPrice;
    const r = rng.next();
    const capacity = r < 0.2 ? 0 : r < 0.3 ? 4 + rng.int(9) : Math.max(5, Math.round(cat.capacity * Math.exp(0.6 * rng.normal())));
    e.capacity[i] = capacity;
    const duration = Math.max(30, Math.round((cat.durationMinutes * Math.exp(0.3 * rng.normal())) / 15) * 15);

    const text = composeEventText({ language, category: c, style, cityName: cityNameIn(city, language), online, price, currency: city.currency }, rng);
    const row: Event = {
      id: `e${i}`,
      title: text.title,
      description: text.description,
      language,
      category: CATEGORY_NAMES[c],
      tags: [CATEGORY_NAMES[c], text.topic],
      hostId: `h${h}`,
      createdAt: created[i],
      startsAt,
      durationMinutes: duration,
      utcOffsetMinutes: offset,
      timezone: city.timezone,
      online,
      city: city.name,
      country: city.country,
      price,
      currency: city.currency,
      status: cancelled ? 'cancelled' : 'scheduled',
    };
    if (hosts.organizer[h] >= 0) row.organizerUserId = `u${hosts.organizer[h]}`;
    if (!online) {
      const k = rng.int(2);
      e.lat[i] = hosts.venueLat[2 * h + k];
      e.lng[i] = hosts.venueLng[2 * h + k];
      row.venueId = `v${h}-${k}`;
      row.lat = hosts.venueLat[2 * h + k];
      row.lng = hosts.venueLng[2 * h + k];
    } else {
      e.lat[i] = NaN;
      e.lng[i] = NaN;
    }
    if (capacity > 0) row.capacity = capacity;
    const p = emit(row);
    if (p) await p;
    if ((i & 0xffff) === 0xffff) onProgress(i + 1);
  }
  onProgress(n);
  return e;
}
