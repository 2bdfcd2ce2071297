import { describe, expect, it } from 'vitest';
import { haversineKm } from '@evrec/core';
import { localClock, offsetMinutesAt, resolveOffset } from './clock.ts';
import { priceUsd } from './currency.ts';
import { haversineKmMany, medoidIndex } from './geo.ts';
import { normalizeLocale } from './profile.ts';

describe('haversineKmMany', () => {
  it('matches the scalar formula over many points and passes NaN through', () => {
    const lats = Float64Array.from([51.5074, 48.8566, -33.8688, NaN, 48.8566]);
    const lngs = Float64Array.from([-0.1278, 2.3522, 151.2093, 2, 2.3522]);
    const d = haversineKmMany(48.8566, 2.3522, lats, lngs);
    expect(d).toBeInstanceOf(Float32Array);
    expect(d[0]).toBeCloseTo(343.5, 0); // Paris → London
    expect(d[1]).toBe(0);
    expect(d[2]).toBeCloseTo(haversineKm(48.8566, 2.3522, -33.8688, 151.2093), 0);
    expect(Number.isNaN(d[3])).toBe(true);
    const out = new Float32Array(5);
    expect(haversineKmMany(48.8566, 2.3522, lats, lngs, out)).toBe(out);
  });

  it('finds the medoid, not the mean', () => {
    // three points in Paris and one in Sydney: the mean would be in the ocean, the medoid is central Paris
    expect(medoidIndex([{ lat: 48.85, lng: 2.30 }, { lat: 48.86, lng: 2.35 }, { lat: -33.87, lng: 151.21 }, { lat: 48.87, lng: 2.40 }])).toBe(1);
    expect(medoidIndex([])).toBe(-1);
  });
});

describe('local clock', () => {
  const mondayNoonUtc = Date.UTC(2024, 5, 3, 12, 0);
  it('reads hour and Monday-first day for a fixed offset', () => {
    expect(localClock(mondayNoonUtc, 120)).toEqual({ hour: 14, day: 0 });
    expect(localClock(Date.UTC(2024, 5, 3, 0, 30), -60)).toEqual({ hour: 23, day: 6 }); // Sunday evening in UTC-1
    expect(localClock(Date.UTC(1969, 11, 31, 23), 0)).toEqual({ hour: 23, day: 2 }); // before the epoch: Wednesday
  });
  it('derives offsets from IANA zones, daylight saving included', () => {
    expect(offsetMinutesAt('Europe/Paris', Date.UTC(2024, 6, 1))).toBe(120);
    expect(offsetMinutesAt('Europe/Paris', Date.UTC(2024, 0, 1))).toBe(60);
    expect(offsetMinutesAt('Asia/Kolkata', Date.UTC(2024, 0, 1))).toBe(330);
    expect(offsetMinutesAt('Mars/Olympus', Date.UTC(2024, 0, 1))).toBeUndefined();
    expect(resolveOffset(0, -300, 'Europe/Paris')).toBe(-300); // utcOffsetMinutes wins
    expect(resolveOffset(0, undefined, undefined)).toBeUndefined();
  });
});

describe('prices and locales', () => {
  it('converts with the fixed table; free is free in any currency; unknown is missing', () => {
    expect(priceUsd(20, 'EUR')).toBeCloseTo(21.6, 10);
    expect(priceUsd(1000, 'JPY')).toBeCloseTo(6.6, 10);
    expect(priceUsd(0, undefined)).toBe(0);
    expect(priceUsd(5, 'XXX')).toBeNaN();
    expect(priceUsd(undefined, 'USD')).toBeNaN();
  });
  it('normalises locales', () => {
    expect(normalizeLocale('en_US')).toBe('en-US');
    expect(normalizeLocale('PT-br')).toBe('pt-BR');
    expect(normalizeLocale('zh-Hant-TW')).toBe('zh-TW');
    expect(normalizeLocale('ja')).toBe('ja');
    expect(normalizeLocale('??')).toBeNull();
    expect(normalizeLocale(undefined)).toBeNull();
  });
});
