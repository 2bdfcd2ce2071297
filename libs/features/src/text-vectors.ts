import type { Event } from '@evrec/core';
import { detectLanguage, hashedTextVector } from '@evrec/text';

/** What the features need from an event's text, computed once per event. */
export interface EventText {
  /** L2-normalised hashed vector of title + description (all zeros when the event has no text). */
  vector: Float32Array;
  /** `event.language`, else detected from the text; undefined when neither gives one. */
  language: string | undefined;
  /** False when the event has no title or description (the vector is then all zeros). */
  hasText: boolean;
  /** Description length in UTF-16 code units. */
  descriptionChars: number;
}

export interface EventTextCacheOptions {
  /** Hashed vector dimensions. Default 256. Part of the text-similarity feature's definition. */
  dims?: number;
  /** Entries kept; the oldest inserted are dropped beyond it. Default 200,000. */
  maxEntries?: number;
}

/**
 * Caches each event's text vector and language by event id: hashing a description costs far more
 * than every other feature of a candidate, and the same events recur across requests. Call
 * `invalidate(id)` when an event's text changes.
 */
export class EventTextCache {
  readonly dims: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, EventText>();

  constructor(options: EventTextCacheOptions = {}) {
    this.dims = options.dims ?? 256;
    this.maxEntries = options.maxEntries ?? 200_000;
  }

  get(event: Event): EventText {
    const hit = this.entries.get(event.id);
    if (hit !== undefined) return hit;
    const text = [event.title, event.description].filter((s): s is string => s !== undefined && s !== '').join('\n');
    const language = event.language ?? (text === '' ? undefined : detectLanguage(text));
    const entry: EventText = {
      vector: hashedTextVector(text, { dims: this.dims, language }),
      language,
      hasText: text !== '',
      descriptionChars: event.description?.length ?? 0,
    };
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(event.id, entry);
    return entry;
  }

  invalidate(eventId: string): void {
    this.entries.delete(eventId);
  }

  get size(): number {
    return this.entries.size;
  }
}
