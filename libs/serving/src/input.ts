import { z } from 'zod';
import { EventSchema, EvrecError, InteractionSchema, SURFACES, UserSchema, formatPath } from '@evrec/core';

/**
 * Validation of every HTTP input. Objects are strict (an unknown field is a 400 naming it), query
 * strings arrive as strings (or arrays when a key repeats) and are converted here, and every
 * failure is INVALID_INPUT whose `field` is the dotted path of the first offending input
 * (`query.lat`, `body.interactions[3].at`, `body.extra`).
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.flatMap((i) => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: formatPath(what, [...i.path, k]), message: 'unknown field' }));
    const received = i.code === 'invalid_type' && /received undefined/.test(i.message);
    return [{ field: formatPath(what, i.path), message: received ? 'required' : i.message }];
  });
  const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new EvrecError('INVALID_INPUT', message, { field: issues[0]?.field, details: { issues } });
}

export const MAX_FEEDBACK_BATCH = 100;
export const MAX_RANK_EVENTS = 1000;
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
export const MAX_FRIENDS = 5000;

const id = z.string().min(1, 'must be a non-empty string').max(256, 'must be at most 256 characters');

/** A query-string number: digits only (no empty string, no `1e3` surprises), then range-checked. */
function queryNumber(min: number, max: number, integer = false): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
    .transform(Number)
    .pipe(integer ? z.number().int('must be an integer').min(min, `must be >= ${min}`).max(max, `must be <= ${max}`) : z.number().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`));
}

/** Epoch milliseconds or an ISO 8601 date-time. */
const queryTime = z
  .string()
  .min(1, 'must be epoch milliseconds or an ISO 8601 time')
  .transform((s, ctx) => {
    const n = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(n) || n < 0) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 time' });
      return z.NEVER;
    }
    return n;
  });

const queryBool = z.enum(['true', 'false', '1', '0'], 'must be true or false').transform((s) => s === 'true' || s === '1');

/** `a,b` or a repeated key; each item trimmed and non-empty. */
function queryList(max: number, item: z.ZodType<string, string>): z.ZodType<string[], string | string[]> {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()))
    .pipe(z.array(item).min(1, 'must list at least one value').max(max, `at most ${max} values`));
}

export const RecommendationsQuerySchema = z
  .strictObject({
    limit: queryNumber(1, MAX_LIMIT, true).optional().describe(`Items per page, 1–${MAX_LIMIT}. Default ${DEFAULT_LIMIT}.`),
    cursor: z.string().min(1).max(1024).optional().describe('The `nextCursor` of a previous page: continues that ranked list. Only `limit` may accompany it.'),
    lat: queryNumber(-90, 90).optional().describe('Request latitude (with `lng`); else the home or inferred location.'),
    lng: queryNumber(-180, 180).optional().describe('Request longitude (with `lat`).'),
    at: queryTime.optional().describe('Request time, epoch ms or ISO 8601. Default now.'),
    surface: z.enum(SURFACES).optional().describe('Where the list is shown.'),
    radiusKm: queryNumber(0.1, 20_000).optional().describe('Only events within this distance of the location (online events pass). Default config `retrieval.radiusKm`.'),
    from: queryTime.optional().describe('Only events starting at or after this time.'),
    to: queryTime.optional().describe('Only events starting at or before this time (also widens or narrows the horizon).'),
    categories: queryList(50, z.string().min(1).max(100)).optional().describe('Only these categories (comma-separated or repeated).'),
    maxPrice: queryNumber(0, 1_000_000).optional().describe('Highest ticket price (unknown prices excluded).'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"').optional().describe('Currency of `maxPrice`. Default USD.'),
    free: queryBool.optional().describe('Only free events.'),
    languages: queryList(20, z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code such as "en"')).optional().describe('Only events in these languages.'),
  })
  .superRefine((q, ctx) => {
    if ((q.lat === undefined) !== (q.lng === undefined)) ctx.addIssue({ code: 'custom', path: [q.lat === undefined ? 'lat' : 'lng'], message: 'lat and lng go together' });
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must not be after `to`' });
    if (q.cursor !== undefined) {
      const extra = Object.entries(q).find(([k, v]) => k !== 'cursor' && k !== 'limit' && v !== undefined);
      if (extra !== undefined) ctx.addIssue({ code: 'custom', path: [extra[0]], message: 'a cursor continues an existing list: only `limit` may accompany it' });
    }
  });
export type RecommendationsQuery = z.output<typeof RecommendationsQuerySchema>;

export const UserIdParamsSchema = z.strictObject({ userId: id });
export const EventIdParamsSchema = z.strictObject({ eventId: id });
export const RecommendationIdParamsSchema = z.strictObject({ recommendationId: id });

/** Context of a body request (`at` in epoch ms). */
export const BodyContextSchema = z.strictObject({
  at: z.number().int('must be an integer (epoch milliseconds)').min(0, 'must be >= 0 (epoch milliseconds)').optional(),
  lat: z.number().min(-90, 'must be >= -90').max(90, 'must be <= 90').optional(),
  lng: z.number().min(-180, 'must be >= -180').max(180, 'must be <= 180').optional(),
  surface: z.enum(SURFACES).optional(),
  locale: z.string().max(35).optional(),
});

export const RankBodySchema = z
  .strictObject({
    userId: id,
    eventIds: z.array(id).min(1, 'must list at least one event id').max(MAX_RANK_EVENTS, `at most ${MAX_RANK_EVENTS} event ids`),
    context: BodyContextSchema.optional(),
    /** What to do with ids the catalogue does not know: `reject` (400 naming them) or rank them `last`. */
    onUnknown: z.enum(['reject', 'last']).optional(),
  })
  .superRefine((b, ctx) => {
    const seen = new Set<string>();
    b.eventIds.forEach((e, i) => {
      if (seen.has(e)) ctx.addIssue({ code: 'custom', path: ['eventIds', i], message: `duplicate event id "${e}"` });
      seen.add(e);
    });
    if ((b.context?.lat === undefined) !== (b.context?.lng === undefined)) ctx.addIssue({ code: 'custom', path: ['context', 'lat'], message: 'lat and lng go together' });
  });
export type RankBody = z.output<typeof RankBodySchema>;

export const FeedbackBodySchema = z.strictObject({
  interactions: z.array(z.strictObject(InteractionSchema.shape)).min(1, 'must hold at least one interaction').max(MAX_FEEDBACK_BATCH, `at most ${MAX_FEEDBACK_BATCH} interactions per request`),
});
export type FeedbackBody = z.output<typeof FeedbackBodySchema>;

/** An event as PUT: the id comes from the path (a body `id`, if any, must match it). */
export const EventBodySchema = z.strictObject({ ...EventSchema.shape, id: id.optional() });
export const UserBodySchema = z.strictObject({ ...UserSchema.shape, id: id.optional() });
export const FriendsBodySchema = z.strictObject({ friendIds: z.array(id).max(MAX_FRIENDS, `at most ${MAX_FRIENDS} friends`) });

/** Body `id` must agree with the path id. */
export function checkBodyId(bodyId: string | undefined, pathId: string): void {
  if (bodyId !== undefined && bodyId !== pathId) {
    throw new EvrecError('INVALID_INPUT', `body.id: "${bodyId}" does not match the path id "${pathId}"`, { field: 'body.id' });
  }
}
