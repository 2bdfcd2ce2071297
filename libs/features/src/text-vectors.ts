import type { Event } from '@evrec/core';
import { detectLanguage, hashedTextVector } from '@evrec/text';

/** What the features need from an event's text, computed once per event. */
export interface EventText {
  /** L2-normalised hashed vector of title + description (all zeros when the event has no text). The caller owns it. */
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
  /** Entries kept; the oldest inserted are dropped beyond it. Default 200,000 (200 MB at 256 dims). */
  maxEntries?: number;
}

/** Rows the slab starts with; it doubles up to `maxEntries` as entries arrive. */
const INITIAL_ROWS = 1024;

/**
 * Caches each event's text vector and language by event id: hashing a description costs far more
 * than every other feature of a candidate (~0.2 ms), and the same events recur across requests.
 * Call `invalidate(id)` when an event's text changes.
 *
 * Vectors live in one Float32Array slab (a ring once full: the oldest entry's row is reused), so a
 * serving cache holding every live event of a large catalogue is a few large arrays for the
 * garbage collector rather than millions of small ones; `get` hands out a copy, which the caller
 * may keep or change.
 */
export class EventTextCache {
  readonly dims: number;
  readonly maxEntries: number;
  private slab: Float32Array;
  private rows: number;
  private readonly rowOf = new Map<string, number>();
  /** Per row: the id stored there (to drop it when the row is reused), language, text flag, description length. */
  private ids: Array<string | undefined> = [];
  private languages: Array<string | undefined> = [];
  private hasText: Uint8Array;
  private descriptionChars: Int32Array;
  /** Next row to fill; wraps to 0 once the slab holds `maxEntries` rows. */
  private next = 0;

  constructor(options: EventTextCacheOptions = {}) {
    this.dims = options.dims ?? 256;
    this.maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 200_000));
    this.rows = Math.min(this.maxEntries, INITIAL_ROWS);
    this.slab = new Float32Array(this.rows * this.dims);
    this.hasText = new Uint8Array(this.rows);
    this.descriptionChars = new Int32Array(this.rows);
  }

  get(event: Event): EventText {
    const row = this.rowOf.get(event.id);
    if (row !== undefined) {
      return {
        vector: this.slab.slice(row * this.dims, (row + 1) * this.dims),
        language: this.languages[row],
        hasText: this.hasText[row] === 1,
        descriptionChars: this.descriptionChars[row],
      };
    }
    const entry = this.compute(event);
    this.store(event.id, entry);
    return entry;
  }

  /**
   * Like `get`, but a cached vector comes as a view of the slab, valid only until the cache's next
   * write (a `get`, `read` or `warm` of an uncached event may reuse its row): for a caller that
   * reads it at once. Feature assembly reads 500 candidates per request; a copy each was 500 small
   * ArrayBuffers per request for the garbage collector.
   */
  read(event: Event): EventText {
    const row = this.rowOf.get(event.id);
    if (row === undefined) return this.get(event);
    return {
      vector: this.slab.subarray(row * this.dims, (row + 1) * this.dims),
      language: this.languages[row],
      hasText: this.hasText[row] === 1,
      descriptionChars: this.descriptionChars[row],
    };
  }

  /** Computes and caches an event's text unless it is cached already (warming ahead of requests). */
  warm(event: Event): void {
    if (!this.rowOf.has(event.id)) this.store(event.id, this.compute(event));
  }

  has(eventId: string): boolean {
    return this.rowOf.has(eventId);
  }

  invalidate(eventId: string): void {
    this.rowOf.delete(eventId);
  }

  get size(): number {
    return this.rowOf.size;
  }

  private compute(event: Event): EventText {
    const text = [event.title, event.description].filter((s): s is string => s !== undefined && s !== '').join('\n');
    const language = event.language ?? (text === '' ? undefined : detectLanguage(text));
    return {
      vector: hashedTextVector(text, { dims: this.dims, language }),
      language,
      hasText: text !== '',
      descriptionChars: event.description?.length ?? 0,
    };
  }

  private store(id: string, entry: EventText): void {
    if (this.next >= this.rows) {
      if (this.rows < this.maxEntries) this.grow();
      else this.next = 0;
    }
    const row = this.next++;
    const previous = this.ids[row];
    // The row's old owner is dropped, unless it was invalidated and re-cached in another row since.
    if (previous !== undefined && this.rowOf.get(previous) === row) this.rowOf.delete(previous);
    this.ids[row] = id;
    this.languages[row] = entry.language;
    this.hasText[row] = entry.hasText ? 1 : 0;
    this.descriptionChars[row] = entry.descriptionChars;
    this.slab.set(entry.vector.subarray(0, this.dims), row * this.dims);
    this.rowOf.set(id, row);
  }

  private grow(): void {
    const rows = Math.min(this.maxEntries, this.rows * 2);
    const slab = new Float32Array(rows * this.dims);
    slab.set(this.slab);
    const hasText = new Uint8Array(rows);
    hasText.set(this.hasText);
    const descriptionChars = new Int32Array(rows);
    descriptionChars.set(this.descriptionChars);
    this.slab = slab;
    this.hasText = hasText;
    this.descriptionChars = descriptionChars;
    this.rows = rows;
  }
}
