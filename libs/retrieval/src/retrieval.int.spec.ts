import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, openBundle, type Event } from '@evrec/core';
import { generateWorld, loadDataset, type InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent, trainEmbeddingsIntoBundle, type EmbeddingsComponent } from '@evrec/embeddings';
import { buildIndexIntoBundle, loadAnnComponent } from './build-index.ts';
import { isLiveAt, liveEventsAt } from './live.ts';
import { ReplayRetrieval } from './replay.ts';
import { sourceList } from './retrieve.ts';

/** Trains tiny embeddings, builds the index into the bundle, and retrieves through a replay of the moment. */
const root = await mkdtemp(join(tmpdir(), 'evrec-retrieval-int-'));
const artifacts = join(root, 'artifacts');
let ds: InMemoryDataset;
let at: number;
let emb: EmbeddingsComponent | undefined;

beforeAll(async () => {
  await generateWorld({ outDir: join(root, 'world'), preset: 'tiny', seed: 11 });
  ds = await loadDataset(join(root, 'world'));
  at = Date.UTC(2026, 0, 5) + 16 * MS_PER_DAY;
  await trainEmbeddingsIntoBundle({ data: ds, artifactsDir: artifacts, until: at, train: { epochs: 2 } });
});

afterAll(async () => {
  emb?.model.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('index build and retrieval on a trained tiny world', () => {
  it('indexes exactly the events live at T into the bundle and publishes it', async () => {
    const result = await buildIndexIntoBundle({ artifactsDir: artifacts, data: ds, at });
    const live = liveEventsAt(ds.events.values(), at, 30);
    expect(live.length).toBeGreaterThan(10);
    expect(result.meta).toMatchObject({ at, horizonDays: 30, count: live.length, M: 16, efConstruction: 200, ef: 100, embedded: 0 });
    expect(result.version).toBeDefined();
    const bundle = await openBundle(artifacts);
    expect(bundle.version).toBe(result.version);
    const { index, meta } = await loadAnnComponent(bundle);
    expect(meta.count).toBe(live.length);
    expect([...index.liveIds()].sort()).toEqual(live.map((e) => e.id).sort());
  });

  it('recommends live, unregistered events, and serves a new event the moment it is added', async () => {
    const bundle = await openBundle(artifacts);
    const { index } = await loadAnnComponent(bundle);
    emb = await loadEmbeddingsComponent(bundle);
    const session = await ReplayRetrieval.open({ dataset: ds, embeddings: emb, index, at });
    // A user with registrations before T and a known home.
    const userId = [...new Set(ds.interactions.filter((x) => x.type === 'register' && x.at < at).map((x) => x.userId))].find(
      (u) => ds.users.get(u)?.lat !== undefined,
    );
    expect(userId).toBeDefined();
    const r = await session.retrieve({ userId });
    expect(r.counts.ann).toBeGreaterThan(0);
    const registered = new Set(r.userActivity.registeredEventIds);
    for (const c of r.candidates) {
      const e = ds.events.get(c.eventId);
      expect(e !== undefined && isLiveAt(e, at, 30)).toBe(true);
      expect(registered.has(c.eventId)).toBe(false);
    }

    // A brand-new event next to the user's home, published an hour ago: embedded by the event tower.
    const home = ds.users.get(userId ?? '');
    const template = ds.events.get(sourceList(r.candidates, 'ann')[0]) as Event;
    const fresh: Event = { ...template, id: 'fresh-event', createdAt: at - MS_PER_HOUR, startsAt: at + 2 * MS_PER_DAY, lat: home?.lat, lng: home?.lng, online: false };
    session.catalog.upsert(fresh);
    expect(index.has('fresh-event')).toBe(true);
    const after = await session.retrieve({ userId });
    const c = after.candidates.find((x) => x.eventId === 'fresh-event');
    expect(c?.sources).toContain('ann');
    expect(c?.sources).toContain('new');

    session.catalog.delete('fresh-event');
    const gone = await session.retrieve({ userId });
    expect(gone.candidates.map((x) => x.eventId)).not.toContain('fresh-event');
  });
});
