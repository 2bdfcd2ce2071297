/** A growable Int32 list (endpoint pools, live-event lists) without per-element objects. */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(initialCapacity = 16) {
    this.data = new Int32Array(initialCapacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  /** O(1) removal: the last element takes slot `i` (order is not kept). */
  removeAt(i: number): void {
    this.data[i] = this.data[--this.length];
  }
}
