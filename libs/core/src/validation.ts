import type { z } from 'zod';
import { EvrecError } from './errors.ts';

/** Turns a zod issue path into `a.b[2].c`. */
export function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/**
 * Validates `value` against `schema`. On failure throws INVALID_INPUT whose message names every
 * offending field (`body.context.lat: expected number, received string`).
 * @param what the root name used in messages, e.g. `body`, `query`, `event`, `payload`.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ field: formatPath(what, i.path), message: i.message }));
  const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new EvrecError('INVALID_INPUT', message, { field: issues[0]?.field, details: { issues } });
}
