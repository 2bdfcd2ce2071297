import { countBefore, type Interaction, type InteractionType } from '@evrec/core';


/**
 * Point-in-time event popularity: how many positive interactions (of the ranker's positive types)
 * an event had strictly before a time. The popularity baseline of the evaluation and the tie-break
 * of `evrec rank` (a cold user or event still gets a sensible order).
 */
export class PopularityIndex {
  private readonly times = new Map<string, number[]>();

  constructor(interactions: readonly Interaction[], positiveTypes: Iterable<InteractionType>) {
    const types = new Set(positiveTypes);
    for (const x of interactions) {
      if (!types.has(x.type)) continue;
      let ts = this.times.get(x.eventId);
      if (ts === undefined) this.times.set(x.eventId, (ts = []));
      ts.push(x.at);
    }
    for (const ts of this.times.values()) {
      for (let i = 1; i < ts.length; i++) {
        if (ts[i] < ts[i - 1]) {
          ts.sort((a, b) => a - b);
          break;
        }
      }
    }
  }

  /** Positives of `eventId` strictly before `at`. */
  countBefore(eventId: string, at: number): number {
    const ts = this.times.get(eventId);
    return ts === undefined ? 0 : countBefore(ts, at);
  }

  /** Scores for events as of `at` (the popularity baseline). */
  scores(eventIds: readonly string[], at: number): Float64Array {
    return Float64Array.from(eventIds, (id) => this.countBefore(id, at));
  }
}
