import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng, type Event, type Interaction } from '@evrec/core';
import { EventTextCache, ReplayActivity, assembleFeatures, fitFeatureSpec, gatherActivity } from '@evrec/features';
import { fitCalibration } from './calibration.ts';
import { Ranker, type RankerMeta } from './component.ts';
import { DEFAULT_NETWORK, buildLogisticRegression, buildRankerNetwork, inputLayout } from './network.ts';
import { rankCandidates } from './rank-candidates.ts';

const DAY = 86_400_000;
const events = new Map<string, Event>(['e1', 'e2', 'e3', 'e4'].map((id) => [id, { id, title: id, startsAt: 30 * DAY }]));
const log: Interaction[] = [
  { id: 'a', userId: 'x', eventId: 'e3', type: 'register', at: 1 * DAY },
  { id: 'b', userId: 'y', eventId: 'e3', type: 'register', at: 2 * DAY },
  { id: 'c', userId: 'z', eventId: 'e3', type: 'register', at: 3 * DAY },
  { id: 'd', userId: 'x', eventId: 'e2', type: 'register', at: 3 * DAY },
  { id: 'e', userId: 'x', eventId: 'e4', type: 'register', at: 20 * DAY }, // after the request: not popular yet
];
const dataset = { users: new Map([['x', { id: 'x' }]]), events, friends: new Map<string, string[]>(), interactions: log };

/** A ranker whose every weight is 0: every candidate scores the same, so only the tie-break orders them. */
async function constantRanker(): Promise<Ranker> {
  const snapshot = await gatherActivity(new ReplayActivity(dataset), { userId: 'x', eventIds: [...events.keys()], at: 10 * DAY });
  const batch = assembleFeatures({ user: { id: 'x' }, events: [...events.values()], context: { at: 10 * DAY }, snapshot, catalog: events, textCache: new EventTextCache() });
  const spec = fitFeatureSpec([batch]);
  const layout = inputLayout(spec, 0);
  const zero = (m: tf.LayersModel): tf.LayersModel => {
    m.setWeights(m.getWeights().map((w) => tf.zerosLike(w)));
    return m;
  };
  const nn = zero(buildRankerNetwork(layout, { hidden: [4] }, createRng(1)));
  const lr = zero(buildLogisticRegression(layout, 0, createRng(2)));
  const calibration = fitCalibration([0, 1], [0, 1], { method: 'none' });
  const meta: RankerMeta = {
    format: 'evrec-ranker', formatVersion: 1, trainedAt: '', backend: 'cpu', dataset: 'fixture', until: 0, trainEnd: 0, validEnd: 0,
    positives: { register: 1 }, positivesOrigin: 'given', loss: 'focal', network: { ...DEFAULT_NETWORK, hidden: [4] }, layout, towers: null,
    negatives: { impressionRate: 1, randomPerPositive: 1, hardPerPositive: 0 }, featureFingerprint: spec.fingerprint, excludedGroups: [], notes: [],
  };
  return new Ranker(spec, meta, nn, lr, { nn: calibration, lr: calibration }, undefined);
}

describe('rankCandidates', () => {
  it('breaks score ties by point-in-time popularity, then input order; lists each event once; keeps users in first-appearance order', async () => {
    const ranker = await constantRanker();
    try {
      const at = 10 * DAY;
      const ranked = await rankCandidates(ranker, [
        { userId: 'new-user', eventId: 'e1', at },
        { userId: 'new-user', eventId: 'e4', at },
        { userId: 'new-user', eventId: 'e2', at },
        { userId: 'x', eventId: 'e1' }, // default time
        { userId: 'new-user', eventId: 'e3', at },
        { userId: 'new-user', eventId: 'unknown-event', at },
        { userId: 'new-user', eventId: 'e1', at: at + DAY }, // again, later: listed once
      ], { dataset, defaultAt: at });
      expect(ranked.map((r) => r.userId)).toEqual(['new-user', 'x']);
      // e3 has 3 registrations before the request, e2 one; e1, e4 (registered only later) and the unknown event none.
      expect(ranked[0].eventIds).toEqual(['e3', 'e2', 'e1', 'e4', 'unknown-event']);
      expect(new Set(ranked[0].scores).size).toBe(1);
      expect(ranked[0].scores[0]).toBeCloseTo(0.5, 6); // logit 0, no calibration
      expect(ranked[1].eventIds).toEqual(['e1']);
    } finally {
      ranker.dispose();
    }
  });
});
