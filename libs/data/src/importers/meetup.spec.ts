import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvrecError } from '@evrec/core';
import { loadDataset } from '../native/reader.ts';
import { importMeetup } from './meetup.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-meetup-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const GROUPS = `id,name,urlname,link,rating,created,description,organiserName,organiserMemberId
100,Photo Group,photo,http://www.meetup.com/photo/,4.5,1249738648000,"<p>Welcome!</p>
<p>All <strong>levels</strong>, <a href=""https://x.org/"">link</a></p>",,501
`;
const TOPICS = `groupId,name,id,urlkey
100,"Photography",223,"photo"
100,"Hiking",638,"hiking"
`;
const VENUES = `id,name,city,address_1,address_2,lat,lon
10,"Library","Bozeman","626 E. Main Street · Bozeman",,45.678841,-111.027191
11,"TBD","Missoula","",,0,0
10,"Library again","Bozeman","",,45.6788,-111.0271
`;
const MEMBERS = `id,name,joined,topics,groupId
501,,1450378807000,223;999,100
502,,1451058722000,,100
502,,1440000000000,638,200
503,,notatime,,100
`;
const EVENTS = `id,name,time,utc_offset,group_id,venue_id,status,description
"e1","Photo walk",1465779600000,-21600000,100,10,"past","<p>Bring a <b>camera</b> &amp; snacks</p>"
"e2","Hike",1496446200000,-25200000,100,11,"upcoming",""
"e3","Nowhere",1496446200000,-25200000,300,99,"upcoming",
"e1","Photo walk",1465779600000,-21600000,100,10,"past",
"e4","Bad time",abc,-25200000,100,,"upcoming",
`;
const RSVPS = `rsvp_id,event_id,member_id,guests,response,created,mtime
1,"e1",501,0,"yes",1465000000000,1465000000000
2,"e1",502,1,"no",1465000000000,1465100000000
3,"e2",501,0,"waitlist",1496000000000,
3,"e2",502,2,"yes",1496000000000,1495000000000
5,"e9",501,0,"yes",1496000000000,1496000000000
6,"e2",999,0,"yes",1496000000000,1496000000000
7,"e1",501,0,"yes",1465000000000,1465000000000
8,"e2",503,0,"maybe",1496000000000,1496000000000
`;

async function fixture(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
  return dir;
}

describe('importMeetup (Montana-like export)', () => {
  it('joins events with groups, topics and venues; members become users; RSVPs become interactions', async () => {
    const inDir = await fixture('meetup-mt', {
      'groups.csv': GROUPS,
      'groups_topics.csv': TOPICS,
      'venues.csv': VENUES,
      'members.csv': MEMBERS,
      'events.csv': EVENTS,
      'rsvps.csv': RSVPS,
    });
    const r = await importMeetup({ inDir, outDir: join(root, 'out-mt') });
    expect(r.report.byReason()).toEqual({
      'bad-date': 2, // member 503's joined (user kept), event e4's time (event kept)
      'duplicate-id': 3, // venue 10, event e1, the second RSVP of 501 for e1
      schema: 1, // RSVP response "maybe"
      'unknown-event': 1,
      'unknown-user': 1,
      'unknown-venue': 1, // e3 (kept without a place)
    });
    expect(r.report.samples().find((i) => i.reason === 'unknown-user')?.location).toEqual({
      file: join(inDir, 'rsvps.csv'),
      line: 7,
      column: 3,
      field: 'member_id',
    });
    expect(r.notes).toEqual({ venueCoordinatesZeroAsUnknown: 1, rsvpTimeFromMtime: 1, rsvpGuestsIgnored: 3 });
    expect(r.manifest.name).toBe('meetup-mt');

    const ds = await loadDataset(r.outDir);
    expect(ds.report.total()).toBe(0);
    expect(ds.events.get('e1')).toEqual({
      id: 'e1',
      title: 'Photo walk',
      description: 'Bring a camera & snacks',
      language: 'en',
      tags: ['Photography', 'Hiking'],
      hostId: '100',
      organizerUserId: '501',
      startsAt: 1465779600000,
      utcOffsetMinutes: -360,
      venueId: '10',
      lat: 45.678841,
      lng: -111.027191,
      city: 'Bozeman',
      status: 'scheduled',
    });
    expect(ds.events.get('e2')).toMatchObject({ venueId: '11', city: 'Missoula', utcOffsetMinutes: -420 });
    expect(ds.events.get('e2')?.lat).toBeUndefined();
    expect(ds.events.get('e2')?.description).toBeUndefined();
    expect(ds.events.get('e3')).toMatchObject({ hostId: '300', venueId: '99' });
    expect(ds.events.get('e3')?.organizerUserId).toBeUndefined();
    expect(ds.events.get('e4')?.startsAt).toBeUndefined();
    expect([...ds.users.values()]).toEqual([
      { id: '501', joinedAt: 1450378807000, groups: ['100'], interests: ['Photography', 'topic:999'] },
      { id: '502', joinedAt: 1440000000000, groups: ['100', '200'], interests: ['Hiking'] },
      { id: '503', groups: ['100'] },
    ]);
    expect(ds.friends.size).toBe(0);
    expect(ds.interactions.map((i) => [i.id, i.type, i.at])).toEqual([
      ['m:rsvp:e1:501', 'register', 1465000000000],
      ['m:rsvp:e1:502', 'not_interested', 1465100000000],
      ['m:rsvp:e2:501', 'interested', 1496000000000],
      ['m:rsvp:e2:502', 'register', 1496000000000],
    ]);
  });

  it('strict mode throws at the first issue with file, line and column', async () => {
    const inDir = await fixture('meetup-strict', { 'venues.csv': VENUES, 'events.csv': EVENTS, 'rsvps.csv': RSVPS });
    const err = await importMeetup({ inDir, outDir: join(root, 'out-strict'), strict: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvrecError);
    expect((err as EvrecError).location).toEqual({ file: join(inDir, 'venues.csv'), line: 4, column: 1, field: 'id' });
  });
});

describe('importMeetup (LA-like export: no events.csv, no members.csv)', () => {
  it('makes id-only events and users from the RSVPs and ignores metadata it cannot join', async () => {
    const inDir = await fixture('meetup-la', {
      'groups.csv': GROUPS,
      'venues.csv': VENUES,
      'rsvps.csv': `rsvp_id,event_id,member_id,guests,response,created,mtime
47375112,"10058814",4075117,0,"no",1240338022000,1240338022000
50838332,"10058814",4308944,0,"waitlist",1244406438000,1244411532000
48006493,"10058815",4075117,0,"yes",1241069941000,1241069941000
`,
    });
    const r = await importMeetup({ inDir, outDir: join(root, 'out-la') });
    expect(r.report.total()).toBe(0);
    expect(r.notes).toEqual({ stubEvents: 2, stubUsers: 2, rsvpTimeFromMtime: 1 });
    expect(r.manifest.source).toMatchObject({ files: ['rsvps.csv'] });
    const ds = await loadDataset(r.outDir);
    expect([...ds.events.values()]).toEqual([
      { id: '10058814', language: 'en' },
      { id: '10058815', language: 'en' },
    ]);
    expect([...ds.users.keys()]).toEqual(['4075117', '4308944']);
    expect(ds.interactions.map((i) => [i.userId, i.type, i.at])).toEqual([
      ['4075117', 'not_interested', 1240338022000],
      ['4075117', 'register', 1241069941000],
      ['4308944', 'interested', 1244411532000],
    ]);
  });

  it('needs rsvps.csv', async () => {
    const inDir = await fixture('meetup-empty', { 'groups.csv': GROUPS });
    await expect(importMeetup({ inDir, outDir: join(root, 'out-empty') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
