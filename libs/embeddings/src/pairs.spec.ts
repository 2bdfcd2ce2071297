import { describe, expect, it } from 'vitest';
import type { Event, Interaction, InteractionType, User } from '@evrec/core';
import { ValidationReport, type InMemoryDataset } from '@evrec/data';
import { buildPairSet } from './pairs.ts';

let n = 0;
const x = (userId: string, eventId: string, type: InteractionType, at: number): Interaction => ({ id: `i${n++}`, userId, eventId, type, at });

function dataset(interactions: Interaction[]): InMemoryDataset {
  const users: User[] = [{ id: 'u1' }, { id: 'u2' }];
  const events: Event[] = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id, createdAt: 0, startsAt: 1000 }));
  const sorted = [...interactions].sort((p, q) => p.at - q.at);
  return {
    manifest: {
      format: 'evrec-dataset', formatVersion: 1, name: 'hand', source: {}, createdAt: '2026-01-01T00:00:00Z',
      counts: { users: users.length, events: events.length, friendships: 0, interactions: sorted.length },
      interactionsSorted: true, timeRange: [sorted[0].at, sorted[sorted.length - 1].at],
    },
    users: new Map(users.map((u) => [u.id, u])),
    events: new Map(events.map((e) => [e.id, e])),
    friends: new Map(),
    interactions: sorted,
    report: new ValidationReport(),
  };
}

const options = { positiveTypes: ['register', 'attend'] as InteractionType[], historyTypes: ['register', 'attend'] as InteractionType[], historyCap: 10, validFraction: 0 };

describe('training pairs', () => {
  const ds = dataset([
    x('u1', 'a', 'register', 10),
    x('u1', 'b', 'click', 15),
    x('u1', 'b', 'register', 20),
    x('u1', 'c', 'register', 20), // same time as b: neither is in the other's history
    x('u1', 'a', 'attend', 25), // a second positive on a: not a new pair
    x('u1', 'd', 'register', 30),
    x('u2', 'a', 'interested', 12),
    x('u2', 'e', 'register', 40), // at `until`: excluded
  ]);

  it('uses only interactions strictly before each pair (hand-computed)', () => {
    const set = buildPairSet(ds, { ...options, until: 40 });
    const byEvent = Object.fromEntries(set.train.filter((p) => p.userId === 'u1').map((p) => [p.eventId, p.history]));
    // For d: a's attend at 25 is its most recent history interaction.
    expect(byEvent).toEqual({ a: [], b: ['a'], c: ['a'], d: ['a', 'c', 'b'] });
    expect(set.train.map((p) => p.eventId)).not.toContain('e');
    expect(set.train).toHaveLength(4);
  });

  it('never puts an interaction at or after the pair time into its history', () => {
    const set = buildPairSet(ds, { ...options, until: 100 });
    for (const p of set.train) {
      for (const h of p.history) {
        const earliest = Math.min(...ds.interactions.filter((i) => i.userId === p.userId && i.eventId === h && options.historyTypes.includes(i.type)).map((i) => i.at));
        expect(earliest).toBeLessThan(p.at);
      }
    }
  });

  it('lets configured types count as positives (Kaggle 2013: interested)', () => {
    const set = buildPairSet(ds, { ...options, positiveTypes: ['interested'], historyTypes: ['interested'], until: 100 });
    expect(set.train.map((p) => [p.userId, p.eventId])).toEqual([['u2', 'a']]);
  });

  it('refuses history types the activity history does not carry', () => {
    expect(() => buildPairSet(ds, { ...options, historyTypes: ['impression'], until: 100 })).toThrow(/history type "impression"/);
  });

  it('holds the latest positives out for validation', () => {
    const many: Interaction[] = [];
    for (let i = 0; i < 40; i++) many.push(x(i % 2 ? 'u1' : 'u2', ['a', 'b', 'c', 'd', 'e'][i % 5], 'register', 100 + i));
    // Distinct (user, event) pairs only: 10 of them.
    const set = buildPairSet(dataset(many), { ...options, until: 1000, validFraction: 0.5 });
    expect(set.train.length + set.valid.length).toBe(10);
    expect(Math.max(...set.train.map((p) => p.at))).toBeLessThan(set.trainEnd);
    expect(Math.min(...set.valid.map((p) => p.at))).toBeGreaterThanOrEqual(set.trainEnd);
  });
});
