import { EARTH_RADIUS_KM, haversineKm } from '@evrec/core';

const RAD = Math.PI / 180;

/**
 * Great-circle distances from one point to many, in one pass (the ranker scores hundreds of
 * candidates per request). NaN coordinates give NaN distances. Matches core's scalar `haversineKm`.
 * @param out optional output array (length ≥ lats.length) to avoid an allocation per request.
 */
export function haversineKmMany(lat: number, lng: number, lats: Float64Array, lngs: Float64Array, out?: Float32Array): Float32Array {
  const n = lats.length;
  const result = out ?? new Float32Array(n);
  const lat1 = lat * RAD;
  const cos1 = Math.cos(lat1);
  const lng1 = lng * RAD;
  const twoR = 2 * EARTH_RADIUS_KM;
  for (let i = 0; i < n; i++) {
    const lat2 = lats[i] * RAD;
    const sLat = Math.sin((lat2 - lat1) / 2);
    const sLng = Math.sin((lngs[i] * RAD - lng1) / 2);
    const s = sLat * sLat + cos1 * Math.cos(lat2) * sLng * sLng;
    result[i] = twoR * Math.asin(Math.min(1, Math.sqrt(s)));
  }
  return result;
}

export interface GeoPoint {
  lat: number;
  lng: number;
}

/**
 * Index of the medoid: the point with the least total great-circle distance to all others. Unlike
 * the mean it is always a real venue and one trip abroad cannot drag it into the sea. O(n²): callers
 * cap n (the home inference uses the 50 most recent venues).
 */
export function medoidIndex(points: readonly GeoPoint[]): number {
  if (points.length === 0) return -1;
  let best = 0;
  let bestSum = Infinity;
  for (let i = 0; i < points.length; i++) {
    let sum = 0;
    for (let j = 0; j < points.length && sum < bestSum; j++) {
      if (i !== j) sum += haversineKm(points[i].lat, points[i].lng, points[j].lat, points[j].lng);
    }
    if (sum < bestSum) {
      bestSum = sum;
      best = i;
    }
  }
  return best;
}
