import { INTERACTION_TYPES, type InteractionType } from '@evrec/core';

/** Index into INTERACTION_TYPES. */
export type TypeCode = number;
export const TYPE_CODE: Readonly<Record<InteractionType, TypeCode>> = Object.fromEntries(
  INTERACTION_TYPES.map((t, i) => [t, i]),
) as Record<InteractionType, TypeCode>;

/** One interaction as plain numbers, handed to the sink in time order. */
export interface BufferedInteraction {
  at: number;
  user: number;
  event: number;
  type: TypeCode;
  /** Session number (recommendation id), -1 when none. */
  session: number;
  /** Position in that session's list, -1 when none. */
  position: number;
  /** Index into SURFACES, -1 when none. */
  surface: number;
  /** Inviting user for invites, -1 otherwise. */
  inviter: number;
}

const PACK_INDEX_LIMIT = 1 << 20;
const PACK_SPAN_LIMIT = 2 ** 32;

/**
 * Interactions waiting to be written. The simulation emits them slightly out of order (a click
 * lands seconds after the impression, while the next session is already being processed), but
 * never earlier than the simulation clock; so everything strictly before the clock is final and
 * `drainBefore` writes it sorted by (time, emission order). Memory stays at a few minutes of traffic.
 */
export class InteractionBuffer {
  private cap = 4096;
  private at = new Float64Array(this.cap);
  private user = new Int32Array(this.cap);
  private event = new Int32Array(this.cap);
  private type = new Uint8Array(this.cap);
  private session = new Int32Array(this.cap);
  private position = new Int16Array(this.cap);
  private surface = new Int8Array(this.cap);
  private inviter = new Int32Array(this.cap);
  private n = 0;
  private readonly item: BufferedInteraction = { at: 0, user: 0, event: 0, type: 0, session: -1, position: -1, surface: -1, inviter: -1 };

  get size(): number {
    return this.n;
  }

  add(at: number, user: number, event: number, type: TypeCode, session: number, position: number, surface: number, inviter: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.at[i] = at;
    this.user[i] = user;
    this.event[i] = event;
    this.type[i] = type;
    this.session[i] = session;
    this.position[i] = position;
    this.surface[i] = surface;
    this.inviter[i] = inviter;
  }

  /**
   * Hands every buffered interaction with `at < before` to `sink` in (at, emission) order and
   * keeps the rest. `sink` may return a promise (writer backpressure); it is awaited.
   */
  async drainBefore(before: number, sink: (item: BufferedInteraction) => Promise<void> | undefined): Promise<number> {
    const order = this.sortedIndicesBefore(before);
    const item = this.item;
    for (let k = 0; k < order.length; k++) {
      const i = order[k];
      item.at = this.at[i];
      item.user = this.user[i];
      item.event = this.event[i];
      item.type = this.type[i];
      item.session = this.session[i];
      item.position = this.position[i];
      item.surface = this.surface[i];
      item.inviter = this.inviter[i];
      const p = sink(item);
      if (p) await p;
    }
    // Keep the rest, in emission order.
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.at[i] < before) continue;
      if (w !== i) {
        this.at[w] = this.at[i];
        this.user[w] = this.user[i];
        this.event[w] = this.event[i];
        this.type[w] = this.type[i];
        this.session[w] = this.session[i];
        this.position[w] = this.position[i];
        this.surface[w] = this.surface[i];
        this.inviter[w] = this.inviter[i];
      }
      w++;
    }
    this.n = w;
    return order.length;
  }

  /** Indices with at < before, sorted by (at, index). Packs both into one float when they fit. */
  sortedIndicesBefore(before: number): Uint32Array {
    let count = 0;
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const a = this.at[i];
      if (a < before) {
        count++;
        if (a < min) min = a;
        if (a > max) max = a;
      }
    }
    const out = new Uint32Array(count);
    if (count === 0) return out;
    if (this.n < PACK_INDEX_LIMIT && max - min < PACK_SPAN_LIMIT) {
      const keys = new Float64Array(count);
      let k = 0;
      for (let i = 0; i < this.n; i++) if (this.at[i] < before) keys[k++] = (this.at[i] - min) * PACK_INDEX_LIMIT + i;
      keys.sort();
      for (let j = 0; j < count; j++) out[j] = keys[j] % PACK_INDEX_LIMIT;
      return out;
    }
    let k = 0;
    for (let i = 0; i < this.n; i++) if (this.at[i] < before) out[k++] = i;
    const at = this.at;
    out.sort((a, b) => at[a] - at[b] || a - b);
    return out;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const at = new Float64Array(cap); at.set(this.at); this.at = at;
    const user = new Int32Array(cap); user.set(this.user); this.user = user;
    const event = new Int32Array(cap); event.set(this.event); this.event = event;
    const type = new Uint8Array(cap); type.set(this.type); this.type = type;
    const session = new Int32Array(cap); session.set(this.session); this.session = session;
    const position = new Int16Array(cap); position.set(this.position); this.position = position;
    const surface = new Int8Array(cap); surface.set(this.surface); this.surface = surface;
    const inviter = new Int32Array(cap); inviter.set(this.inviter); this.inviter = inviter;
    this.cap = cap;
  }
}
