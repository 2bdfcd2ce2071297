import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, type Event, type Interaction, type User } from '@evrec/core';

/**
 * A tiny hand-built world whose every feature value is worked out by hand in the specs. T0 is a
 * Monday, 12:00 UTC. User u1 has no profile location (home is inferred), friends u2, u3, u4.
 */
export const T0 = Date.UTC(2024, 5, 3, 12, 0);

export const users: User[] = [
  { id: 'u1', language: 'en', locale: 'en_GB', birthYear: 1990, gender: 'female', joinedAt: T0 - 100 * MS_PER_DAY, utcOffsetMinutes: 120 },
  { id: 'u2', lat: 40.4168, lng: -3.7038, city: 'Madrid', country: 'ES' },
  { id: 'u3' }, { id: 'u4' }, { id: 'u5' }, { id: 'u6' }, { id: 'u7' },
];

export const events: Event[] = [
  // past events in u1's history
  { id: 'p1', title: 'Jazz night', description: 'Live jazz in Paris', language: 'en', category: 'music', price: 20, currency: 'EUR',
    lat: 48.8566, lng: 2.3522, city: 'Paris', country: 'FR', hostId: 'hostA', startsAt: Date.UTC(2024, 4, 25, 19), utcOffsetMinutes: 120 },
  { id: 'p2', title: 'Rock concert', description: 'Rock music live', language: 'en', category: 'music', price: 0, currency: 'EUR',
    lat: 48.864, lng: 2.342, city: 'Paris', country: 'FR', hostId: 'hostB', startsAt: Date.UTC(2024, 4, 28, 17), utcOffsetMinutes: 120 },
  { id: 'p3', title: 'Tech meetup', language: 'en', category: 'tech', price: 50, currency: 'USD',
    lat: 51.5074, lng: -0.1278, city: 'London', country: 'GB', hostId: 'hostA', startsAt: Date.UTC(2024, 4, 30, 18), utcOffsetMinutes: 60 },
  // candidates
  { id: 'c1', title: 'Jazz evening', description: 'An evening of jazz in Paris', language: 'en', category: 'music', price: 30, currency: 'EUR',
    lat: 48.87, lng: 2.33, city: 'paris', country: 'FR', hostId: 'hostA', organizerUserId: 'u2', online: false,
    startsAt: Date.UTC(2024, 5, 8, 18), utcOffsetMinutes: 120, durationMinutes: 150, createdAt: T0 - 5 * MS_PER_DAY, capacity: 100 },
  { id: 'c2', title: 'Atelier', language: 'fr', category: 'tech', price: 10, currency: 'GBP', online: true, startsAt: T0 + 2 * MS_PER_HOUR, utcOffsetMinutes: 0 },
  { id: 'c3' },
];

let seq = 0;
const ix = (userId: string, eventId: string, type: Interaction['type'], at: number, extra: Partial<Interaction> = {}): Interaction =>
  ({ id: `i${++seq}`, userId, eventId, type, at, ...extra });

export const interactions: Interaction[] = [
  ix('u6', 'p3', 'register', T0 - 20 * MS_PER_DAY),
  ix('u1', 'p1', 'click', T0 - 10 * MS_PER_DAY),
  ix('u1', 'p1', 'register', T0 - 9 * MS_PER_DAY),
  ix('u1', 'p2', 'register', T0 - 8 * MS_PER_DAY),
  ix('u1', 'p3', 'interested', T0 - 7 * MS_PER_DAY),
  ix('u6', 'c1', 'impression', T0 - 4 * MS_PER_DAY),
  ix('u2', 'c1', 'register', T0 - 3 * MS_PER_DAY),
  ix('u1', 'c3', 'not_interested', T0 - 2 * MS_PER_DAY),
  ix('u3', 'c1', 'register', T0 - 2 * MS_PER_DAY),
  ix('u3', 'c1', 'cancel', T0 - MS_PER_DAY),
  ix('u7', 'c1', 'impression', T0 - MS_PER_DAY + MS_PER_MINUTE),
  ix('u4', 'c1', 'attend', T0 - 12 * MS_PER_HOUR),
  ix('u5', 'c1', 'register', T0 - 6 * MS_PER_HOUR),
  ix('u1', 'c1', 'invite', T0 - MS_PER_HOUR, { inviterId: 'u2' }),
  ix('u1', 'c1', 'click', T0 - 30 * MS_PER_MINUTE),
  // at T0 and later: invisible to a snapshot at T0
  ix('u1', 'c1', 'impression', T0),
  ix('u1', 'c1', 'register', T0),
  ix('u2', 'c2', 'register', T0 + MS_PER_HOUR),
];

export const friends = new Map<string, string[]>([
  ['u1', ['u2', 'u3', 'u4']],
  ['u2', ['u1']],
  ['u3', ['u1']],
  ['u4', ['u1']],
]);

export function tinyDataset() {
  return {
    users: new Map(users.map((u) => [u.id, u])),
    events: new Map(events.map((e) => [e.id, e])),
    friends,
    interactions,
  };
}
