/** Scalar geo maths shared by importers, the generator and features (the vectorised form lives in features). */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/** Great-circle distance in kilometres. */
export function haversineKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * A coarse geo cell id: lat/lng snapped to a grid of `degrees` (default 1° ≈ 111 km).
 * Stable and cheap; used as a categorical feature and for "popular nearby" buckets.
 */
export function geoCell(lat: number, lng: number, degrees = 1): string {
  const a = Math.floor(lat / degrees);
  const b = Math.floor((((lng + 180) % 360) + 360) % 360 / degrees);
  return `${degrees}:${a}:${b}`;
}

export function isValidLatLng(lat: number, lng: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180;
}
