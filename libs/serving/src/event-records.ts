import type { Event } from '@evrec/core';

/** One change to the catalogue, in the order it was made. */
/** `cancel` carries the cancelled record (the event stays known, out of every index). */
export interface CatalogChange {
  op: 'upsert' | 'cancel';
  event: Event;
}

/**
 * The live catalogue records every serving bundle builds its retrieval catalogue from: every
 * event known (past ones too, for history features), seeded at start from the store or a dataset
 * and changed by `PUT`/`DELETE /v1/events/{id}`. Bundles hold their own index and catalogue; this
 * is the one source of truth they are (re)built from, and `changed` tells which events differ from
 * what a bundle's exported vectors describe. Listeners hear every change synchronously, which lets
 * a bundle being loaded journal the changes made while it loads and replay them before the swap.
 */
export class EventRecords {
  private readonly events = new Map<string, Event>();
  /** Ids upserted or deleted at run time (their bundle vectors, if any, are stale). */
  private readonly changedIds = new Set<string>();
  private readonly listeners = new Set<(change: CatalogChange) => void>();

  get size(): number {
    return this.events.size;
  }

  get(id: string): Event | undefined {
    return this.events.get(id);
  }

  has(id: string): boolean {
    return this.events.has(id);
  }

  values(): IterableIterator<Event> {
    return this.events.values();
  }

  /** Seeds records at start (no listeners are told; nothing was built from them yet). */
  load(events: Iterable<Event>): number {
    let n = 0;
    for (const e of events) {
      this.events.set(e.id, e);
      n++;
    }
    return n;
  }

  /** Whether `id` changed at run time (its exported vector, if any, no longer describes it). */
  changed(id: string): boolean {
    return this.changedIds.has(id);
  }

  upsert(event: Event): void {
    this.events.set(event.id, event);
    this.changedIds.add(event.id);
    this.emit({ op: 'upsert', event });
  }

  /**
   * A deleted event stays as a cancelled record (past interactions still refer to it) and leaves
   * every index. Returns the cancelled record, or undefined when the id is unknown.
   */
  cancel(id: string): Event | undefined {
    const e = this.events.get(id);
    if (e === undefined) return undefined;
    const cancelled: Event = { ...e, status: 'cancelled' };
    this.events.set(id, cancelled);
    this.changedIds.add(id);
    this.emit({ op: 'cancel', event: cancelled });
    return cancelled;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: CatalogChange): void {
    for (const l of this.listeners) l(change);
  }
}
