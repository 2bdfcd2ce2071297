import type { Event, InteractionType, RequestContext, User } from '@evrec/core';
import type { EmbedUserInput, EmbeddingsComponent } from '@evrec/embeddings';
import type { EventLookup, FeatureSnapshot } from '@evrec/features';

/** What the ranker needs to place a user as of a snapshot in the two-tower space. */
export interface TowerUserInput {
  user?: User;
  snapshot: FeatureSnapshot;
  context: RequestContext;
}

/**
 * Two-tower vectors as ranker inputs: event vectors (exported ones by id, else embedded from
 * content) and user vectors from profile + point-in-time history (the snapshot's history of the
 * towers' history types, distinct events, most recent first — what `embedDataset` feeds the towers).
 */
export class TowerVectors {
  readonly dims: number;
  private readonly historyTypes: ReadonlySet<InteractionType>;
  private readonly historyCap: number;
  private readonly exported = new Map<string, number>();
  private readonly cache = new Map<string, Float32Array>();

  constructor(readonly component: EmbeddingsComponent) {
    this.dims = component.meta.dims;
    this.historyTypes = new Set(component.meta.historyTypes as InteractionType[]);
    this.historyCap = component.meta.historyCap;
    component.eventIds.forEach((id, i) => this.exported.set(id, i));
  }

  /** Vectors for events, in order: the exported vector when the bundle has one, else embedded from content (cached). */
  events(events: readonly Event[]): Float32Array[] {
    const d = this.dims;
    const out: Float32Array[] = new Array<Float32Array>(events.length);
    const missing: number[] = [];
    events.forEach((e, i) => {
      const row = this.exported.get(e.id);
      if (row !== undefined) out[i] = this.component.eventVectors.subarray(row * d, (row + 1) * d);
      else {
        const cached = this.cache.get(e.id);
        if (cached !== undefined) out[i] = cached;
        else missing.push(i);
      }
    });
    if (missing.length > 0) {
      const vectors = this.component.model.embedEvents(missing.map((i) => events[i]));
      missing.forEach((i, k) => {
        out[i] = vectors[k];
        if (this.cache.size < 100_000) this.cache.set(events[i].id, vectors[k]);
      });
    }
    return out;
  }

  /** The history the towers see for a snapshot: distinct events of the history types, most recent first. */
  history(snapshot: FeatureSnapshot, catalog: EventLookup): Event[] {
    const seen = new Set<string>();
    const out: Event[] = [];
    for (const h of snapshot.user.history) {
      if (out.length >= this.historyCap) break;
      if (!this.historyTypes.has(h.type) || seen.has(h.eventId)) continue;
      seen.add(h.eventId);
      const e = catalog.get(h.eventId);
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** The towers' input for a user as of a snapshot (small: keep it, embed many at once later). */
  userInput(x: TowerUserInput, catalog: EventLookup): EmbedUserInput {
    return { user: x.user, history: this.history(x.snapshot, catalog), context: x.context };
  }

  /** User vectors, in order (one forward pass per 1,024 users). */
  embedUsers(inputs: readonly EmbedUserInput[]): Float32Array[] {
    return inputs.length === 0 ? [] : this.component.model.embedUsers(inputs);
  }

  /** User vectors as of each input's snapshot. */
  users(inputs: readonly TowerUserInput[], catalog: EventLookup): Float32Array[] {
    return this.embedUsers(inputs.map((x) => this.userInput(x, catalog)));
  }
}
