import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, createRng, type Event, type Interaction, type InteractionType } from '@evrec/core';
import { EventTextCache, ReplayActivity } from '@evrec/features';
import { ContextInvites, assembleExamples, type FeatureContext } from './featurize.ts';
import { LiveEventSampler, buildExamples, type CandidateQuery } from './training-set.ts';

const D = MS_PER_DAY;
const REG = new Map<InteractionType, number>([['register', 1], ['attend', 1]]);

let seq = 0;
function x(userId: string, eventId: string, type: InteractionType, at: number, extra: Partial<Interaction> = {}): Interaction {
  return { id: `i${seq++}`, userId, eventId, type, at, ...extra };
}

function catalogue(n: number, created = 0, starts = 100 * D): Map<string, Event> {
  const m = new Map<string, Event>();
  for (let i = 0; i < n; i++) m.set(`e${i}`, { id: `e${i}`, createdAt: created, startsAt: starts, title: `event ${i}` });
  return m;
}

describe('buildExamples', () => {
  it('labels impressions by later positives, at the response start, and skips pairs already positive', async () => {
    const events = catalogue(4);
    const log = [
      x('u1', 'e3', 'register', 1 * D), // before the response: e3 will be skipped
      x('u1', 'e0', 'impression', 2 * D, { recommendationId: 'r1' }),
      x('u1', 'e1', 'impression', 2 * D + 10, { recommendationId: 'r1' }),
      x('u1', 'e2', 'impression', 2 * D + 20, { recommendationId: 'r1' }),
      x('u1', 'e3', 'impression', 2 * D + 30, { recommendationId: 'r1' }),
      x('u1', 'e1', 'click', 2 * D + 1000),
      x('u1', 'e1', 'register', 3 * D),
      x('u1', 'e2', 'register', 9 * D), // after labelUntil: not a label
    ];
    const { examples, stats } = await buildExamples(log, events, { from: 0, to: 5 * D, labelUntil: 5 * D, positives: REG, sampled: false, rng: createRng(1) });
    expect(examples.map((e) => [e.eventId, e.at, e.label, e.source])).toEqual([
      ['e3', 1 * D, 1, 'organic'],
      ['e0', 2 * D, 0, 'impression'],
      ['e1', 2 * D, 1, 'impression'],
      ['e2', 2 * D, 0, 'impression'],
    ]);
    expect(stats.skippedAlreadyPositive).toBe(1);
    expect(stats.positives).toBe(2);
  });

  it('respects the label window and the sample weights of positive types (largest wins)', async () => {
    const events = catalogue(3);
    const weights = new Map<InteractionType, number>([['register', 1], ['click', 0.2]]);
    const log = [
      x('u1', 'e0', 'impression', 1 * D),
      x('u1', 'e1', 'impression', 1 * D),
      x('u1', 'e2', 'impression', 1 * D),
      x('u1', 'e0', 'click', 1 * D + 5),
      x('u1', 'e1', 'click', 1 * D + 5),
      x('u1', 'e1', 'register', 1 * D + 50),
      x('u1', 'e2', 'register', 4 * D), // outside a 2-day window
    ];
    const { examples } = await buildExamples(log, events, { from: 0, to: 5 * D, labelUntil: 5 * D, positives: weights, labelWindowMs: 2 * D, sampled: false, rng: createRng(1) });
    expect(examples.map((e) => [e.eventId, e.label, e.weight])).toEqual([
      ['e0', 1, 0.2],
      ['e1', 1, 1],
      ['e2', 0, 1],
    ]);
  });

  it('makes organic positives, dismissals, and skips unlabelled users and unknown events', async () => {
    const events = catalogue(4);
    const log = [
      x('u1', 'e0', 'register', 1 * D), // organic
      x('u1', 'e0', 'attend', 1 * D), // same pair again: still one organic example
      x('u2', 'e1', 'not_interested', 2 * D), // dismissal
      x('u2', 'e2', 'impression', 2 * D),
      x('u2', 'e2', 'not_interested', 2 * D + 1), // impressed first: the impression is the example
      x('u3', 'e3', 'impression', 2 * D), // unlabelled user
      x('u1', 'nope', 'impression', 3 * D), // not in the catalogue
    ];
    const { examples, stats } = await buildExamples(log, events, { from: 0, to: 5 * D, labelUntil: 5 * D, positives: REG, sampled: false, unlabelledUsers: new Set(['u3']), rng: createRng(1) });
    expect(examples.map((e) => [e.userId, e.eventId, e.label, e.source])).toEqual([
      ['u1', 'e0', 1, 'organic'],
      ['u2', 'e2', 0, 'impression'],
      ['u2', 'e1', 0, 'dismissal'],
    ]);
    expect(stats.skippedUnknownEvent).toBe(1);
  });

  it('labels never cross labelUntil and examples stay inside [from, to)', async () => {
    const events = catalogue(2);
    const log = [x('u1', 'e0', 'impression', 1 * D), x('u1', 'e1', 'impression', 6 * D), x('u1', 'e0', 'register', 5 * D)];
    const train = await buildExamples(log, events, { from: -Infinity, to: 5 * D, labelUntil: 5 * D, positives: REG, sampled: false, rng: createRng(1) });
    expect(train.examples.map((e) => [e.eventId, e.label])).toEqual([['e0', 0]]);
    const valid = await buildExamples(log, events, { from: 5 * D, to: 7 * D, labelUntil: 7 * D, positives: REG, sampled: false, rng: createRng(1) });
    // The register at 5 D is not organic (e0 was impressed before): the validation part has only e1.
    expect(valid.examples.map((e) => [e.eventId, e.label])).toEqual([['e1', 0]]);
  });

  it('adds random negatives live at the time and hard negatives from the candidate source, at the configured ratios', async () => {
    const events = new Map<string, Event>();
    for (let i = 0; i < 40; i++) events.set(`e${i}`, { id: `e${i}`, createdAt: (i % 4) * D, startsAt: (10 + i) * D });
    events.set('cancelled', { id: 'cancelled', createdAt: 0, startsAt: 50 * D, status: 'cancelled' });
    const log: Interaction[] = [];
    for (let u = 0; u < 10; u++) {
      log.push(x(`u${u}`, `e${u}`, 'impression', 5 * D + u));
      log.push(x(`u${u}`, `e${u}`, 'register', 5 * D + u + 1));
      log.push(x(`u${u}`, `e${u + 20}`, 'register', 6 * D + u)); // organic, also excluded from negatives
    }
    const queries: CandidateQuery[] = [];
    const candidates = (q: CandidateQuery): string[] => {
      queries.push(q);
      return ['e0', 'e1', 'e2', 'e3', 'e30', 'e31', 'e32'];
    };
    const { examples, stats } = await buildExamples(log, events, {
      from: 0, to: 20 * D, labelUntil: 20 * D, positives: REG, rng: createRng(7),
      negatives: { randomPerPositive: 3, hard: { candidates, perPositive: 2 } },
    });
    expect(stats.bySource.impression.positives).toBe(10);
    expect(stats.bySource.organic.positives).toBe(10);
    expect(stats.bySource.random.examples).toBe(60);
    expect(stats.bySource.hard.examples).toBe(40);
    expect(queries).toHaveLength(20);
    const positivesOf = (u: string) => new Set(log.filter((l) => l.userId === u && l.type === 'register').map((l) => l.eventId));
    for (const ex of examples.filter((e) => e.source === 'random' || e.source === 'hard')) {
      expect(ex.label).toBe(0);
      expect(positivesOf(ex.userId).has(ex.eventId)).toBe(false);
      expect(ex.eventId).not.toBe('cancelled');
      if (ex.source === 'random') {
        const e = events.get(ex.eventId) as Event;
        expect(e.createdAt as number).toBeLessThanOrEqual(ex.at);
        expect(e.startsAt as number).toBeGreaterThan(ex.at);
      }
    }
    // Sorted by time, then user: a positive and its negatives share one (user, time) group.
    for (let i = 1; i < examples.length; i++) expect(examples[i].at >= examples[i - 1].at).toBe(true);
  });

  it('down-samples negative impressions at the configured rate, never positives', async () => {
    const events = catalogue(1);
    const log: Interaction[] = [];
    for (let u = 0; u < 2000; u++) log.push(x(`u${u}`, 'e0', 'impression', D + u));
    for (let u = 0; u < 100; u++) log.push(x(`u${u}`, 'e0', 'register', 2 * D + u));
    const { stats } = await buildExamples(log, events, { from: 0, to: 3 * D, labelUntil: 3 * D, positives: REG, sampled: false, negatives: { impressionRate: 0.25 }, rng: createRng(3) });
    expect(stats.bySource.impression.positives).toBe(100);
    const negatives = stats.bySource.impression.examples - 100;
    expect(negatives).toBeGreaterThan(1900 * 0.25 - 60);
    expect(negatives).toBeLessThan(1900 * 0.25 + 60);
  });
});

describe('LiveEventSampler', () => {
  it('places events without times by their activity and never returns excluded ones', () => {
    const events: Event[] = [{ id: 'a' }, { id: 'b', startsAt: 10 * D }, { id: 'c' }];
    const log = [x('u', 'a', 'impression', 5 * D), x('u', 'a', 'impression', 8 * D)];
    const s = new LiveEventSampler(events, log);
    const rng = createRng(1);
    // a: live from 30 days before its first activity to its last; b: until it starts; c: never.
    expect(new Set(s.sample(7 * D, 5, new Set(), rng))).toEqual(new Set(['a', 'b']));
    expect(s.sample(7 * D, 5, new Set(['a']), rng)).toEqual(['b']);
    expect(s.sample(9 * D, 5, new Set(), rng)).toEqual(['b']);
    expect(s.sample(11 * D, 5, new Set(), rng)).toEqual([]);
  });
});

describe('training features are point-in-time', () => {
  it('every feature of every example equals the same feature computed from the log strictly before its time', async () => {
    // A small seeded world with every interaction type, including same-instant impression + interested (Kaggle-like).
    const rng = createRng(11);
    const events = new Map<string, Event>();
    for (let i = 0; i < 12; i++) {
      events.set(`e${i}`, { id: `e${i}`, hostId: `h${i % 3}`, category: ['music', 'tech'][i % 2], createdAt: 0, startsAt: (20 + i) * D, capacity: 20, price: i % 3, currency: 'EUR', lat: 48 + i / 10, lng: 2, city: 'Paris', country: 'FR' });
    }
    const users = new Map([['u0', { id: 'u0', birthYear: 1990 }], ['u1', { id: 'u1' }], ['u2', { id: 'u2', lat: 48.5, lng: 2.1 }]]);
    const friends = new Map([['u0', ['u1']], ['u1', ['u0', 'u2']], ['u2', ['u1']]]);
    const types: InteractionType[] = ['impression', 'impression', 'click', 'register', 'interested', 'not_interested', 'invite', 'attend', 'cancel'];
    const log: Interaction[] = [];
    for (let k = 0; k < 300; k++) {
      const t = D + k * 3_600_000 + rng.int(1000);
      const u = `u${rng.int(3)}`;
      const e = `e${rng.int(12)}`;
      const type = rng.pick(types);
      log.push(x(u, e, type, t));
      if (type === 'impression' && rng.chance(0.3)) log.push(x(u, e, 'interested', t)); // same instant as the impression
    }
    log.sort((a, b) => a.at - b.at);
    const positives = new Map<InteractionType, number>([['register', 1], ['interested', 0.5]]);
    const { examples } = await buildExamples(log, events, { from: 0, to: 1e15, labelUntil: 1e15, positives, rng: createRng(2) });
    expect(examples.filter((e) => e.label === 1).length).toBeGreaterThan(10);
    const ds = { users, events, friends, interactions: log };
    const ctx = (interactions: Interaction[]): FeatureContext => ({
      dataset: { ...ds, interactions },
      reader: new ReplayActivity({ events, friends, interactions }),
      textCache: new EventTextCache(),
      contextInvites: new ContextInvites(interactions),
    });
    const full = await assembleExamples(ctx(log), examples);
    for (const g of full) {
      const t = g.examples[0].at;
      // Only the past, plus same-instant invitations (request context, see ContextInvites).
      const past = log.filter((l) => l.at < t || (l.at === t && l.type === 'invite'));
      const [alone] = await assembleExamples(ctx(past), g.examples);
      expect(alone.batch.numeric).toEqual(g.batch.numeric);
      expect(alone.batch.categorical).toEqual(g.batch.categorical);
      expect(alone.batch.shares).toEqual(g.batch.shares);
    }
  });
});
