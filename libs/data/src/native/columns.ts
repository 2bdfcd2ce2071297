import { EvrecError, INTERACTION_TYPES, type Interaction, type InteractionType } from '@evrec/core';

/** Interaction type ↔ the small integer stored in `InteractionColumns.type` (index in INTERACTION_TYPES). */
export const INTERACTION_TYPE_CODES: Readonly<Record<InteractionType, number>> = Object.fromEntries(
  INTERACTION_TYPES.map((t, i) => [t, i]),
) as Record<InteractionType, number>;

/**
 * Interactions as parallel typed arrays for training loops: row `i` is user `userIds[user[i]]`,
 * event `eventIds[event[i]]`, type `INTERACTION_TYPES[type[i]]`, at `at[i]` (epoch ms).
 * Indices cover every user and event of the dataset (in map order), not only those that interacted,
 * so embedding tables sized `userIds.length` hold cold users too.
 */
export interface InteractionColumns {
  length: number;
  user: Int32Array;
  event: Int32Array;
  type: Uint8Array;
  at: Float64Array;
  userIds: string[];
  eventIds: string[];
  userIndex: Map<string, number>;
  eventIndex: Map<string, number>;
}

export interface InteractionColumnsOptions {
  /** Rows to convert, e.g. one part of a temporal split. Default: `ds.interactions`. */
  interactions?: readonly Interaction[];
  /** Keep only these types. Default: all. */
  types?: readonly InteractionType[];
}

/** Builds columnar views of `ds`'s interactions (see `InteractionColumns`). */
export function interactionColumns(
  ds: { users: ReadonlyMap<string, unknown>; events: ReadonlyMap<string, unknown>; interactions: readonly Interaction[] },
  options: InteractionColumnsOptions = {},
): InteractionColumns {
  const userIds = [...ds.users.keys()];
  const eventIds = [...ds.events.keys()];
  const userIndex = new Map(userIds.map((id, i) => [id, i]));
  const eventIndex = new Map(eventIds.map((id, i) => [id, i]));
  const keep = options.types === undefined ? undefined : new Set(options.types);
  const source = options.interactions ?? ds.interactions;
  const rows = keep === undefined ? source : source.filter((it) => keep.has(it.type));
  const n = rows.length;
  const user = new Int32Array(n);
  const event = new Int32Array(n);
  const type = new Uint8Array(n);
  const at = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const it = rows[i];
    const u = userIndex.get(it.userId);
    const e = eventIndex.get(it.eventId);
    if (u === undefined || e === undefined) {
      throw new EvrecError('INVALID_INPUT', `interaction ${it.id} names a ${u === undefined ? `user (${it.userId})` : `event (${it.eventId})`} missing from the dataset`);
    }
    user[i] = u;
    event[i] = e;
    type[i] = INTERACTION_TYPE_CODES[it.type];
    at[i] = it.at;
  }
  return { length: n, user, event, type, at, userIds, eventIds, userIndex, eventIndex };
}
