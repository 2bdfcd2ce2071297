import { isRegistration, silentProgress, type Event, type Interaction, type ProgressReporter, type Surface, type User } from '@evrec/core';
import { assembleFeatures } from './assemble.ts';
import type { RawFeatureBatch } from './batch.ts';
import { ReplayActivity } from './replay.ts';
import { gatherActivity } from './snapshot.ts';
import { EventTextCache } from './text-vectors.ts';

/** What materialisation needs from a dataset; `@evrec/data`'s `InMemoryDataset` satisfies it. */
export interface FeatureDataset {
  users: ReadonlyMap<string, User>;
  events: ReadonlyMap<string, Event>;
  friends: ReadonlyMap<string, readonly string[]>;
  /** Ascending `at`. */
  interactions: readonly Interaction[];
}

/** One labelled (user, event, time) example; its features are computed as of `at`. */
export interface TrainingExample {
  userId: string;
  eventId: string;
  at: number;
  /** 1 when the user registered (register/attend) for the event at or after `at` (and before `until`). */
  label: 0 | 1;
  /** `impression`: an impression row; `registration`: a registration no impression of the pair preceded. */
  source: 'impression' | 'registration';
  surface?: Surface;
}

export interface ListExamplesOptions {
  /** Only interactions strictly before this time make examples, and only registrations before it make labels. Default: no cut. */
  until?: number;
  /** Stop after this many examples. Default: all. */
  limit?: number;
}

function pairKey(u: string, e: string): string {
  return `${u}\u0000${e}`;
}

/**
 * Labelled examples from a log, in time order:
 * - every impression before `until` is an example; label 1 when the same user has a register/attend
 *   for the event at or after the impression time (and before `until`), else 0;
 * - a user's first registration for an event that no impression of the pair preceded is an example
 *   with label 1 at the registration time (organic registrations: search, links, friends).
 * The ranker issue refines negatives (retrieval candidates); this is the minimal honest set.
 */
export function listTrainingExamples(interactions: readonly Interaction[], options: ListExamplesOptions = {}): TrainingExample[] {
  const until = options.until ?? Infinity;
  const limit = options.limit ?? Infinity;
  const lastRegistration = new Map<string, number>();
  for (const x of interactions) {
    if (x.at < until && isRegistration(x.type)) {
      const k = pairKey(x.userId, x.eventId);
      lastRegistration.set(k, Math.max(lastRegistration.get(k) ?? -Infinity, x.at));
    }
  }
  const covered = new Set<string>();
  const out: TrainingExample[] = [];
  for (const x of interactions) {
    if (x.at >= until || out.length >= limit) break;
    const k = pairKey(x.userId, x.eventId);
    if (x.type === 'impression') {
      const last = lastRegistration.get(k);
      out.push({ userId: x.userId, eventId: x.eventId, at: x.at, label: last !== undefined && last >= x.at ? 1 : 0, source: 'impression', surface: x.surface });
      covered.add(k);
    } else if (isRegistration(x.type) && !covered.has(k)) {
      out.push({ userId: x.userId, eventId: x.eventId, at: x.at, label: 1, source: 'registration', surface: x.surface });
      covered.add(k);
    }
  }
  return out;
}

export interface MaterialiseOptions {
  /** Reader to take snapshots from. Default: a `ReplayActivity` over the dataset. */
  reader?: ReplayActivity;
  textCache?: EventTextCache;
  progress?: ProgressReporter;
}

/** Examples sharing user and time, with their features (one row per example, same order). */
export interface MaterialisedGroup {
  examples: TrainingExample[];
  batch: RawFeatureBatch;
}

/**
 * Features for examples, point-in-time: examples with the same user and time (one recommendation
 * response) share one snapshot and one batch. Examples whose event is not in the catalogue are
 * skipped (reported through progress as `skipped`).
 */
export async function* materialiseExamples(dataset: FeatureDataset, examples: readonly TrainingExample[], options: MaterialiseOptions = {}): AsyncGenerator<MaterialisedGroup> {
  const reader = options.reader ?? new ReplayActivity(dataset);
  const textCache = options.textCache ?? new EventTextCache();
  const progress = options.progress ?? silentProgress;
  let done = 0;
  let skipped = 0;
  for (let i = 0; i < examples.length; ) {
    let j = i + 1;
    while (j < examples.length && examples[j].userId === examples[i].userId && examples[j].at === examples[i].at) j++;
    const group: TrainingExample[] = [];
    const events: Event[] = [];
    for (let k = i; k < j; k++) {
      const e = dataset.events.get(examples[k].eventId);
      if (e === undefined) skipped++;
      else {
        group.push(examples[k]);
        events.push(e);
      }
    }
    if (group.length > 0) {
      const { userId, at, surface } = group[0];
      const user = dataset.users.get(userId) ?? { id: userId };
      const snapshot = await gatherActivity(reader, { userId, eventIds: events.map((e) => e.id), at });
      const batch = assembleFeatures({ user, events, context: { at, surface }, snapshot, catalog: dataset.events, textCache });
      yield { examples: group, batch };
    }
    done += j - i;
    progress({ stage: 'features.materialise', done, total: examples.length, ...(skipped > 0 ? { message: `skipped=${skipped} (event not in catalogue)` } : {}) });
    i = j;
  }
}
