import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type preHandlerAsyncHookHandler } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { EvrecError, httpStatusFor, isEvrecError, type Config, type ErrorCode, type Logger } from '@evrec/core';
import type { ServingEngine, StageTimings } from './engine.ts';
import {
  EventBodySchema,
  EventIdParamsSchema,
  FeedbackBodySchema,
  FriendsBodySchema,
  MAX_FEEDBACK_BATCH,
  RankBodySchema,
  RecommendationIdParamsSchema,
  RecommendationsQuerySchema,
  UserBodySchema,
  UserIdParamsSchema,
  checkBodyId,
  parseInput,
} from './input.ts';
import { OPENAPI_INFO, ROUTE_DOCS } from './openapi.ts';

/** Who may call a route: anyone (`public`), readers (key only with `apiKeyOnReads`), writers (key whenever one is configured). */
export type RouteAccess = 'public' | 'read' | 'write';

export interface DashboardHooks {
  /** A preHandler that requires the API key (always, when one is configured): put it on every dashboard route. */
  requireApiKey: preHandlerAsyncHookHandler;
}

export interface ServerOptions {
  engine: ServingEngine;
  /** `Config.api`: apiKey, apiKeyOnReads, bodyLimitBytes, rateLimitPerMinute (host/port are used by `listen`). */
  api: Config['api'];
  /** Request logs. Default none. */
  logger?: Logger;
  /**
   * Mounts extra admin UI on the same server, e.g. the BullMQ dashboard (@bull-board/fastify)
   * under `/admin/queues`. Called after the API routes; protect its routes with `hooks.requireApiKey`.
   */
  registerDashboard?: (app: FastifyInstance, hooks: DashboardHooks) => void | Promise<void>;
  /** Serve /openapi.json and the /docs page. Default true. */
  docs?: boolean;
  /** This process's replica id, sent on every response as `x-evrec-replica` (which replica served). Default none (no header). */
  replicaId?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The key a request presents: `x-api-key`, else `Authorization: Bearer <key>`. */
function presentedKey(req: FastifyRequest): string | undefined {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string' && h !== '') return h;
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m !== null) return m[1];
  }
  return undefined;
}

/** Fastify's own 4xx errors (body parsing, limits) → the API's error codes. */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'UNAVAILABLE';
  return 'INVALID_INPUT';
}

function fastifyErrorMessage(e: FastifyError): string {
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case undefined:
      return e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? `body: malformed JSON (${e.message})` : e.message;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body: larger than the ${e.message.match(/\d+/)?.[0] ?? ''} byte limit`.replace('the  byte', 'the');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'body: empty, but Content-Type is application/json';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `body: unsupported Content-Type ${e.message.replace(/^Unsupported Media Type:?\s*/i, '')}; send application/json`;
    default:
      return e.message;
  }
}

function serverTiming(t: StageTimings): string {
  return Object.entries(t)
    .map(([k, v]) => `${k};dur=${v.toFixed(2)}`)
    .join(', ');
}

/**
 * The ranking API as a Fastify instance (not listening; call `listen`, or `inject` in tests).
 * Inputs are validated by zod in the handlers (strict objects; 400 naming the field); the JSON
 * schemas attached to routes document them for /openapi.json and /docs.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { engine, api } = options;
  const m = engine.metrics;
  const app = Fastify({
    ...(options.logger === undefined ? { logger: false } : { loggerInstance: options.logger }),
    bodyLimit: api.bodyLimitBytes,
    return503OnClosing: true,
    // Ids are up to 256 characters (percent-encoded: longer); zod names the field when they are too long.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 4096 },
  }) as unknown as FastifyInstance;
  // zod validates inside the handlers; route schemas are documentation only.
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON only: a text/plain body is a 415, not a string for the validator to puzzle over.
  app.removeContentTypeParser('text/plain');

  const keyDigest = api.apiKey === undefined ? undefined : digest(api.apiKey);
  const checkKey = (req: FastifyRequest): void => {
    if (keyDigest === undefined) return;
    const k = presentedKey(req);
    if (k === undefined) throw new EvrecError('UNAUTHORIZED', 'missing API key: send it as x-api-key or Authorization: Bearer <key>', { field: 'headers.x-api-key' });
    if (!timingSafeEqual(digest(k), keyDigest)) throw new EvrecError('UNAUTHORIZED', 'wrong API key', { field: 'headers.x-api-key' });
  };
  // Replies itself instead of throwing: mounted plugins (bull-board) install their own error
  // handlers, which would turn a thrown UNAUTHORIZED into a 500.
  const requireApiKey: preHandlerAsyncHookHandler = async (req, reply) => {
    try {
      checkKey(req);
    } catch (e) {
      if (!(e instanceof EvrecError)) throw e;
      return reply.code(httpStatusFor(e.code)).send({ error: e.toJSON() });
    }
  };

  const replicaId = options.replicaId;
  app.addHook('onRequest', async (req, reply) => {
    if (replicaId !== undefined) reply.header('x-evrec-replica', replicaId);
    const access = req.routeOptions.config?.access ?? 'public';
    if (access === 'write' || (access === 'read' && api.apiKeyOnReads)) checkKey(req);
  });
  app.addHook('onResponse', async (req, reply) => {
    m.httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler(async (err: FastifyError | EvrecError | Error, req: FastifyRequest, reply: FastifyReply) => {
    let e: EvrecError;
    let status: number;
    if (isEvrecError(err)) {
      e = err;
      status = httpStatusFor(err.code);
    } else {
      const fe = err as FastifyError;
      const s = fe.statusCode;
      if (s !== undefined && s >= 400 && s < 500) {
        status = s;
        e = new EvrecError(codeForStatus(s), fastifyErrorMessage(fe), { field: s === 413 || s === 415 || s === 400 ? 'body' : undefined });
      } else {
        status = 500;
        e = new EvrecError('INTERNAL', 'internal error', { cause: err });
        req.log.error({ err }, 'unhandled error');
      }
    }
    if (status >= 500 && e.code !== 'INTERNAL') req.log.warn({ code: e.code, message: e.message }, 'request failed');
    m.errors.inc({ code: e.code });
    const body: Record<string, unknown> = { code: e.code, message: e.message };
    if (e.field !== undefined) body.field = e.field;
    if (e.details !== undefined) body.details = e.details;
    return reply.status(status).send({ error: body });
  });
  app.setNotFoundHandler(async (req, reply) => {
    m.errors.inc({ code: 'NOT_FOUND' });
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  if (api.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: api.rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => presentedKey(req) ?? req.ip,
      allowList: (req) => (req.routeOptions.config?.access ?? 'public') === 'public',
      errorResponseBuilder: (_req, ctx) => new EvrecError('RATE_LIMITED', `rate limit of ${ctx.max} requests per minute exceeded; retry in ${ctx.after}`),
    });
  }

  const docs = options.docs !== false;
  if (docs) await app.register(swagger, { mode: 'dynamic', openapi: OPENAPI_INFO });

  const schema = (key: string): Record<string, unknown> | undefined => (docs ? ROUTE_DOCS[key] : undefined);

  // ── operations ──
  app.get('/healthz', { config: { access: 'public' }, schema: schema('GET /healthz') }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' }, schema: schema('GET /readyz') }, async (_req, reply) => {
    const r = await engine.readiness();
    return reply.status(r.ready ? 200 : 503).send(r);
  });
  app.get('/metrics', { config: { access: 'public' }, schema: schema('GET /metrics') }, async (_req, reply) => {
    return reply.header('content-type', m.registry.contentType).send(await m.registry.metrics());
  });
  app.get('/v1/bundle', { config: { access: 'read' }, schema: schema('GET /v1/bundle') }, async () => {
    const b = engine.bundles.current;
    return { version: b.version, manifest: { createdAt: b.opened.manifest.createdAt, data: b.opened.manifest.data, components: Object.keys(b.opened.manifest.components) }, load: b.loadInfo, lastReloadError: engine.bundles.lastError?.message ?? null, textCache: { entries: engine.bundles.textCache.size, warmUp: engine.bundles.textCacheWarmUp } };
  });
  app.post('/v1/bundle/reload', { config: { access: 'write' }, schema: schema('POST /v1/bundle/reload') }, async () => {
    const o = await engine.bundles.reload('manual');
    return { result: o.result, version: o.version ?? null, previous: o.previous, error: o.error?.message ?? null, ms: Math.round(o.ms) };
  });

  // ── recommendations ──
  app.get('/v1/users/:userId/recommendations', { config: { access: 'read' }, schema: schema('GET /v1/users/:userId/recommendations') }, async (req, reply) => {
    const { userId } = parseInput(UserIdParamsSchema, req.params, 'params');
    const query = parseInput(RecommendationsQuerySchema, req.query, 'query');
    const { response, timings } = await engine.recommend(userId, query);
    return reply.header('server-timing', serverTiming(timings)).send(response);
  });
  app.post('/v1/rank', { config: { access: 'read' }, schema: schema('POST /v1/rank') }, async (req, reply) => {
    const body = parseInput(RankBodySchema, req.body, 'body');
    const { response, timings } = await engine.rank(body);
    return reply.header('server-timing', serverTiming(timings)).send(response);
  });

  // ── feedback ──
  app.post('/v1/feedback', { config: { access: 'write' }, schema: schema('POST /v1/feedback') }, async (req) => {
    const raw = req.body as { interactions?: unknown } | null;
    if (raw !== null && typeof raw === 'object' && Array.isArray(raw.interactions) && raw.interactions.length > MAX_FEEDBACK_BATCH) {
      throw new EvrecError('TOO_LARGE', `body.interactions: ${raw.interactions.length} items, at most ${MAX_FEEDBACK_BATCH} per request`, { field: 'body.interactions' });
    }
    const body = parseInput(FeedbackBodySchema, req.body, 'body');
    return engine.feedback(body.interactions);
  });
  app.get('/v1/recommendations/:recommendationId/attribution', { config: { access: 'read' }, schema: schema('GET /v1/recommendations/:recommendationId/attribution') }, async (req) => {
    const { recommendationId } = parseInput(RecommendationIdParamsSchema, req.params, 'params');
    return engine.attributionOf(recommendationId);
  });

  // ── catalogue and users ──
  app.put('/v1/events/:eventId', { config: { access: 'write' }, schema: schema('PUT /v1/events/:eventId') }, async (req, reply) => {
    const { eventId } = parseInput(EventIdParamsSchema, req.params, 'params');
    const body = parseInput(EventBodySchema, req.body, 'body');
    checkBodyId(body.id, eventId);
    const r = await engine.upsertEvent({ ...body, id: eventId });
    return reply.status(r.created ? 201 : 200).send(r);
  });
  app.delete('/v1/events/:eventId', { config: { access: 'write' }, schema: schema('DELETE /v1/events/:eventId') }, async (req) => {
    const { eventId } = parseInput(EventIdParamsSchema, req.params, 'params');
    return engine.cancelEvent(eventId);
  });
  app.put('/v1/users/:userId', { config: { access: 'write' }, schema: schema('PUT /v1/users/:userId') }, async (req, reply) => {
    const { userId } = parseInput(UserIdParamsSchema, req.params, 'params');
    const body = parseInput(UserBodySchema, req.body, 'body');
    checkBodyId(body.id, userId);
    const r = await engine.upsertUser({ ...body, id: userId });
    return reply.status(r.created ? 201 : 200).send(r);
  });
  app.put('/v1/users/:userId/friends', { config: { access: 'write' }, schema: schema('PUT /v1/users/:userId/friends') }, async (req) => {
    const { userId } = parseInput(UserIdParamsSchema, req.params, 'params');
    const body = parseInput(FriendsBodySchema, req.body, 'body');
    return engine.setFriends(userId, body.friendIds);
  });

  if (options.registerDashboard !== undefined) await options.registerDashboard(app, { requireApiKey });

  if (docs) {
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  }
  await app.ready();
  return app;
}
