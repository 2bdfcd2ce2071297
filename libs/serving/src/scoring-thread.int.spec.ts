/**
 * The ranker's forward pass on a worker thread: the same scores as on the serving thread, for
 * recommendations and re-ranking, and the serving thread takes over when the thread dies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_HOUR } from '@evrec/core';
import type { ServingHandle } from './boot.ts';
import type { RankResponse, RecommendationsResponse } from './engine.ts';
import { isIndexable } from './serving-bundle.ts';
import { TEST_API_KEY, buildTestWorld, removeTestWorld, startTestServing, testConfig, type TestWorld } from './test-world.fixture.ts';

let world: TestWorld;
let T: number;
let onThread: ServingHandle;
let onServingThread: ServingHandle;

beforeAll(async () => {
  world = await buildTestWorld(11);
  T = world.at + MS_PER_HOUR;
  onThread = await startTestServing(world, { config: testConfig(world, { scoringThread: true }) });
  onServingThread = await startTestServing(world, { config: testConfig(world, { scoringThread: false }) });
});

afterAll(async () => {
  await onThread?.close();
  await onServingThread?.close();
  await removeTestWorld(world);
});

async function list(h: ServingHandle, userId: string): Promise<RecommendationsResponse> {
  const r = await h.app.inject({ method: 'GET', url: `/v1/users/${userId}/recommendations?at=${T}&limit=50` });
  expect(r.statusCode).toBe(200);
  return JSON.parse(r.body) as RecommendationsResponse;
}

function scoresById(l: RecommendationsResponse): Map<string, number> {
  return new Map(l.items.map((i) => [i.eventId, i.score]));
}

describe('scoring thread', () => {
  it('is used when asked for, and not otherwise', () => {
    expect(onThread.scoringThread?.alive).toBe(true);
    expect(onThread.bundles.current.loadInfo.scoringThread).toBe(true);
    expect(onServingThread.scoringThread).toBeUndefined();
    expect(onServingThread.bundles.current.loadInfo.scoringThread).toBe(false);
  });

  it('scores recommendations and re-ranking exactly as the serving thread does', async () => {
    let compared = 0;
    const rowsBefore = onThread.scoringThread?.rowsScored ?? 0;
    for (const userId of [...world.dataset.users.keys()].slice(0, 8)) {
      const a = await list(onThread, userId);
      const b = await list(onServingThread, userId);
      expect(a.items.map((i) => i.eventId)).toEqual(b.items.map((i) => i.eventId));
      const sb = scoresById(b);
      for (const [id, s] of scoresById(a)) expect(s).toBeCloseTo(sb.get(id) ?? NaN, 5);
      compared += a.items.length;
      if (a.items.length < 2) continue;
      const ids = a.items.map((i) => i.eventId).reverse();
      const payload = { userId, eventIds: ids, context: { at: T } };
      const ra = JSON.parse((await onThread.app.inject({ method: 'POST', url: '/v1/rank', payload })).body) as RankResponse;
      const rb = JSON.parse((await onServingThread.app.inject({ method: 'POST', url: '/v1/rank', payload })).body) as RankResponse;
      expect(ra.items.map((i) => i.eventId)).toEqual(rb.items.map((i) => i.eventId));
      ra.items.forEach((it, k) => expect(it.score).toBeCloseTo(rb.items[k].score ?? NaN, 5));
    }
    expect(compared).toBeGreaterThan(20);
    // The thread really did the scoring (a failing thread would have been replaced silently).
    expect((onThread.scoringThread?.rowsScored ?? 0) - rowsBefore).toBeGreaterThanOrEqual(compared);
  });

  it('falls back to the serving thread when the scoring thread dies', async () => {
    const userId = [...world.dataset.users.keys()][0];
    const before = await list(onThread, userId);
    await onThread.scoringThread?.close();
    expect(onThread.scoringThread?.alive).toBe(false);
    const after = await list(onThread, userId);
    expect(after.items.map((i) => i.eventId)).toEqual(before.items.map((i) => i.eventId));
    const sb = scoresById(before);
    for (const [id, s] of scoresById(after)) expect(s).toBeCloseTo(sb.get(id) ?? NaN, 5);
  });
});

describe('shared event text cache', () => {
  it('is warmed with every upcoming event in the background, and a changed event is re-hashed', async () => {
    const h = onServingThread;
    const deadline = Date.now() + 30_000;
    while (!h.bundles.textCacheWarmUp.finished && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(h.bundles.textCacheWarmUp.finished).toBe(true);
    const upcoming = [...h.records.values()].filter((e) => isIndexable(e, world.at)).map((e) => e.id);
    expect(upcoming.length).toBeGreaterThan(10);
    expect(h.bundles.textCacheWarmUp.total).toBe(upcoming.length);
    for (const id of upcoming) expect(h.bundles.textCache.has(id)).toBe(true);

    const id = upcoming[0];
    const event = { ...h.records.get(id), id, title: 'A completely new title' };
    const put = await h.app.inject({ method: 'PUT', url: `/v1/events/${id}`, headers: { 'x-api-key': TEST_API_KEY }, payload: event });
    expect(put.statusCode).toBe(200);
    expect(h.bundles.textCache.has(id)).toBe(false);
    const r = await h.app.inject({ method: 'POST', url: '/v1/rank', payload: { userId: [...world.dataset.users.keys()][0], eventIds: [id], context: { at: T } } });
    expect(r.statusCode).toBe(200);
    expect(h.bundles.textCache.has(id)).toBe(true);
  });
});

