import { INTERACTION_TYPES, type InteractionType } from '@evrec/core';
import { openDataset, type ReadOptions, type ValidationReport } from './native/reader.ts';

/** Summary figures of a native dataset (what `evrec stats` prints). */
export interface DatasetStats {
  users: number;
  events: number;
  friendships: number;
  interactions: { total: number; byType: Record<InteractionType, number> };
  /** First and last interaction time, ISO 8601 UTC; null when there are no interactions. */
  timeRange: { from: string | null; to: string | null };
  /** Event language → number of events; `und` for events whose language is unknown. */
  languages: Record<string, number>;
  /**
   * Ids a newcomer can try: the user with the most interactions and the event with the most
   * positive interactions (register, attend, interested), ties broken by total interactions then
   * first seen. Null when the dataset has no interactions.
   */
  examples: { userId: string | null; eventId: string | null };
}

const POSITIVE: ReadonlySet<InteractionType> = new Set(['register', 'attend', 'interested']);

/**
 * Streams a native dataset once (bounded by the number of distinct users and events) and counts
 * valid rows. Rows the reader skips are in the returned report, not in the counts.
 */
export async function computeDatasetStats(dir: string, options: ReadOptions = {}): Promise<{ stats: DatasetStats; report: ValidationReport }> {
  const reader = await openDataset(dir, options);
  let users = 0;
  for await (const _ of reader.users()) users++;
  let events = 0;
  const languages: Record<string, number> = {};
  for await (const e of reader.events()) {
    events++;
    const lang = e.language ?? 'und';
    languages[lang] = (languages[lang] ?? 0) + 1;
  }
  let friendships = 0;
  for await (const _ of reader.friendships()) friendships++;

  const byType = Object.fromEntries(INTERACTION_TYPES.map((t) => [t, 0])) as Record<InteractionType, number>;
  let total = 0;
  let from = Infinity;
  let to = -Infinity;
  const perUser = new Map<string, number>();
  const perEvent = new Map<string, { positive: number; all: number }>();
  for await (const it of reader.interactions()) {
    total++;
    byType[it.type]++;
    if (it.at < from) from = it.at;
    if (it.at > to) to = it.at;
    perUser.set(it.userId, (perUser.get(it.userId) ?? 0) + 1);
    let ev = perEvent.get(it.eventId);
    if (ev === undefined) {
      ev = { positive: 0, all: 0 };
      perEvent.set(it.eventId, ev);
    }
    ev.all++;
    if (POSITIVE.has(it.type)) ev.positive++;
  }
  let userId: string | null = null;
  let best = 0;
  for (const [id, n] of perUser) {
    if (n > best) {
      best = n;
      userId = id;
    }
  }
  let eventId: string | null = null;
  let bestEvent = { positive: -1, all: -1 };
  for (const [id, c] of perEvent) {
    if (c.positive > bestEvent.positive || (c.positive === bestEvent.positive && c.all > bestEvent.all)) {
      bestEvent = c;
      eventId = id;
    }
  }
  const sortedLanguages = Object.fromEntries(Object.entries(languages).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
  return {
    stats: {
      users,
      events,
      friendships,
      interactions: { total, byType },
      timeRange: total === 0 ? { from: null, to: null } : { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      languages: sortedLanguages,
      examples: { userId, eventId },
    },
    report: reader.report,
  };
}
