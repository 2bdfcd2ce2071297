import { join } from 'node:path';
import { EventSchema, GENDERS, InteractionSchema, UserSchema, type Event, type Interaction, type InteractionType, type User } from '@evrec/core';
import { drain, fileExists, requireFiles, runImport, type ImportOptions, type ImportResult } from './common.ts';
import { countryCode } from './country-names.ts';
import { tryRow, type Row } from './row.ts';

/**
 * Importer for the Kaggle "Event Recommendation Engine Challenge" (2013) files. The field-by-field
 * mapping and what is dropped is in docs/DATA.md ("Kaggle 2013").
 */

export const KAGGLE2013_FILES = {
  train: 'train.csv',
  test: 'test.csv',
  users: 'users.csv',
  events: 'events.csv',
  friends: 'user_friends.csv',
  attendees: 'event_attendees.csv',
  /** GuruM/EventRecommendation's filtered friend list ("user, friend", no header). */
  derivedFriends: join('derived-GuruM-EventRecommendation', 'fixed.reduced_useful_user_friends.csv'),
} as const;

const USER_COLUMNS = ['user_id', 'locale', 'birthyear', 'gender', 'joinedAt', 'location', 'timezone'];
const EVENT_COLUMNS = ['event_id', 'user_id', 'start_time', 'city', 'state', 'zip', 'country', 'lat', 'lng'];
const WORD_COLUMNS = [...Array.from({ length: 100 }, (_, i) => `c_${i + 1}`), 'c_other'];
const TRAIN_COLUMNS = ['user', 'event', 'invited', 'timestamp', 'interested', 'not_interested'];
const TEST_COLUMNS = ['user', 'event', 'invited', 'timestamp'];
const FRIEND_COLUMNS = ['user', 'friends'];
const ATTENDEE_COLUMNS = ['event', 'yes', 'maybe', 'invited', 'no'];
/** event_attendees.csv list → interaction type. */
const ATTENDEE_TYPES: ReadonlyArray<readonly [string, InteractionType]> = [
  ['yes', 'register'],
  ['maybe', 'interested'],
  ['invited', 'invite'],
  ['no', 'not_interested'],
];

/** `en_US` → `en`; undefined when the prefix is not an ISO 639 code. */
export function languageOfLocale(locale: string): string | undefined {
  const lang = locale.split(/[_-]/)[0].toLowerCase();
  return /^[a-z]{2,3}$/.test(lang) ? lang : undefined;
}

function kaggleUser(row: Row): User {
  const id = row.required('user_id');
  const locale = row.optional('locale');
  const gender = row.optional('gender');
  const location = (row.optional('location') ?? '')
    .split(/\s{2,}/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const last = location[location.length - 1];
  const user: User = {
    id,
    locale,
    language: locale === undefined ? undefined : languageOfLocale(locale),
    birthYear: row.softly(() => row.number('birthyear', { integer: true, min: 1900, max: 2100 })),
    gender:
      gender === undefined
        ? undefined
        : (GENDERS as readonly string[]).includes(gender)
          ? (gender as User['gender'])
          : row.softly(() => row.reject('gender', 'schema', `gender must be male or female, got ${JSON.stringify(gender)}`)),
    joinedAt: row.softly(() => row.timestamp('joinedAt')),
    city: location.length > 0 ? location.join(', ').slice(0, 200) : undefined,
    country: last === undefined ? undefined : countryCode(last),
    utcOffsetMinutes: row.softly(() => row.number('timezone', { integer: true, min: -14 * 60, max: 14 * 60 })),
  };
  return row.validate(UserSchema, user, 'user', { id: 'user_id', locale: 'locale', language: 'locale', city: 'location' });
}

function kaggleEvent(row: Row): Event {
  const id = row.required('event_id');
  const creator = row.optional('user_id');
  let lat = row.softly(() => row.number('lat', { min: -90, max: 90 }));
  let lng = row.softly(() => row.number('lng', { min: -180, max: 180 }));
  if (lat === undefined || lng === undefined) lat = lng = undefined;
  const country = row.optional('country');
  const tags: string[] = [];
  for (const c of WORD_COLUMNS) {
    const n = row.softly(() => row.number(c, { min: 0 }));
    if (n !== undefined && n > 0) tags.push(c);
  }
  const event: Event = {
    id,
    hostId: creator,
    organizerUserId: creator,
    startsAt: row.softly(() => row.timestamp('start_time')),
    city: row.optional('city')?.slice(0, 200),
    country: country === undefined ? undefined : countryCode(country),
    lat,
    lng,
    tags: tags.length > 0 ? tags : undefined,
  };
  return row.validate(EventSchema, event, 'event', { id: 'event_id', hostId: 'user_id', organizerUserId: 'user_id', city: 'city' });
}

function idList(row: Row, column: string): string[] {
  const v = row.optional(column);
  return v === undefined ? [] : v.split(/\s+/).filter((s) => s !== '');
}

/**
 * Imports Kaggle 2013 from `inDir` (train.csv, test.csv and users.csv required; events.csv,
 * user_friends.csv, event_attendees.csv and the GuruM derived friend list used when present).
 *
 * - train.csv row → `impression` at `timestamp`, plus `invite` (invited=1), `interested`
 *   (interested=1, the positive label) and `not_interested` (not_interested=1) at the same time.
 * - test.csv row → `impression` (+ `invite`), never a label.
 * - Interaction ids are deterministic: `k:train:<line>:<type>`, `k:test:<line>:<type>`,
 *   `k:att:<event>:<user>:<type>`.
 * - Events known only by id become stubs `{ id }` (note `stubEvents`); users named only by friend
 *   or attendee lists become stubs (note `stubUsers`).
 */
export async function importKaggle2013(options: ImportOptions): Promise<ImportResult> {
  const { inDir } = options;
  await requireFiles(inDir, [KAGGLE2013_FILES.train, KAGGLE2013_FILES.test, KAGGLE2013_FILES.users], 'kaggle2013');
  const path = (f: string): string => join(inDir, f);
  const has = {
    events: await fileExists(path(KAGGLE2013_FILES.events)),
    friends: await fileExists(path(KAGGLE2013_FILES.friends)),
    attendees: await fileExists(path(KAGGLE2013_FILES.attendees)),
    derivedFriends: await fileExists(path(KAGGLE2013_FILES.derivedFriends)),
  };
  const files = [
    KAGGLE2013_FILES.users,
    ...(has.events ? [KAGGLE2013_FILES.events] : []),
    KAGGLE2013_FILES.train,
    KAGGLE2013_FILES.test,
    ...(has.friends ? [KAGGLE2013_FILES.friends] : has.derivedFriends ? [KAGGLE2013_FILES.derivedFriends] : []),
    ...(has.attendees ? [KAGGLE2013_FILES.attendees] : []),
  ];
  return runImport(options, 'kaggle2013', { importer: 'kaggle2013', inDir, files }, async (run) => {
    /** users.csv ids: the only users whose friend lists may come from both ends. */
    const listedUsers = new Set<string>();
    const users = new Set<string>();
    const events = new Set<string>();
    const startTimes = new Map<string, number>();

    const ensureUser = (id: string): Promise<void> | undefined => {
      if (users.has(id)) return undefined;
      users.add(id);
      run.note('stubUsers');
      return run.writer.user({ id });
    };
    const ensureEvent = (id: string): Promise<void> | undefined => {
      if (events.has(id)) return undefined;
      events.add(id);
      run.note('stubEvents');
      return run.writer.event({ id });
    };

    await run.eachCsvRow('kaggle.users', { file: path(KAGGLE2013_FILES.users), header: USER_COLUMNS }, (row) => {
      const user = tryRow(() => kaggleUser(row));
      if (user === undefined) return;
      if (users.has(user.id)) return row.note('user_id', 'duplicate-id', `user ${user.id} appears again (first row kept)`);
      users.add(user.id);
      listedUsers.add(user.id);
      return run.writer.user(user);
    });

    if (has.events) {
      await run.eachCsvRow('kaggle.events', { file: path(KAGGLE2013_FILES.events), header: EVENT_COLUMNS }, (row) => {
        const event = tryRow(() => kaggleEvent(row));
        if (event === undefined) return;
        if (events.has(event.id)) return row.note('event_id', 'duplicate-id', `event ${event.id} appears again (first row kept)`);
        events.add(event.id);
        if (has.attendees && event.startsAt !== undefined) startTimes.set(event.id, event.startsAt);
        return run.writer.event(event);
      });
    }

    const impressions = async (label: 'train' | 'test', columns: string[]): Promise<void> => {
      await run.eachCsvRow(`kaggle.${label}`, { file: path(KAGGLE2013_FILES[label]), header: columns }, async (row) => {
        const parsed = tryRow(() => {
          const userId = row.required('user');
          if (!users.has(userId)) row.reject('user', 'unknown-user', `user ${userId} is not in users.csv`);
          const eventId = row.required('event');
          const at = row.timestamp('timestamp') ?? row.reject('timestamp', 'bad-date', 'timestamp is empty');
          const types: InteractionType[] = ['impression'];
          if (row.flag('invited')) types.push('invite');
          if (label === 'train') {
            if (row.flag('interested')) types.push('interested');
            if (row.flag('not_interested')) types.push('not_interested');
          }
          const rows = types.map((type): Interaction => ({ id: `k:${label}:${row.line}:${type}`, userId, eventId, type, at }));
          return rows.map((r) => row.validate(InteractionSchema, r, 'interaction', { userId: 'user', eventId: 'event', at: 'timestamp' }));
        });
        if (parsed === undefined) return;
        await drain(ensureEvent(parsed[0].eventId));
        for (const it of parsed) await drain(run.writer.interaction(it));
      });
    };
    await impressions('train', TRAIN_COLUMNS);
    await impressions('test', TEST_COLUMNS);

    const pairs = new Set<string>();
    const pairKey = (a: string, b: string): string => (a < b ? `${a} ${b}` : `${b} ${a}`);
    const writeFriendship = async (row: Row, a: string, b: string, column: string): Promise<void> => {
      if (a === b) return row.note(column, 'self-friendship', `user ${a} lists themself as a friend`);
      await drain(ensureUser(a));
      await drain(ensureUser(b));
      await drain(run.writer.friendship({ userId: a, friendId: b }));
    };

    if (has.friends) {
      const owners = new Set<string>();
      await run.eachCsvRow('kaggle.friends', { file: path(KAGGLE2013_FILES.friends), header: FRIEND_COLUMNS }, async (row) => {
        const owner = tryRow(() => row.required('user'));
        if (owner === undefined) return;
        if (owners.has(owner)) return row.note('user', 'duplicate-id', `user ${owner} has a second friends row (skipped)`);
        owners.add(owner);
        for (const friend of new Set(idList(row, 'friends'))) {
          // Both ends have their own friends row only when both are in users.csv: dedupe those
          // pairs (A lists B and B lists A); other pairs can only come from one row.
          if (listedUsers.has(owner) && listedUsers.has(friend)) {
            const key = pairKey(owner, friend);
            if (pairs.has(key)) {
              run.note('friendshipsListedByBoth');
              continue;
            }
            pairs.add(key);
          }
          await writeFriendship(row, owner, friend, 'friends');
        }
      });
    } else if (has.derivedFriends) {
      await run.eachCsvRow(
        'kaggle.derived-friends',
        { file: path(KAGGLE2013_FILES.derivedFriends), header: false, names: ['user', 'friend'], ltrim: true },
        async (row) => {
          const ends = tryRow(() => [row.required('user'), row.required('friend')] as const);
          if (ends === undefined) return;
          const key = pairKey(ends[0], ends[1]);
          if (pairs.has(key)) return row.note('friend', 'duplicate-friendship', `friendship ${ends[0]}–${ends[1]} appears again`);
          pairs.add(key);
          await writeFriendship(row, ends[0], ends[1], 'friend');
        },
      );
    }
    pairs.clear();

    if (has.attendees) {
      await run.eachCsvRow('kaggle.attendees', { file: path(KAGGLE2013_FILES.attendees), header: ATTENDEE_COLUMNS }, async (row) => {
        const parsed = tryRow(() => {
          const eventId = row.required('event');
          if (!events.has(eventId)) row.reject('event', 'unknown-event', `event ${eventId} is not in events.csv`);
          const at = startTimes.get(eventId) ?? row.reject('event', 'unknown-time', `event ${eventId} has no start_time, so its responses cannot be placed in time`);
          return { eventId, at, lists: ATTENDEE_TYPES.map(([column, type]) => [type, idList(row, column)] as const) };
        });
        if (parsed === undefined) return;
        const { eventId, at, lists } = parsed;
        for (const [type, ids] of lists) {
          for (const userId of new Set(ids)) {
            await drain(ensureUser(userId));
            await drain(run.writer.interaction({ id: `k:att:${eventId}:${userId}:${type}`, userId, eventId, type, at }));
          }
        }
      });
    }
  });
}
