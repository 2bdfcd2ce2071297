/**
 * The ranking API end to end on a real (tiny) trained bundle and the embedded store, through
 * fastify.inject: every endpoint's bad inputs, auth, limits, and the behaviours the issue asks
 * for — read-your-writes, a new event searchable at once, a deleted one gone, cursor paging over
 * one list, unknown users, re-ranking, attribution in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MS_PER_DAY, MS_PER_HOUR, type Event, type Interaction } from '@evrec/core';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { ServingHandle } from './boot.ts';
import type { RecommendationsResponse } from './engine.ts';
import { createServer } from './server.ts';
import { TEST_API_KEY, buildTestWorld, removeTestWorld, startTestServing, testConfig, type TestWorld } from './test-world.fixture.ts';

let world: TestWorld;
let h: ServingHandle;
let app: FastifyInstance;
/** Request time: an hour after the end of the data. */
let T: number;
const key = { 'x-api-key': TEST_API_KEY };
let seq = 0;

beforeAll(async () => {
  world = await buildTestWorld();
  h = await startTestServing(world);
  app = h.app;
  T = world.at + MS_PER_HOUR;
});

afterAll(async () => {
  await h?.close();
  await removeTestWorld(world);
});

async function call(o: InjectOptions): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await app.inject(o);
  return { status: r.statusCode, body: r.body === '' ? {} : (JSON.parse(r.body) as Record<string, unknown>) };
}

async function recs(userId: string, query = ''): Promise<RecommendationsResponse> {
  const r = await call({ method: 'GET', url: `/v1/users/${encodeURIComponent(userId)}/recommendations?at=${T}${query}` });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as unknown as RecommendationsResponse;
}

async function feedback(interactions: Interaction[], headers: Record<string, string> = key): Promise<{ status: number; body: Record<string, unknown> }> {
  return call({ method: 'POST', url: '/v1/feedback', headers, payload: { interactions } });
}

/** The first dataset user whose list holds at least `min` items. */
async function userWithItems(min: number, skip: ReadonlySet<string> = new Set()): Promise<{ userId: string; list: RecommendationsResponse }> {
  for (const userId of world.dataset.users.keys()) {
    if (skip.has(userId)) continue;
    const list = await recs(userId, '&limit=50');
    if (list.items.length >= min) return { userId, list };
  }
  throw new Error(`no user with ${min} recommendations`);
}

function expectError(r: { status: number; body: Record<string, unknown> }, status: number, code: string, field?: string | RegExp): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const e = r.body.error as { code: string; message: string; field?: string };
  expect(e.code).toBe(code);
  expect(typeof e.message).toBe('string');
  expect(e.message.length).toBeGreaterThan(5);
  if (field instanceof RegExp) expect(e.field).toMatch(field);
  else if (field !== undefined) expect(e.field).toBe(field);
}

const interaction = (o: Partial<Interaction> & Pick<Interaction, 'userId' | 'eventId' | 'type'>): Interaction => ({ id: `t-${++seq}`, at: T - 60_000, ...o });

describe('bad input is a 4xx with a JSON message naming the problem', () => {
  it('GET recommendations: wrong types, ranges, unknown parameters, bad cursors, long ids', async () => {
    const u = '/v1/users/u1/recommendations';
    expectError(await call({ method: 'GET', url: `${u}?limit=ten` }), 400, 'INVALID_INPUT', 'query.limit');
    expectError(await call({ method: 'GET', url: `${u}?limit=101` }), 400, 'INVALID_INPUT', 'query.limit');
    expectError(await call({ method: 'GET', url: `${u}?lat=95&lng=0` }), 400, 'INVALID_INPUT', 'query.lat');
    expectError(await call({ method: 'GET', url: `${u}?lat=40` }), 400, 'INVALID_INPUT', 'query.lng');
    expectError(await call({ method: 'GET', url: `${u}?at=tomorrow` }), 400, 'INVALID_INPUT', 'query.at');
    expectError(await call({ method: 'GET', url: `${u}?surface=fax` }), 400, 'INVALID_INPUT', 'query.surface');
    expectError(await call({ method: 'GET', url: `${u}?free=maybe` }), 400, 'INVALID_INPUT', 'query.free');
    expectError(await call({ method: 'GET', url: `${u}?colour=red` }), 400, 'INVALID_INPUT', 'query.colour');
    expectError(await call({ method: 'GET', url: `${u}?cursor=nonsense` }), 400, 'INVALID_INPUT', 'query.cursor');
    expectError(await call({ method: 'GET', url: `${u}?at=${T}&to=${T - 1}` }), 400, 'INVALID_INPUT', 'query.to');
    expectError(await call({ method: 'GET', url: `/v1/users/${'x'.repeat(300)}/recommendations` }), 400, 'INVALID_INPUT', 'params.userId');
  });

  it('POST /v1/rank: missing, extra, wrongly typed fields, duplicates, unknown ids, bad JSON, media type, size', async () => {
    const known = [...world.dataset.events.keys()].slice(0, 2);
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: { eventIds: known } }), 400, 'INVALID_INPUT', 'body.userId');
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: 'e1' } }), 400, 'INVALID_INPUT', 'body.eventIds');
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: known, mode: 'fast' } }), 400, 'INVALID_INPUT', 'body.mode');
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: [known[0], known[0]] } }), 400, 'INVALID_INPUT', 'body.eventIds[1]');
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: known, context: { lat: 'north', lng: 0 } } }), 400, 'INVALID_INPUT', 'body.context.lat');
    const unknown = await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: [known[0], 'no-such-event', 'nor-this'] } });
    expectError(unknown, 404, 'NOT_FOUND', 'body.eventIds[1]');
    expect((unknown.body.error as { message: string }).message).toContain('no-such-event, nor-this');
    expectError(await call({ method: 'POST', url: '/v1/rank', headers: { 'content-type': 'application/json' }, payload: '{"userId": "u1", ' }), 400, 'INVALID_INPUT', 'body');
    expectError(await call({ method: 'POST', url: '/v1/rank', headers: { 'content-type': 'text/plain' }, payload: 'rank please' }), 415, 'INVALID_INPUT', 'body');
    const huge = { userId: 'u1', eventIds: known, context: { locale: 'x'.repeat(300 * 1024) } };
    expectError(await call({ method: 'POST', url: '/v1/rank', payload: huge }), 413, 'TOO_LARGE', 'body');
  });

  it('POST /v1/feedback: key required, batch limit, per-item fields named, bad JSON, size', async () => {
    const ok = interaction({ userId: 'u1', eventId: 'e1', type: 'click' });
    expectError(await feedback([ok], {}), 401, 'UNAUTHORIZED');
    expectError(await feedback([ok], { 'x-api-key': 'wrong-key-123456' }), 401, 'UNAUTHORIZED');
    expectError(await feedback(Array.from({ length: 101 }, (_, i) => ({ ...ok, id: `big-${i}` }))), 413, 'TOO_LARGE', 'body.interactions');
    expectError(await call({ method: 'POST', url: '/v1/feedback', headers: key, payload: {} }), 400, 'INVALID_INPUT', 'body.interactions');
    expectError(await call({ method: 'POST', url: '/v1/feedback', headers: key, payload: { interactions: [ok], extra: true } }), 400, 'INVALID_INPUT', 'body.extra');
    const { at: _at, ...noAt } = ok;
    expectError(await call({ method: 'POST', url: '/v1/feedback', headers: key, payload: { interactions: [noAt] } }), 400, 'INVALID_INPUT', 'body.interactions[0].at');
    expectError(await feedback([ok, { ...ok, id: 'x2', at: 'yesterday' as unknown as number }]), 400, 'INVALID_INPUT', 'body.interactions[1].at');
    expectError(await feedback([{ ...ok, type: 'like' as Interaction['type'] }]), 400, 'INVALID_INPUT', 'body.interactions[0].type');
    expectError(await feedback([{ ...ok, colour: 'red' } as Interaction]), 400, 'INVALID_INPUT', 'body.interactions[0].colour');
    expectError(await call({ method: 'POST', url: '/v1/feedback', headers: { ...key, 'content-type': 'application/json' }, payload: '[{]' }), 400, 'INVALID_INPUT', 'body');
    expectError(await call({ method: 'POST', url: '/v1/feedback', headers: { ...key, 'content-type': 'application/json' }, payload: '' }), 400, 'INVALID_INPUT', 'body');
    expectError(await feedback([{ ...ok, recommendationId: 'r'.repeat(400 * 1024) }]), 413, 'TOO_LARGE', 'body');
    // A rejected batch applied nothing: the valid first item is still new.
    const r = await feedback([ok]);
    expect(r.body).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('PUT/DELETE events, PUT users and friends: key, ids, fields', async () => {
    const ev = { title: 'x', startsAt: T + MS_PER_DAY };
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', payload: ev }), 401, 'UNAUTHORIZED');
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', headers: key, payload: { ...ev, id: 'other' } }), 400, 'INVALID_INPUT', 'body.id');
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', headers: key, payload: { ...ev, lat: 100, lng: 0 } }), 400, 'INVALID_INPUT', 'body.lat');
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', headers: key, payload: { ...ev, startsAt: 'soon' } }), 400, 'INVALID_INPUT', 'body.startsAt');
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', headers: key, payload: { ...ev, venue: 'pub' } }), 400, 'INVALID_INPUT', 'body.venue');
    expectError(await call({ method: 'PUT', url: '/v1/events/new-1', headers: key, payload: [ev] }), 400, 'INVALID_INPUT', 'body');
    expectError(await call({ method: 'DELETE', url: '/v1/events/new-1' }), 401, 'UNAUTHORIZED');
    expectError(await call({ method: 'DELETE', url: '/v1/events/never-existed', headers: key }), 404, 'NOT_FOUND', 'params.eventId');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1', payload: { language: 'en' } }), 401, 'UNAUTHORIZED');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1', headers: key, payload: { gender: 'robot' } }), 400, 'INVALID_INPUT', 'body.gender');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1', headers: key, payload: { nickname: 'x' } }), 400, 'INVALID_INPUT', 'body.nickname');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1/friends', headers: key, payload: { friendIds: 'u2' } }), 400, 'INVALID_INPUT', 'body.friendIds');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1/friends', headers: key, payload: { friendIds: ['u2', 'nu1'] } }), 400, 'INVALID_INPUT', 'body.friendIds[1]');
    expectError(await call({ method: 'PUT', url: '/v1/users/nu1/friends', payload: { friendIds: [] } }), 401, 'UNAUTHORIZED');
    expectError(await call({ method: 'GET', url: '/v1/recommendations/nope/attribution' }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'GET', url: '/v1/nothing-here' }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'POST', url: '/v1/bundle/reload' }), 401, 'UNAUTHORIZED');
  });

  it('accepts the key as a Bearer token, and requires it on reads when configured', async () => {
    const r = await feedback([interaction({ userId: 'u1', eventId: 'e1', type: 'impression' })], { authorization: `Bearer ${TEST_API_KEY}` });
    expect(r.status).toBe(200);
    const strict = await createServer({ engine: h.engine, api: { ...testConfig(world).api, apiKeyOnReads: true }, docs: false });
    try {
      const anon = await strict.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}` });
      expect(anon.statusCode).toBe(401);
      expect(JSON.parse(anon.body).error.code).toBe('UNAUTHORIZED');
      expect((await strict.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}`, headers: key })).statusCode).toBe(200);
      expect((await strict.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('rate-limits when configured, with the JSON error shape', async () => {
    const limited = await createServer({ engine: h.engine, api: { ...testConfig(world).api, rateLimitPerMinute: 2 }, docs: false });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await limited.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}` })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      const r = await limited.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}` });
      expect(JSON.parse(r.body).error.code).toBe('RATE_LIMITED');
      expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('recommendations', () => {
  it('returns a ranked, explained list with per-stage timings', async () => {
    const { list } = await userWithItems(3);
    expect(list.modelVersion).toBe(world.version);
    expect(list.degraded).toBe(false);
    expect(list.recommendationId).toMatch(new RegExp(`^[0-9a-f]{16}\\.${world.version}$`));
    list.items.forEach((it, i) => {
      expect(it.position).toBe(i);
      expect(it.score).toBeGreaterThanOrEqual(0);
      expect(it.score).toBeLessThanOrEqual(1);
      expect(Array.isArray(it.reasons)).toBe(true);
      const e = world.dataset.events.get(it.eventId) as Event;
      expect(it.event.title).toBe(e.title ?? null);
      expect(e.startsAt ?? 0).toBeGreaterThanOrEqual(T);
      expect(e.startsAt ?? Infinity).toBeLessThanOrEqual(T + 30 * MS_PER_DAY);
    });
    const r = await app.inject({ method: 'GET', url: `/v1/users/u1/recommendations?at=${T}` });
    const timing = String(r.headers['server-timing']);
    for (const stage of ['user', 'embed', 'retrieval', 'features', 'rank', 'post', 'total']) expect(timing).toMatch(new RegExp(`(^|, )${stage};dur=`));
  });

  it('pages through ONE ranked list with the cursor', async () => {
    const { userId, list: full } = await userWithItems(5);
    const first = await recs(userId, '&limit=2');
    const ids: string[] = first.items.map((i) => i.eventId);
    let cursor = first.nextCursor;
    let pages = 1;
    while (cursor !== null) {
      const r = await call({ method: 'GET', url: `/v1/users/${userId}/recommendations?limit=2&cursor=${cursor}` });
      expect(r.status).toBe(200);
      const page = r.body as unknown as RecommendationsResponse;
      expect(page.recommendationId).toBe(first.recommendationId);
      ids.push(...page.items.map((i) => i.eventId));
      cursor = page.nextCursor;
      pages++;
    }
    expect(pages).toBe(Math.ceil(first.total / 2));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(full.items.map((i) => i.eventId).slice(0, ids.length));
    expect(ids.length).toBe(first.total);
    // Another user cannot continue it.
    const other = await call({ method: 'GET', url: `/v1/users/someone-else/recommendations?cursor=${first.nextCursor}` });
    expectError(other, 400, 'INVALID_INPUT', 'query.cursor');
  });

  it('gives an unknown user a context-and-popularity list, not an error', async () => {
    const some = [...world.dataset.events.values()].find((e) => e.lat !== undefined && (e.startsAt ?? 0) > T && (e.startsAt ?? 0) < T + 20 * MS_PER_DAY) as Event;
    const r = await recs('nobody-knows-me', `&lat=${some.lat}&lng=${some.lng}`);
    expect(r.items.length).toBeGreaterThan(0);
    for (const it of r.items) expect(it.sources).not.toContain('ann');
  });

  it('sees feedback at once: a registration removes the event ("already registered"), attribution is counted', async () => {
    const { userId, list } = await recs('u0').then(async () => userWithItems(2));
    const target = list.items[0];
    const reg = interaction({ userId, eventId: target.eventId, type: 'register', recommendationId: list.recommendationId, position: 0, revenue: 12, currency: 'USD' });
    const imp = interaction({ userId, eventId: target.eventId, type: 'impression', recommendationId: list.recommendationId, position: 0 });
    const r = await feedback([imp, reg]);
    expect(r.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const after = await recs(userId, '&limit=50');
    expect(after.items.map((i) => i.eventId)).not.toContain(target.eventId);
    // The same batch again is a no-op (idempotent ids), attribution unchanged.
    expect((await feedback([imp, reg])).body).toMatchObject({ accepted: 0, duplicates: 2 });
    const a = await call({ method: 'GET', url: `/v1/recommendations/${list.recommendationId}/attribution` });
    expect(a.body).toEqual({ recommendationId: list.recommendationId, modelVersion: world.version, impressions: 1, clicks: 0, registrations: 1, revenueUsd: 12 });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(new RegExp(`evrec_attributed_interactions_total\\{model_version="${world.version}",type="register"\\} 1\\b`));
    expect(metrics).toMatch(new RegExp(`evrec_attributed_revenue_usd_total\\{model_version="${world.version}"\\} 12\\b`));
    expect(metrics).toMatch(/evrec_feedback_interactions_total\{type="register",result="duplicate"\} 1\b/);
  });

  it("shows a friend's registration as a reason (friends source)", async () => {
    const { userId, list } = await userWithItems(2);
    const target = list.items[list.items.length - 1];
    const friend = `friend-of-${userId}`;
    expect((await call({ method: 'PUT', url: `/v1/users/${userId}/friends`, headers: key, payload: { friendIds: [friend] } })).body).toEqual({ userId, friends: 1 });
    await feedback([interaction({ userId: friend, eventId: target.eventId, type: 'register' })]);
    const after = await recs(userId, '&limit=50');
    const item = after.items.find((i) => i.eventId === target.eventId);
    expect(item?.sources).toContain('friends');
    expect(item?.reasons[0]).toEqual({ code: 'friends_going', text: '1 friend going', value: 1 });
  });
});

describe('catalogue changes take effect at once', () => {
  it('a new event is embedded and searchable immediately; a deleted one disappears', async () => {
    const { userId, list } = await userWithItems(1);
    const near = world.dataset.events.get(list.items[0].eventId) as Event;
    const fresh: Event = { ...near, id: 'brand-new-event', title: `${near.title ?? ''} (new edition)`, startsAt: T + 2 * MS_PER_DAY, createdAt: T - MS_PER_HOUR, status: 'scheduled' };
    const { id: _id, ...body } = fresh;
    const put = await call({ method: 'PUT', url: `/v1/events/${fresh.id}`, headers: key, payload: body });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ eventId: fresh.id, created: true, indexed: true, modelVersion: world.version });
    expect(h.bundles.current.index.has(fresh.id)).toBe(true);
    const after = await recs(userId, '&limit=100');
    const item = after.items.find((i) => i.eventId === fresh.id);
    expect(item, 'the new event is recommended').toBeDefined();
    expect(item?.sources).toContain('ann');
    // Updating it again is a 200, not a 201.
    expect((await call({ method: 'PUT', url: `/v1/events/${fresh.id}`, headers: key, payload: { ...body, title: 'renamed' } })).status).toBe(200);

    const del = await call({ method: 'DELETE', url: `/v1/events/${fresh.id}`, headers: key });
    expect(del.body).toEqual({ eventId: fresh.id, status: 'cancelled' });
    expect(h.bundles.current.index.has(fresh.id)).toBe(false);
    expect((await recs(userId, '&limit=100')).items.map((i) => i.eventId)).not.toContain(fresh.id);
    // A cursor made before the deletion skips it too.
    expect((await call({ method: 'DELETE', url: `/v1/events/${fresh.id}`, headers: key })).status).toBe(200);
  });

  it('a new user with a profile gets personal (ANN) recommendations', async () => {
    const { list } = await userWithItems(1);
    const e = world.dataset.events.get(list.items[0].eventId) as Event;
    const put = await call({ method: 'PUT', url: '/v1/users/brand-new-user', headers: key, payload: { language: e.language ?? 'en', lat: e.lat ?? 0, lng: e.lng ?? 0, interests: ['x'] } });
    expect(put.status).toBe(201);
    const r = await recs('brand-new-user');
    expect(r.items.some((i) => i.sources.includes('ann'))).toBe(true);
  });
});

describe('re-rank mode', () => {
  it('ranks the given events by score; unknown ones last when asked', async () => {
    const ids = [...world.dataset.events.keys()].slice(0, 6);
    const r = await call({ method: 'POST', url: '/v1/rank', payload: { userId: 'u1', eventIds: [...ids, 'ghost'], context: { at: T }, onUnknown: 'last' } });
    expect(r.status).toBe(200);
    const items = r.body.items as Array<{ eventId: string; score: number | null; position: number; known: boolean }>;
    expect(items.map((i) => i.eventId).sort()).toEqual([...ids, 'ghost'].sort());
    expect(items[items.length - 1]).toEqual({ eventId: 'ghost', position: 6, score: null, known: false });
    const scores = items.slice(0, 6).map((i) => i.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(r.body.unknownEventIds).toEqual(['ghost']);
  });
});

describe('operations', () => {
  it('health, readiness, metrics, OpenAPI and docs', async () => {
    expect((await call({ method: 'GET', url: '/healthz' })).body).toEqual({ status: 'ok' });
    const ready = await call({ method: 'GET', url: '/readyz' });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, bundle: { version: world.version }, store: { kind: 'memory', ok: true } });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of ['evrec_stage_duration_seconds_bucket{le="0.005",stage="retrieval"}', 'evrec_candidates_count{source="ann"}', 'evrec_errors_total{code="INVALID_INPUT"}', 'evrec_http_request_duration_seconds', `evrec_bundle_info{version="${world.version}"} 1`]) {
      expect(metrics).toContain(name);
    }
    const spec = (await call({ method: 'GET', url: '/openapi.json' })).body as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/users/{userId}/recommendations', '/v1/rank', '/v1/feedback', '/v1/events/{eventId}', '/v1/users/{userId}/friends']));
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});
