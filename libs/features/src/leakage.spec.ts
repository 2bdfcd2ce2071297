import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, createRng, type ActivityReader, type Interaction, type InteractionType } from '@evrec/core';
import { assembleFeatures } from './assemble.ts';
import { batchRow, type RawFeatureBatch } from './batch.ts';
import { listTrainingExamples, materialiseExamples, type FeatureDataset } from './examples.ts';
import { randomWorld } from './random-world.fixture.ts';
import { FEATURES } from './registry.ts';
import { ReplayActivity } from './replay.ts';
import { gatherActivity, type FeatureActivityQuery, type FeatureSnapshot } from './snapshot.ts';
import { EventTextCache } from './text-vectors.ts';

const world = randomWorld('leakage', { users: 40, events: 60, interactions: 4000, days: 60 });
const T = world.start + 30 * MS_PER_DAY;
const probeUsers = [...new Set(world.interactions.filter((x) => x.at < T && x.type === 'register').map((x) => x.userId))].slice(0, 8);
const candidates = [...world.events.values()].slice(0, 40);

/** Future activity touching everything a feature reads: the probes, their friends, the candidates and their hosts. */
function futureInteractions(): Interaction[] {
  const rng = createRng('future');
  const out: Interaction[] = [];
  let n = 0;
  const add = (userId: string, eventId: string, type: InteractionType, at: number) => out.push({ id: `f${n++}`, userId, eventId, type, at, ...(type === 'invite' ? { inviterId: 'u0' } : {}) });
  const types: InteractionType[] = ['register', 'attend', 'click', 'interested', 'impression', 'invite', 'not_interested', 'cancel'];
  for (const u of probeUsers) {
    for (const e of candidates) {
      // at exactly T (must be invisible: snapshots see strictly before) and spread over the next 20 days
      add(u, e.id, rng.pick(types), T);
      for (let k = 0; k < 3; k++) add(u, e.id, rng.pick(types), T + rng.int(20 * 24) * MS_PER_HOUR);
    }
    for (const f of world.friends.get(u) ?? []) for (const e of candidates) add(f, e.id, 'register', T + rng.int(20 * 24) * MS_PER_HOUR);
  }
  for (const e of candidates) for (let k = 0; k < 5; k++) add(`u${rng.int(40)}`, e.id, rng.pick(['register', 'impression', 'click'] as const), T + rng.int(20 * 24) * MS_PER_HOUR);
  // cancel every registration held at T
  for (const x of world.interactions) if (x.at < T && x.type === 'register') add(x.userId, x.eventId, 'cancel', T + MS_PER_HOUR);
  return out;
}

const withFuture: FeatureDataset = {
  ...world,
  interactions: [...world.interactions, ...futureInteractions()].sort((a, b) => a.at - b.at),
};

/** A reader that deliberately leaks: answers as of two weeks after the asked time. */
class LeakyReader implements ActivityReader {
  constructor(private readonly inner: ReplayActivity) {}
  async snapshot(q: FeatureActivityQuery): Promise<FeatureSnapshot> {
    return { ...(await this.inner.snapshot({ ...q, at: q.at + 14 * MS_PER_DAY })), at: q.at };
  }
}

async function featuresAt(ds: FeatureDataset, reader: ActivityReader): Promise<RawFeatureBatch[]> {
  const textCache = new EventTextCache();
  const out: RawFeatureBatch[] = [];
  for (const userId of probeUsers) {
    const snapshot = await gatherActivity(reader, { userId, eventIds: candidates.map((e) => e.id), at: T });
    out.push(assembleFeatures({ user: ds.users.get(userId)!, events: candidates, context: { at: T, surface: 'web' }, snapshot, catalog: ds.events, textCache }));
  }
  return out;
}

const rows = (batches: RawFeatureBatch[]) => batches.flatMap((b) => Array.from({ length: b.rows }, (_, r) => batchRow(b, r)));

/** Feature names whose value differs on at least one row. */
function changedFeatures(a: RawFeatureBatch[], b: RawFeatureBatch[]): string[] {
  const ra = rows(a);
  const rb = rows(b);
  return FEATURES.map((d) => d.name).filter((name) => ra.some((row, i) => JSON.stringify(row[name]) !== JSON.stringify(rb[i][name])));
}

/** Every feature that reads activity (and so could leak). */
const ACTIVITY_FEATURES = [
  'user.registrations', 'user.positives', 'user.clicks', 'user.dismissed', 'user.days_since_last_positive', 'user.category_shares',
  'user.price_level_usd', 'event.registrations', 'event.registrations_1d', 'event.registrations_7d', 'event.capacity_fill',
  'event.impressions', 'event.ctr', 'event.host_registrations', 'user_event.popularity_gap', 'user_event.prior_engagement',
  'user_event.host_registrations', 'user_event.category_affinity', 'user_event.text_similarity', 'social.friends_registered',
  'social.friends_registered_share', 'social.invites',
];

describe('point-in-time correctness', () => {
  it('gives identical features after appending interactions at or after T', async () => {
    expect(probeUsers.length).toBe(8);
    const before = await featuresAt(world, new ReplayActivity(world));
    const after = await featuresAt(withFuture, new ReplayActivity(withFuture));
    expect(changedFeatures(before, after)).toEqual([]);
    expect(rows(after)).toEqual(rows(before));
  });

  it('catches a leaky reader: every activity feature moves when the future leaks in', async () => {
    const honest = await featuresAt(world, new ReplayActivity(world));
    const leaked = await featuresAt(withFuture, new LeakyReader(new ReplayActivity(withFuture)));
    const changed = changedFeatures(honest, leaked);
    expect(ACTIVITY_FEATURES.filter((f) => !changed.includes(f))).toEqual([]);
  });

  it('materialises the same training rows before T whatever happens after T', async () => {
    const collect = async (ds: FeatureDataset) => {
      const examples = listTrainingExamples(ds.interactions, { until: T });
      const out: unknown[] = [];
      for await (const g of materialiseExamples(ds, examples)) out.push(g.examples, rows([g.batch]));
      return out;
    };
    const a = await collect(world);
    expect(a.length).toBeGreaterThan(100);
    expect(await collect(withFuture)).toEqual(a);
  });
});
