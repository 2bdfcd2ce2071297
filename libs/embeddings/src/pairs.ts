import { EvrecError, silentProgress, type Event, type Interaction, type InteractionType, type ProgressReporter, type User } from '@evrec/core';
import { interactionsBefore, temporalSplit, type InMemoryDataset } from '@evrec/data';
import { ReplayActivity } from '@evrec/features';

/** History types the activity contract carries (core's `UserActivity.history`). */
export const HISTORY_CAPABLE_TYPES: readonly InteractionType[] = ['register', 'attend', 'interested', 'click'];

/** One positive (user, event) at time `at`, with what the user tower may see at that moment. */
export interface TrainingPair {
  userId: string;
  eventId: string;
  at: number;
  /** History event ids, most recent first, from interactions strictly before `at` only. */
  history: string[];
  /** Events the user held a registration for just before `at` (excluded from their candidates in evaluation). */
  registered: string[];
}

export interface PairSetOptions {
  /** Only interactions strictly before this time are used. */
  until: number;
  positiveTypes: readonly InteractionType[];
  historyTypes: readonly InteractionType[];
  historyCap: number;
  /** Share of the positives (the latest) held out for validation; 0 for none. */
  validFraction: number;
  progress?: ProgressReporter;
}

export interface PairSet {
  users: ReadonlyMap<string, User>;
  events: ReadonlyMap<string, Event>;
  train: TrainingPair[];
  valid: TrainingPair[];
  /** Validation starts here (= `until` without validation). */
  trainEnd: number;
  until: number;
  /** The positives before `until` (first per user and event), ascending by time. */
  positives: Interaction[];
  /** Point-in-time activity over the interactions before `until`, for user vectors as of any t ≤ until. */
  activity: ReplayActivity;
}

/**
 * Point-in-time history: the user's history-type interactions strictly before `at` (the replay
 * answers "as of at"), distinct events, most recent first, at most `cap`.
 */
export function historyAt(
  activity: ReplayActivity,
  userId: string,
  at: number,
  types: ReadonlySet<InteractionType>,
  cap: number,
  known: (eventId: string) => boolean = () => true,
): { history: string[]; registered: string[] } {
  const snapshot = activity.snapshotSync({ userId, eventIds: [], at });
  const seen = new Set<string>();
  const history: string[] = [];
  for (const h of snapshot.user.history) {
    if (history.length >= cap) break;
    if (!types.has(h.type) || seen.has(h.eventId) || !known(h.eventId)) continue;
    seen.add(h.eventId);
    history.push(h.eventId);
  }
  return { history, registered: snapshot.user.registeredEventIds };
}

/**
 * Positives and their point-in-time histories. A positive is the first interaction of a
 * `positiveTypes` type per (user, event) before `until`; the latest `validFraction` of them (by
 * time) are validation pairs. Histories come from @evrec/features' ReplayActivity, the same
 * "strictly before t" semantics the online store serves, so the user tower sees in training what it
 * will see in production.
 */
export function buildPairSet(ds: InMemoryDataset, options: PairSetOptions): PairSet {
  const historyTypes = new Set(options.historyTypes);
  for (const t of historyTypes) {
    if (!HISTORY_CAPABLE_TYPES.includes(t)) {
      throw new EvrecError('INVALID_INPUT', `history type "${t}" is not kept in activity history (allowed: ${HISTORY_CAPABLE_TYPES.join(', ')})`, { field: 'historyTypes' });
    }
  }
  const positiveTypes = new Set(options.positiveTypes);
  if (positiveTypes.size === 0) throw new EvrecError('INVALID_INPUT', 'positiveTypes must name at least one interaction type', { field: 'positiveTypes' });
  const progress = options.progress ?? silentProgress;
  const before = interactionsBefore(ds, options.until);
  const seen = new Set<string>();
  const positives: Interaction[] = [];
  for (const x of before) {
    // A hand-built dataset may name events it does not hold; they cannot be encoded.
    if (!positiveTypes.has(x.type) || !ds.events.has(x.eventId)) continue;
    const key = `${x.userId}\u0000${x.eventId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    positives.push(x);
  }
  if (positives.length === 0) {
    throw new EvrecError('INVALID_INPUT', `no positives (${[...positiveTypes].join(', ')}) before ${new Date(options.until).toISOString()}; check --until or the positive types`, { field: 'positiveTypes' });
  }
  // Replay over the interactions before `until` only, and without the friend graph (not a tower input).
  const activity = new ReplayActivity({ events: ds.events, friends: new Map(), interactions: before }, { historyCap: Math.max(100, options.historyCap * 4) });
  const split = options.validFraction > 0 && positives.length >= 20 ? temporalSplit(positives, { validFraction: options.validFraction, testFraction: 0 }) : undefined;
  const trainEnd = split?.trainEnd ?? options.until;
  const train: TrainingPair[] = [];
  const valid: TrainingPair[] = [];
  positives.forEach((x, i) => {
    const { history, registered } = historyAt(activity, x.userId, x.at, historyTypes, options.historyCap, (id) => ds.events.has(id));
    (x.at < trainEnd ? train : valid).push({ userId: x.userId, eventId: x.eventId, at: x.at, history, registered });
    if ((i + 1) % 20_000 === 0) progress({ stage: 'train.embeddings.pairs', done: i + 1, total: positives.length });
  });
  progress({ stage: 'train.embeddings.pairs', done: positives.length, total: positives.length });
  return { users: ds.users, events: ds.events, train, valid, trainEnd, until: options.until, positives, activity };
}
