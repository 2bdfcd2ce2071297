/** What the simulation does when a queued action comes due. */
export const ActionKind = {
  /** A user opens the app and is shown recommendations. */
  Session: 0,
  /** A user opens an invitation notification (event = the invited event, aux = the inviter). */
  InviteSession: 1,
  /** A registered user cancels (event = the event). */
  Cancel: 2,
  /** A registered user shows up (event = the event). */
  Attend: 3,
} as const;
export type ActionKind = (typeof ActionKind)[keyof typeof ActionKind];

/** The item `pop()` fills in; reused so the hot loop allocates nothing. */
export interface DueAction {
  at: number;
  kind: ActionKind;
  user: number;
  event: number;
  aux: number;
}

/**
 * A binary min-heap of future actions in parallel typed arrays, ordered by time and then by
 * insertion order (so equal times replay deterministically). Holds only what is still pending:
 * today's sessions plus the cancels and attends of live registrations.
 */
export class ActionQueue {
  private at = new Float64Array(1024);
  private seq = new Float64Array(1024);
  private kind = new Uint8Array(1024);
  private user = new Int32Array(1024);
  private event = new Int32Array(1024);
  private aux = new Int32Array(1024);
  private n = 0;
  private nextSeq = 0;

  get size(): number {
    return this.n;
  }

  /** Time of the next action, or Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : this.at[0];
  }

  push(at: number, kind: ActionKind, user: number, event: number, aux: number): void {
    if (this.n === this.at.length) this.grow();
    let i = this.n++;
    const s = this.nextSeq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.at[p] < at || (this.at[p] === at && this.seq[p] < s)) break;
      this.move(p, i);
      i = p;
    }
    this.at[i] = at;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.user[i] = user;
    this.event[i] = event;
    this.aux[i] = aux;
  }

  /** Removes the earliest action into `out`; returns false when empty. */
  pop(out: DueAction): boolean {
    if (this.n === 0) return false;
    out.at = this.at[0];
    out.kind = this.kind[0] as ActionKind;
    out.user = this.user[0];
    out.event = this.event[0];
    out.aux = this.aux[0];
    const last = --this.n;
    if (last === 0) return true;
    const at = this.at[last], s = this.seq[last];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      let c = l;
      if (r < last && (this.at[r] < this.at[l] || (this.at[r] === this.at[l] && this.seq[r] < this.seq[l]))) c = r;
      if (at < this.at[c] || (at === this.at[c] && s < this.seq[c])) break;
      this.move(c, i);
      i = c;
    }
    this.move(last, i);
    return true;
  }

  private move(from: number, to: number): void {
    this.at[to] = this.at[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.user[to] = this.user[from];
    this.event[to] = this.event[from];
    this.aux[to] = this.aux[from];
  }

  private grow(): void {
    const cap = this.at.length * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a); return b; };
    const i32 = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    const k = new Uint8Array(cap);
    k.set(this.kind);
    this.at = f64(this.at);
    this.seq = f64(this.seq);
    this.kind = k;
    this.user = i32(this.user);
    this.event = i32(this.event);
    this.aux = i32(this.aux);
  }
}
