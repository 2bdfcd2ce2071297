/**
 * How many elements of ascending `xs` are strictly below `t` (the index of the first element ≥ t).
 * The point-in-time primitive: "how many events happened before t" over sorted timestamps.
 */
export function countBefore(xs: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
