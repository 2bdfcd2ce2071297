import { basename, join, resolve } from 'node:path';
import { EventSchema, UserSchema, type DataLocation, type Event, type InteractionType, type User } from '@evrec/core';
import { drain, fileExists, requireFiles, runImport, type ImportOptions, type ImportResult } from './common.ts';
import { htmlToText } from './html-text.ts';
import { tryRow, type Row } from './row.ts';

/**
 * Importer for Meetup.com API exports (William Lyon's CSVs: events, rsvps, members, groups,
 * groups_topics, venues). Only rsvps.csv is required; what is absent becomes id-only stubs. The
 * field-by-field mapping is in docs/DATA.md ("Meetup").
 */

export const MEETUP_FILES = {
  events: 'events.csv',
  rsvps: 'rsvps.csv',
  members: 'members.csv',
  groups: 'groups.csv',
  topics: 'groups_topics.csv',
  venues: 'venues.csv',
} as const;

export interface MeetupImportOptions extends ImportOptions {
  /** Language of event titles and descriptions (ISO 639). Default `en` (both known exports are English). */
  language?: string;
}

/** RSVP response → interaction type. */
const RESPONSE_TYPES: Readonly<Record<string, InteractionType>> = {
  yes: 'register',
  no: 'not_interested',
  waitlist: 'interested',
};

interface Venue {
  lat?: number;
  lng?: number;
  city?: string;
}

interface Member {
  location: DataLocation;
  joinedAt?: number;
  groups: Set<string>;
  topics: Set<string>;
}

const MAX_DESCRIPTION = 100_000;

function eventStatus(row: Row): Event['status'] {
  const s = row.optional('status')?.toLowerCase();
  if (s === undefined) return undefined;
  if (s === 'past' || s === 'upcoming') return 'scheduled';
  if (s === 'cancelled' || s === 'canceled') return 'cancelled';
  return row.softly(() => row.reject('status', 'schema', `unknown event status ${JSON.stringify(s)}`));
}

/**
 * Imports a Meetup export folder. Present files are used; absent ones are documented gaps:
 * without events.csv events are id-only stubs, without members.csv users come from rsvps.csv.
 */
export async function importMeetup(options: MeetupImportOptions): Promise<ImportResult> {
  const { inDir } = options;
  await requireFiles(inDir, [MEETUP_FILES.rsvps], 'meetup');
  const path = (f: string): string => join(inDir, f);
  const has = {
    events: await fileExists(path(MEETUP_FILES.events)),
    members: await fileExists(path(MEETUP_FILES.members)),
    groups: await fileExists(path(MEETUP_FILES.groups)),
    topics: await fileExists(path(MEETUP_FILES.topics)),
    venues: await fileExists(path(MEETUP_FILES.venues)),
  };
  // Groups, topics and venues only describe events; without events.csv nothing can join to them.
  const useEventMetadata = has.events;
  const files = (Object.keys(MEETUP_FILES) as Array<keyof typeof MEETUP_FILES>)
    .filter((k) => (k === 'rsvps' ? true : k === 'events' || k === 'members' ? has[k] : useEventMetadata && has[k]))
    .map((k) => MEETUP_FILES[k]);
  const folder = basename(resolve(inDir));
  const name = folder.startsWith('meetup') ? folder : `meetup-${folder}`;
  const language = options.language ?? 'en';

  return runImport(options, name, { importer: 'meetup', inDir, files }, async (run) => {
    const topicNames = new Map<string, string>();
    const groupTopics = new Map<string, string[]>();
    const organizers = new Map<string, string | undefined>();
    const venues = new Map<string, Venue>();

    if (useEventMetadata && has.topics) {
      await run.eachCsvRow('meetup.groups_topics', { file: path(MEETUP_FILES.topics), header: ['groupId', 'id'] }, (row) => {
        const r = tryRow(() => ({ groupId: row.required('groupId'), topicId: row.required('id'), name: row.optional('name') }));
        if (r === undefined) return;
        const label = (r.name ?? `topic:${r.topicId}`).slice(0, 200);
        topicNames.set(r.topicId, label);
        const list = groupTopics.get(r.groupId) ?? [];
        if (!list.includes(label) && list.length < 200) list.push(label);
        groupTopics.set(r.groupId, list);
      });
    }
    if (useEventMetadata && has.groups) {
      await run.eachCsvRow('meetup.groups', { file: path(MEETUP_FILES.groups), header: ['id'] }, (row) => {
        const id = tryRow(() => row.required('id'));
        if (id === undefined) return;
        if (organizers.has(id)) return row.note('id', 'duplicate-id', `group ${id} appears again (first row kept)`);
        organizers.set(id, row.optional('organiserMemberId'));
      });
    }
    if (useEventMetadata && has.venues) {
      await run.eachCsvRow('meetup.venues', { file: path(MEETUP_FILES.venues), header: ['id', 'lat', 'lon'] }, (row) => {
        const id = tryRow(() => row.required('id'));
        if (id === undefined) return;
        if (venues.has(id)) return row.note('id', 'duplicate-id', `venue ${id} appears again (first row kept)`);
        let lat = row.softly(() => row.number('lat', { min: -90, max: 90 }));
        let lng = row.softly(() => row.number('lon', { min: -180, max: 180 }));
        // The Meetup API writes 0,0 for venues it could not place ("TBD"): unknown, not the Gulf of Guinea.
        if (lat === 0 && lng === 0) run.note('venueCoordinatesZeroAsUnknown');
        if (lat === undefined || lng === undefined || (lat === 0 && lng === 0)) lat = lng = undefined;
        venues.set(id, { lat, lng, city: row.optional('city')?.slice(0, 200) });
      });
    }

    const members = new Map<string, Member>();
    if (has.members) {
      const memberships = new Set<string>();
      await run.eachCsvRow('meetup.members', { file: path(MEETUP_FILES.members), header: ['id', 'groupId'] }, (row) => {
        const r = tryRow(() => ({
          id: row.required('id'),
          groupId: row.optional('groupId'),
          joined: row.softly(() => row.epochMs('joined')),
          topics: (row.optional('topics') ?? '').split(';').map((t) => t.trim()).filter((t) => t !== ''),
        }));
        if (r === undefined) return;
        const key = `${r.id} ${r.groupId ?? ''}`;
        if (memberships.has(key)) return row.note('groupId', 'duplicate-id', `member ${r.id} is listed twice in group ${r.groupId ?? '(none)'}`);
        memberships.add(key);
        let m = members.get(r.id);
        if (m === undefined) {
          m = { location: row.location('id'), groups: new Set(), topics: new Set() };
          members.set(r.id, m);
        }
        if (r.groupId !== undefined) m.groups.add(r.groupId);
        for (const t of r.topics) m.topics.add(t);
        if (r.joined !== undefined && (m.joinedAt === undefined || r.joined < m.joinedAt)) m.joinedAt = r.joined;
      });
    }

    const events = new Set<string>();
    if (has.events) {
      await run.eachCsvRow('meetup.events', { file: path(MEETUP_FILES.events), header: ['id', 'time'] }, (row) => {
        const event = tryRow((): Event => {
          const id = row.required('id');
          const groupId = row.optional('group_id');
          const venueId = row.optional('venue_id');
          let venue: Venue | undefined;
          if (venueId !== undefined) {
            venue = venues.get(venueId);
            if (venue === undefined && has.venues) row.note('venue_id', 'unknown-venue', `venue ${venueId} is not in venues.csv (event kept without a place)`);
          }
          const offsetMs = row.softly(() => row.number('utc_offset', { integer: true, min: -14 * 3_600_000, max: 14 * 3_600_000 }));
          const html = row.optional('description');
          const description = html === undefined ? undefined : htmlToText(html).slice(0, MAX_DESCRIPTION) || undefined;
          const tags = groupId === undefined ? undefined : groupTopics.get(groupId);
          const e: Event = {
            id,
            title: row.optional('name')?.slice(0, 1000),
            description,
            language,
            tags: tags && tags.length > 0 ? tags : undefined,
            hostId: groupId,
            organizerUserId: groupId === undefined ? undefined : organizers.get(groupId),
            startsAt: row.softly(() => row.epochMs('time')),
            utcOffsetMinutes:
              offsetMs === undefined
                ? undefined
                : offsetMs % 60_000 === 0
                  ? offsetMs / 60_000
                  : row.softly(() => row.reject('utc_offset', 'bad-number', `utc_offset ${offsetMs} ms is not whole minutes`)),
            venueId,
            lat: venue?.lat,
            lng: venue?.lng,
            city: venue?.city,
            status: eventStatus(row),
          };
          return row.validate(EventSchema, e, 'event', { id: 'id', title: 'name', hostId: 'group_id', venueId: 'venue_id', startsAt: 'time' });
        });
        if (event === undefined) return;
        if (events.has(event.id)) return row.note('id', 'duplicate-id', `event ${event.id} appears again (first row kept)`);
        events.add(event.id);
        return run.writer.event(event);
      });
    }

    const stubUsers = new Set<string>();
    const rsvpIds = new Set<string>();
    await run.eachCsvRow(
      'meetup.rsvps',
      { file: path(MEETUP_FILES.rsvps), header: ['event_id', 'member_id', 'response', 'created'] },
      async (row) => {
        const it = tryRow(() => {
          const eventId = row.required('event_id');
          if (has.events && !events.has(eventId)) row.reject('event_id', 'unknown-event', `event ${eventId} is not in events.csv`);
          const userId = row.required('member_id');
          if (has.members && !members.has(userId)) row.reject('member_id', 'unknown-user', `member ${userId} is not in members.csv`);
          const response = row.required('response').toLowerCase();
          const type = RESPONSE_TYPES[response] ?? row.reject('response', 'schema', `unknown RSVP response ${JSON.stringify(response)}`);
          const created = row.epochMs('created') ?? row.reject('created', 'bad-date', 'created is empty');
          const mtime = row.softly(() => row.epochMs('mtime'));
          const guests = row.softly(() => row.number('guests', { integer: true, min: 0 }));
          // rsvp_id is not unique in these exports (organisers' auto-RSVPs share one id across a
          // series); the (event, member) pair is.
          const id = `m:rsvp:${eventId}:${userId}`;
          if (rsvpIds.has(id)) row.reject('member_id', 'duplicate-id', `member ${userId} has a second RSVP for event ${eventId}`);
          rsvpIds.add(id);
          if (guests !== undefined && guests > 0) run.note('rsvpGuestsIgnored', guests);
          // The export holds each RSVP's final state, known to hold only from its last change.
          const changed = mtime !== undefined && mtime > created;
          if (changed) run.note('rsvpTimeFromMtime');
          return { id, userId, eventId, type, at: changed ? mtime : created };
        });
        if (it === undefined) return;
        if (!has.events && !events.has(it.eventId)) {
          events.add(it.eventId);
          run.note('stubEvents');
          await drain(run.writer.event({ id: it.eventId, language }));
        }
        if (!has.members && !stubUsers.has(it.userId)) {
          stubUsers.add(it.userId);
          run.note('stubUsers');
          await drain(run.writer.user({ id: it.userId }));
        }
        await drain(run.writer.interaction(it));
      },
    );

    for (const [id, m] of members) {
      const interests = [...m.topics].map((t) => topicNames.get(t) ?? `topic:${t}`);
      const user: User = {
        id,
        joinedAt: m.joinedAt,
        groups: m.groups.size > 0 ? [...m.groups].slice(0, 1000) : undefined,
        interests: interests.length > 0 ? [...new Set(interests)].slice(0, 500) : undefined,
      };
      const r = UserSchema.safeParse(user);
      if (!r.success) {
        run.sink.issue(m.location, 'schema', r.error.issues.map((i) => `user.${i.path.join('.')}: ${i.message}`).join('; '));
        continue;
      }
      await drain(run.writer.user(r.data));
    }
  });
}
