import { silentProgress, type ActivityReader, type Event, type Interaction, type ProgressReporter, type User } from '@evrec/core';
import type { EmbedUserInput } from '@evrec/embeddings';
import {
  EventTextCache,
  assembleFeatures,
  encodeBatch,
  gatherActivity,
  type FeatureDataset,
  type FeatureSnapshot,
  type FeatureSpec,
  type RawFeatureBatch,
} from '@evrec/features';
import type { RankerExample } from './training-set.ts';
import type { TowerVectors } from './towers.ts';

/**
 * Invitations logged at the very instant of a response (the Kaggle 2013 export stamps the invite
 * and the impression with one time). A snapshot sees only interactions strictly before its time, so
 * such an invite would be invisible; it is part of the request's context, not its outcome, and is
 * added to `invitesReceived` — identically at training, evaluation and `evrec rank`.
 */
export class ContextInvites {
  private readonly counts = new Map<string, number>();

  constructor(interactions: readonly Interaction[]) {
    for (const x of interactions) {
      if (x.type !== 'invite') continue;
      const k = `${x.userId}\u0000${x.eventId}\u0000${x.at}`;
      this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    }
  }

  /** Adds the same-instant invitations to `snapshot` (which must be as of `snapshot.at`) in place. */
  apply(snapshot: FeatureSnapshot, userId: string, eventIds: readonly string[]): void {
    if (this.counts.size === 0) return;
    for (const id of eventIds) {
      const n = this.counts.get(`${userId}\u0000${id}\u0000${snapshot.at}`);
      const a = snapshot.events[id];
      if (n !== undefined && a !== undefined) snapshot.events[id] = { ...a, invitesReceived: a.invitesReceived + n };
    }
  }
}

/** What featurisation reads: the dataset (catalogue, users, friends), activity as of any time, caches. */
export interface FeatureContext {
  dataset: FeatureDataset;
  /** Point-in-time activity (a `ReplayActivity` over the dataset). */
  reader: ActivityReader;
  textCache: EventTextCache;
  contextInvites: ContextInvites;
  /** Two-tower vectors as extra inputs; absent when the ranker trains without them. */
  towers?: TowerVectors;
}

/** Examples of one user at one time with their raw features (one snapshot). */
export interface AssembledGroup {
  examples: RankerExample[];
  /** The examples' events, same order. */
  events: Event[];
  batch: RawFeatureBatch;
  /** The towers' view of the user at that time (when towers are used). */
  towerUser?: EmbedUserInput;
}

/**
 * Raw features for examples sorted by (at, userId): one snapshot and one `assembleFeatures` call per
 * user and time — the very functions serving calls. Examples whose event is not in the catalogue
 * are dropped (buildExamples already skips them).
 */
export async function assembleExamples(ctx: FeatureContext, examples: readonly RankerExample[], progress: ProgressReporter = silentProgress, stage = 'ranker.features'): Promise<AssembledGroup[]> {
  const groups: AssembledGroup[] = [];
  const { dataset } = ctx;
  for (let i = 0; i < examples.length; ) {
    let j = i + 1;
    while (j < examples.length && examples[j].userId === examples[i].userId && examples[j].at === examples[i].at) j++;
    const group: RankerExample[] = [];
    const events: Event[] = [];
    for (let k = i; k < j; k++) {
      const e = dataset.events.get(examples[k].eventId);
      if (e !== undefined) {
        group.push(examples[k]);
        events.push(e);
      }
    }
    if (group.length > 0) {
      const { userId, at, surface } = group[0];
      const user: User = dataset.users.get(userId) ?? { id: userId };
      const eventIds = events.map((e) => e.id);
      const snapshot = await gatherActivity(ctx.reader, { userId, eventIds, at });
      ctx.contextInvites.apply(snapshot, userId, eventIds);
      const context = { at, surface };
      const batch = assembleFeatures({ user, events, context, snapshot, catalog: dataset.events, textCache: ctx.textCache });
      groups.push({ examples: group, events, batch, towerUser: ctx.towers?.userInput({ user, snapshot, context }, dataset.events) });
    }
    if (groups.length % 500 === 0 || j === examples.length) progress({ stage, done: j, total: examples.length });
    i = j;
  }
  return groups;
}

/** Encoded examples, row-major, ready for the networks. */
export interface ExampleMatrix {
  rows: number;
  width: number;
  /** rows × width. */
  dense: Float32Array;
  nCategorical: number;
  /** rows × nCategorical hashed ids (0 = missing), per the spec's `categoricalColumns`. */
  categorical: Int32Array;
  /** Tower vector width; 0 without towers. */
  towerDims: number;
  /** rows × towerDims each, when towers are used. */
  userVectors?: Float32Array;
  eventVectors?: Float32Array;
  labels: Float32Array;
  weights: Float32Array;
  examples: RankerExample[];
}

/** Encodes assembled groups with a fitted spec (and tower vectors) into one matrix. */
export function encodeGroups(spec: FeatureSpec, groups: readonly AssembledGroup[], ctx: FeatureContext): ExampleMatrix {
  let rows = 0;
  for (const g of groups) rows += g.examples.length;
  const width = spec.denseWidth;
  const nCategorical = spec.categoricalColumns.length;
  const dense = new Float32Array(rows * width);
  const categorical = new Int32Array(rows * nCategorical);
  const labels = new Float32Array(rows);
  const weights = new Float32Array(rows);
  const examples: RankerExample[] = [];
  const towers = ctx.towers;
  const towerDims = towers?.dims ?? 0;
  const userVectors = towers ? new Float32Array(rows * towerDims) : undefined;
  const eventVectors = towers ? new Float32Array(rows * towerDims) : undefined;
  const userInputs: EmbedUserInput[] = [];
  let r = 0;
  for (const g of groups) {
    const enc = encodeBatch(spec, g.batch);
    dense.set(enc.dense, r * width);
    categorical.set(enc.categorical, r * nCategorical);
    for (const ex of g.examples) {
      labels[r] = ex.label;
      weights[r] = ex.weight;
      examples.push(ex);
      r++;
    }
    if (towers && g.towerUser) userInputs.push(g.towerUser);
  }
  if (towers && userVectors && eventVectors) {
    const vectors = towers.embedUsers(userInputs);
    let row = 0;
    groups.forEach((g, gi) => {
      const ev = towers.events(g.events);
      for (let k = 0; k < g.examples.length; k++, row++) {
        userVectors.set(vectors[gi], row * towerDims);
        eventVectors.set(ev[k], row * towerDims);
      }
    });
  }
  return { rows, width, dense, nCategorical, categorical, towerDims, userVectors, eventVectors, labels, weights, examples };
}

/** Rows of a matrix (a subset, in the given order). */
export function selectRows(m: ExampleMatrix, rows: ArrayLike<number>): ExampleMatrix {
  const n = rows.length;
  const pick = (src: Float32Array | Int32Array, w: number, dst: Float32Array | Int32Array): void => {
    for (let i = 0; i < n; i++) dst.set(src.subarray(rows[i] * w, (rows[i] + 1) * w), i * w);
  };
  const dense = new Float32Array(n * m.width);
  pick(m.dense, m.width, dense);
  const categorical = new Int32Array(n * m.nCategorical);
  pick(m.categorical, m.nCategorical, categorical);
  let userVectors: Float32Array | undefined;
  let eventVectors: Float32Array | undefined;
  if (m.userVectors && m.eventVectors) {
    userVectors = new Float32Array(n * m.towerDims);
    eventVectors = new Float32Array(n * m.towerDims);
    pick(m.userVectors, m.towerDims, userVectors);
    pick(m.eventVectors, m.towerDims, eventVectors);
  }
  return {
    rows: n, width: m.width, dense, nCategorical: m.nCategorical, categorical, towerDims: m.towerDims, userVectors, eventVectors,
    labels: Float32Array.from({ length: n }, (_, i) => m.labels[rows[i]]),
    weights: Float32Array.from({ length: n }, (_, i) => m.weights[rows[i]]),
    examples: Array.from({ length: n }, (_, i) => m.examples[rows[i]]),
  };
}
