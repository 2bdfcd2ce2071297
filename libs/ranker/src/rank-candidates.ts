import { EvrecError, type ActivityReader, type Event, type InteractionType, type User } from '@evrec/core';
import { ReplayActivity, gatherActivity, type FeatureDataset } from '@evrec/features';
import type { Ranker } from './component.ts';
import { ContextInvites } from './featurize.ts';
import { PopularityIndex } from './popularity.ts';

/** One row of a candidates file (`user,event[,invited,timestamp]`). */
export interface CandidateRow {
  userId: string;
  eventId: string;
  /** Request time of this row (epoch ms); the default time when absent. */
  at?: number;
  /** The user was invited to the event (adds to `social.invites` if the log does not already show it). */
  invited?: boolean;
}

export interface RankCandidatesOptions {
  /** Catalogue, profiles, friends and the interaction log (point-in-time activity). */
  dataset: FeatureDataset;
  /** Time for rows without one. */
  defaultAt: number;
  /** Activity reader. Default: a ReplayActivity over the dataset. */
  reader?: ActivityReader;
  /** Tie-break popularity. Default: the ranker's positive types over the dataset. */
  popularity?: PopularityIndex;
  /** Score with the LR baseline instead of the NN. Default false. */
  baseline?: boolean;
}

export interface RankedUser {
  userId: string;
  /** Best first. */
  eventIds: string[];
  /** Calibrated probabilities, same order. */
  scores: number[];
}

/**
 * Ranks each user's candidate events: rows of one user and time are scored together (features as
 * of that time, the same path as serving), an event listed several times keeps its best score,
 * ties go to the more popular event (positives before the request), then to input order. Users
 * and events absent from the dataset are scored from what is known (profile-less user, id-only
 * event). Users come out in order of first appearance.
 */
export async function rankCandidates(ranker: Ranker, rows: readonly CandidateRow[], options: RankCandidatesOptions): Promise<RankedUser[]> {
  const { dataset } = options;
  const reader = options.reader ?? new ReplayActivity(dataset);
  const popularity = options.popularity ?? new PopularityIndex(dataset.interactions, Object.keys(ranker.meta.positives) as InteractionType[]);
  const invites = new ContextInvites(dataset.interactions);
  // user → time → rows (in input order)
  const byUser = new Map<string, Map<number, CandidateRow[]>>();
  for (const row of rows) {
    const at = row.at ?? options.defaultAt;
    if (!Number.isFinite(at)) throw new EvrecError('INVALID_INPUT', `candidate ${row.userId}/${row.eventId}: no time and no default time`);
    let times = byUser.get(row.userId);
    if (times === undefined) byUser.set(row.userId, (times = new Map()));
    let list = times.get(at);
    if (list === undefined) times.set(at, (list = []));
    list.push(row);
  }

  const out: RankedUser[] = [];
  for (const [userId, times] of byUser) {
    const user: User = dataset.users.get(userId) ?? { id: userId };
    const best = new Map<string, { score: number; popularity: number; order: number }>();
    let order = 0;
    for (const [at, list] of [...times.entries()].sort((a, b) => a[0] - b[0])) {
      const ids: string[] = [];
      const seen = new Set<string>();
      for (const r of list) {
        if (!seen.has(r.eventId)) {
          seen.add(r.eventId);
          ids.push(r.eventId);
        }
      }
      const events: Event[] = ids.map((id) => dataset.events.get(id) ?? { id });
      const snapshot = await gatherActivity(reader, { userId, eventIds: ids, at });
      invites.apply(snapshot, userId, ids);
      for (const r of list) {
        const a = snapshot.events[r.eventId];
        if (r.invited === true && a !== undefined && a.invitesReceived === 0) snapshot.events[r.eventId] = { ...a, invitesReceived: 1 };
      }
      const input = { user, events, context: { at }, snapshot, catalog: dataset.events };
      const scores = options.baseline ? ranker.scoreBaseline(input) : ranker.score(input);
      ids.forEach((id, i) => {
        const prev = best.get(id);
        if (prev === undefined) best.set(id, { score: scores[i], popularity: popularity.countBefore(id, at), order: order++ });
        else if (scores[i] > prev.score) best.set(id, { ...prev, score: scores[i], popularity: Math.max(prev.popularity, popularity.countBefore(id, at)) });
      });
    }
    const ranked = [...best.entries()].sort((a, b) => b[1].score - a[1].score || b[1].popularity - a[1].popularity || a[1].order - b[1].order);
    out.push({ userId, eventIds: ranked.map(([id]) => id), scores: ranked.map(([, v]) => v.score) });
  }
  return out;
}
