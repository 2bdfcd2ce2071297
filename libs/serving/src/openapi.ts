import { z } from 'zod';
import { ERROR_CODES } from '@evrec/core';
import {
  EventBodySchema,
  EventIdParamsSchema,
  FeedbackBodySchema,
  FriendsBodySchema,
  RankBodySchema,
  RecommendationIdParamsSchema,
  RecommendationsQuerySchema,
  UserBodySchema,
  UserIdParamsSchema,
} from './input.ts';

/**
 * OpenAPI documentation of the routes, generated from the same zod schemas that validate the
 * requests (their input side: query parameters are strings). Responses are described by the
 * schemas below; they document, they do not filter (the server serialises with JSON.stringify).
 */
function json(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>;
}

const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    field: z.string().optional().describe('Dotted path of the offending input, e.g. `query.lat`, `body.interactions[3].at`'),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

const Reason = z.object({
  code: z.enum(['friends_going', 'same_host', 'nearby', 'new', 'popular', 'matches_interests']),
  text: z.string(),
  value: z.number().optional(),
});
const EventView = z.object({
  title: z.string().nullable(),
  startsAt: z.number().nullable().describe('epoch ms'),
  city: z.string().nullable(),
  country: z.string().nullable(),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
  online: z.boolean(),
  price: z.number().nullable(),
  currency: z.string().nullable(),
  category: z.string().nullable(),
  language: z.string().nullable(),
  hostId: z.string().nullable(),
});
const Recommendations = z.object({
  recommendationId: z.string().describe('Send it back with feedback for attribution'),
  modelVersion: z.string(),
  degraded: z.boolean().describe('True when the store was unreachable and batch features were used'),
  at: z.number().describe('Request time the list was computed for (epoch ms)'),
  total: z.number().describe('Items in the whole ranked list'),
  items: z.array(
    z.object({
      eventId: z.string(),
      position: z.number().describe('0-based position in the whole list'),
      score: z.number().describe('Calibrated P(register)'),
      reasons: z.array(Reason),
      sources: z.array(z.enum(['ann', 'friends', 'popular', 'new'])),
      event: EventView,
    }),
  ),
  nextCursor: z.string().nullable(),
});
const Ranked = z.object({
  modelVersion: z.string(),
  degraded: z.boolean(),
  at: z.number(),
  items: z.array(z.object({ eventId: z.string(), position: z.number(), score: z.number().nullable(), known: z.boolean() })),
  unknownEventIds: z.array(z.string()),
});
const Feedback = z.object({ accepted: z.number(), duplicates: z.number(), results: z.array(z.object({ id: z.string(), status: z.enum(['accepted', 'duplicate']) })) });
const Attribution = z.object({ recommendationId: z.string(), modelVersion: z.string(), impressions: z.number(), clicks: z.number(), registrations: z.number(), revenueUsd: z.number() });

const errors = (...statuses: number[]): Record<string, unknown> => Object.fromEntries(statuses.map((s) => [s, { description: 'Error', ...json(ErrorBody) }]));
const write = [{ apiKey: [] }, { bearer: [] }];

/** Route documentation keyed by `METHOD path` (fastify's path syntax). */
export const ROUTE_DOCS: Record<string, Record<string, unknown>> = {
  'GET /v1/users/:userId/recommendations': {
    summary: 'Recommended upcoming events for a user',
    description:
      'user vector → retrieval (ANN + friends, popular and new nearby) → store features → ranker → dedupe, diversity, reasons. An unknown user gets a context-and-popularity list. Page with `cursor` (continues the same ranked list).',
    tags: ['recommendations'],
    params: json(UserIdParamsSchema),
    querystring: json(RecommendationsQuerySchema),
    response: { 200: json(Recommendations), ...errors(400, 401, 404, 429) },
  },
  'POST /v1/rank': {
    summary: 'Rank a given list of events for a user (re-rank mode)',
    description: 'Unknown event ids: 404 naming them (default), or with `onUnknown: "last"` ranked last with score null.',
    tags: ['recommendations'],
    body: json(RankBodySchema),
    response: { 200: json(Ranked), ...errors(400, 401, 404, 413, 429) },
  },
  'POST /v1/feedback': {
    summary: 'Record interactions (≤ 100): impressions, clicks, registrations, …',
    description: 'Idempotent on each interaction id. The next request sees them (a registration removes the event from recommendations). `recommendationId` attributes them to the model that served it.',
    tags: ['feedback'],
    security: write,
    body: json(FeedbackBodySchema),
    response: { 200: json(Feedback), ...errors(400, 401, 413, 429, 503) },
  },
  'GET /v1/recommendations/:recommendationId/attribution': {
    summary: 'Online outcome of one recommendation response',
    tags: ['feedback'],
    params: json(RecommendationIdParamsSchema),
    response: { 200: json(Attribution), ...errors(401, 404) },
  },
  'PUT /v1/events/:eventId': {
    summary: 'Create or replace an event (embedded and searchable at once)',
    tags: ['catalogue'],
    security: write,
    params: json(EventIdParamsSchema),
    body: json(EventBodySchema),
    response: { ...errors(400, 401, 413, 503) },
  },
  'DELETE /v1/events/:eventId': {
    summary: 'Cancel an event (gone from recommendations at once)',
    tags: ['catalogue'],
    security: write,
    params: json(EventIdParamsSchema),
    response: { ...errors(401, 404, 503) },
  },
  'PUT /v1/users/:userId': {
    summary: 'Create or replace a user profile',
    tags: ['users'],
    security: write,
    params: json(UserIdParamsSchema),
    body: json(UserBodySchema),
    response: { ...errors(400, 401, 413, 503) },
  },
  'PUT /v1/users/:userId/friends': {
    summary: "Replace a user's friends (symmetric)",
    tags: ['users'],
    security: write,
    params: json(UserIdParamsSchema),
    body: json(FriendsBodySchema),
    response: { ...errors(400, 401, 413, 503) },
  },
  'GET /v1/bundle': { summary: 'The serving bundle', tags: ['operations'] },
  'POST /v1/bundle/reload': { summary: 'Check the current pointer now and swap in a new bundle (refused ones are retried)', tags: ['operations'], security: write },
  'GET /healthz': { summary: 'Liveness', tags: ['operations'] },
  'GET /readyz': { summary: 'Readiness: bundle loaded and store reachable (503 otherwise)', tags: ['operations'] },
  'GET /metrics': { summary: 'Prometheus metrics', tags: ['operations'] },
};

export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'evrec ranking API',
    description:
      'Event recommendations: ranked upcoming events with scores and reasons, re-ranking, feedback with attribution, catalogue and profile updates. Errors are `{error: {code, message, field}}`. Writes need the API key (`x-api-key` or `Authorization: Bearer`).',
    version: '1',
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      bearer: { type: 'http', scheme: 'bearer' },
    },
  },
} as const;
