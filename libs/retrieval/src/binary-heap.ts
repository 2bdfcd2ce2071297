/**
 * Array binary-heap steps shared by the sources' top-k selections. `above(a, b)`: a belongs nearer
 * the root than b (for a "keep the k best" heap, the root is the worst kept, so `above` = worse).
 */

/** Moves heap[i] up until its parent is not below it. */
export function siftUp<T>(heap: T[], i: number, above: (a: T, b: T) => boolean): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!above(heap[i], heap[p])) break;
    [heap[p], heap[i]] = [heap[i], heap[p]];
    i = p;
  }
}

/** Restores the heap below i. */
export function siftDown<T>(heap: T[], i: number, above: (a: T, b: T) => boolean): void {
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let w = i;
    if (l < n && above(heap[l], heap[w])) w = l;
    if (r < n && above(heap[r], heap[w])) w = r;
    if (w === i) return;
    [heap[w], heap[i]] = [heap[i], heap[w]];
    i = w;
  }
}
