import type { Rng } from '@evrec/core';

/**
 * Walker's alias table: O(1) draws from a fixed discrete distribution, used where millions of
 * draws hit the same weights (which user opens the app, which host publishes next).
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    if (n === 0 || !(total > 0)) throw new RangeError('AliasTable needs at least one positive weight');
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0, nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[--nl];
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    while (nl > 0) this.prob[large[--nl]] = 1;
    while (ns > 0) this.prob[small[--ns]] = 1;
  }

  sample(rng: Rng): number {
    const x = rng.next() * this.size;
    const i = Math.floor(x);
    return x - i < this.prob[i] ? i : this.alias[i];
  }
}

/** Poisson draw: Knuth for small means, rounded normal approximation above 30. */
export function poisson(rng: Rng, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
  const l = Math.exp(-mean);
  let k = 0;
  let p = rng.next();
  while (p > l) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Pareto(xm = 1, alpha) draw, capped: the heavy tail behind activity and degrees. */
export function pareto(rng: Rng, alpha: number, cap: number): number {
  return Math.min(cap, Math.pow(1 - rng.next(), -1 / alpha));
}

/** Mean of `pareto(alpha, cap)` (closed form) so heavy-tailed draws can be scaled to a target mean. */
export function paretoMean(alpha: number, cap: number): number {
  if (alpha === 1) return 1 + Math.log(cap);
  // E[min(X, c)] = ∫_0^c P(X > x) dx = 1 + (c^(1-a) - 1) / (1 - a)
  return 1 + (Math.pow(cap, 1 - alpha) - 1) / (1 - alpha);
}

export function exponential(rng: Rng, mean: number): number {
  return -mean * Math.log(1 - rng.next());
}

export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Index drawn from [[value, share], ...] pairs. */
export function pickShare<T>(rng: Rng, pairs: ReadonlyArray<readonly [T, number]>): T {
  let x = rng.next();
  for (const [v, w] of pairs) {
    x -= w;
    if (x < 0) return v;
  }
  return pairs[pairs.length - 1][0];
}

/** A point `km` away from (lat, lng) in a uniformly random direction (flat-earth step, fine below ~200 km). */
export function offsetPoint(rng: Rng, lat: number, lng: number, km: number): [number, number] {
  const angle = rng.next() * 2 * Math.PI;
  const dLat = (km * Math.cos(angle)) / 110.574;
  const dLng = (km * Math.sin(angle)) / (111.32 * Math.max(0.05, Math.cos((lat * Math.PI) / 180)));
  return [round4(Math.max(-89.9, Math.min(89.9, lat + dLat))), round4(wrapLng(lng + dLng))];
}

function wrapLng(x: number): number {
  return ((((x + 180) % 360) + 360) % 360) - 180;
}

export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Two significant figures, so prices look like prices (25, 1,500, 60,000). */
export function roundPrice(x: number): number {
  if (x <= 0) return 0;
  const mag = Math.pow(10, Math.max(0, Math.floor(Math.log10(x)) - 1));
  return Math.max(1, Math.round(x / mag) * mag);
}
