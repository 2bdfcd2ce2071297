/**
 * Trains the two towers for real on a small synthetic world (about 1,100 training positives over
 * 600 events in 18 cities) through the bundle entry point, then checks quality against the random
 * baseline, the content path for a never-seen event, save/load and train/serve consistency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle, type Event } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle, type EmbeddingsComponent, type TrainEmbeddingsIntoBundleResult } from './bundle.ts';
import { TwoTowerModel } from './model.ts';
import { buildPairSet, historyAt } from './pairs.ts';

let root: string;
let ds: InMemoryDataset;
let result: TrainEmbeddingsIntoBundleResult;
let component: EmbeddingsComponent;

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);
const row = (c: EmbeddingsComponent, i: number): Float32Array => c.eventVectors.subarray(i * c.meta.dims, (i + 1) * c.meta.dims);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'evrec-embeddings-'));
  await generateWorld({ preset: 'tiny', users: 500, events: 600, seed: 3, outDir: join(root, 'world') });
  ds = await loadDataset(join(root, 'world'));
  result = await trainEmbeddingsIntoBundle({
    data: ds,
    artifactsDir: join(root, 'artifacts'),
    train: { epochs: 5, batchSize: 128, seed: 11 },
  });
  component = await loadEmbeddingsComponent(await openBundle(join(root, 'artifacts')));
});

afterAll(async () => {
  component?.model.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('two-tower training on a synthetic world', () => {
  it('beats the random baseline on validation recall@50 by a wide margin', () => {
    const m = result.metrics;
    expect(m.val_cases).toBeGreaterThan(50);
    expect(m['random_recall@50']).toBeLessThan(0.4);
    expect(m['recall@50']).toBeGreaterThan(m['random_recall@50'] + 0.3);
    expect(m['recall@10']).toBeGreaterThan(2 * m['random_recall@10']);
  });

  it('publishes the component with vectors for every event and user', () => {
    expect(result.version).toBeDefined();
    expect(component.meta).toMatchObject({ dims: 64, dataset: ds.manifest.name, events: ds.events.size, users: ds.users.size, vectorFormat: 'float32-le' });
    expect(component.eventVectors.length).toBe(ds.events.size * 64);
    expect(component.userVectors.length).toBe(ds.users.size * 64);
    for (let i = 0; i < 20; i++) expect(Math.hypot(...row(component, i))).toBeCloseTo(1, 5);
  });

  it('places a never-seen event by its content, among similar events', () => {
    const model = component.model;
    // The most registered in-person training event that has a sibling (same city and category).
    const counts = new Map<string, number>();
    for (const x of ds.interactions) if (x.type === 'register') counts.set(x.eventId, (counts.get(x.eventId) ?? 0) + 1);
    const events = [...ds.events.values()];
    const [source, sibling] = [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([id]) => ds.events.get(id) as Event)
      .filter((e) => e.online !== true)
      .map((e) => [e, events.find((o) => o.id !== e.id && o.city === e.city && o.category === e.category)] as const)
      .filter((pair): pair is readonly [Event, Event] => pair[1] !== undefined)[0];
    // A new event: unseen id, the sibling's text, a week later than the source.
    const fresh: Event = { ...source, id: 'never-seen-event', title: sibling.title, description: sibling.description, startsAt: (source.startsAt ?? 0) + 7 * 86_400_000 };
    expect(model.knownEventIds.has(source.id)).toBe(true);
    expect(model.knownEventIds.has(fresh.id)).toBe(false);

    const [v] = model.embedEvents([fresh]);
    expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    const sims = component.eventIds.map((id, i) => ({ id, sim: dot(v, row(component, i)) })).sort((a, b) => b.sim - a.sim);
    expect(sims.findIndex((s) => s.id === source.id)).toBeLessThan(10);
    // Its nearest neighbours are mostly events of the same city (at most ~12% of all events are).
    const sameCity = sims.slice(0, 10).filter((s) => ds.events.get(s.id)?.city === source.city).length;
    expect(events.filter((e) => e.city === source.city).length / events.length).toBeLessThan(0.15);
    expect(sameCity).toBeGreaterThanOrEqual(7);
  });

  it('saves and loads to identical vectors', async () => {
    // `component.model` was loaded from the bundle; the vectors beside it came from the trained model.
    const events = [...ds.events.values()];
    const loaded = component.model.embedEvents(events);
    loaded.forEach((v, i) => expect(v).toEqual(row(component, i)));
    const dir = join(root, 'resaved');
    await component.model.save(dir);
    const again = await TwoTowerModel.load(dir);
    try {
      const user = ds.users.values().next().value;
      const input = { user, history: events.slice(0, 5), context: { at: 1_767_000_000_000 } };
      expect(again.embedUser(input)).toEqual(component.model.embedUser(input));
      expect(again.embedEvents(events.slice(0, 50))).toEqual(loaded.slice(0, 50));
    } finally {
      again.dispose();
    }
  });

  it('gives embedUser (the serving path) the exported vector of a known user', () => {
    const model = component.model;
    const until = component.meta.until;
    const replay = buildPairSet(ds, { until, positiveTypes: ['register', 'attend'], historyTypes: model.architecture.historyTypes, historyCap: model.architecture.historyCap, validFraction: 0 }).activity;
    let checked = 0;
    component.userIds.forEach((id, i) => {
      if (i % 25 !== 0) return;
      const { history } = historyAt(replay, id, until, new Set(model.architecture.historyTypes), model.architecture.historyCap);
      const v = model.embedUser({ user: ds.users.get(id), history: history.map((e) => ds.events.get(e) as Event), context: { at: until } });
      const exported = component.userVectors.subarray(i * 64, (i + 1) * 64);
      for (let k = 0; k < 64; k++) expect(v[k]).toBeCloseTo(exported[k], 5);
      checked++;
    });
    expect(checked).toBe(20);
  });
});
