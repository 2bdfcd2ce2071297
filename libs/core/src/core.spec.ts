import { describe, expect, it } from 'vitest';
import { EvrecError, createRng, haversineKm, geoCell, loadConfig, parseWith, EventSchema, InteractionSchema, httpStatusFor, formatLocation, isErrorCode } from './index.ts';

describe('parseWith', () => {
  it('names the offending field in the message', () => {
    try {
      parseWith(InteractionSchema, { id: 'i1', userId: 'u', eventId: 'e', type: 'buy', at: 'yesterday' }, 'body');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EvrecError);
      const err = e as EvrecError;
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toMatch(/body\.type/);
      expect(err.message).toMatch(/body\.at/);
      expect(err.field).toBe('body.type');
    }
  });
  it('accepts a valid event and strips nothing it knows', () => {
    const e = parseWith(EventSchema, { id: 'e1', lat: 10, lng: 20, price: 0, currency: 'EUR', language: 'fr' }, 'event');
    expect(e).toMatchObject({ id: 'e1', price: 0, currency: 'EUR' });
  });
  it('rejects out-of-range coordinates', () => {
    expect(() => parseWith(EventSchema, { id: 'e1', lat: 91 }, 'event')).toThrow(/event\.lat/);
  });
});

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
  });
  it('draws roughly uniform and normal values', () => {
    const r = createRng('x');
    let s = 0, s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) { const z = r.normal(); s += z; s2 += z * z; }
    expect(Math.abs(s / n)).toBeLessThan(0.05);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.weighted([1, 2, 3])]++;
    expect(counts[2] / counts[0]).toBeGreaterThan(2.5);
    expect(counts[2] / counts[0]).toBeLessThan(3.5);
  });
});

describe('geo', () => {
  it('computes Paris–London as ~344 km', () => {
    expect(haversineKm(48.8566, 2.3522, 51.5074, -0.1278)).toBeCloseTo(343.5, 0);
  });
  it('puts nearby points in the same cell', () => {
    expect(geoCell(48.85, 2.35)).toBe(geoCell(48.9, 2.4));
    expect(geoCell(48.85, 2.35)).not.toBe(geoCell(51.5, -0.12));
  });
});

describe('config', () => {
  it('has documented defaults and env overrides', () => {
    const c = loadConfig({ env: {} });
    expect(c.retrieval.annK).toBe(500);
    expect(c.tfBackend).toBe('auto');
    const d = loadConfig({ env: { EVREC_PORT: '9000', REDIS_URL: 'redis://127.0.0.1:6379', EVREC_TF_BACKEND: 'cpu' } });
    expect(d.api.port).toBe(9000);
    expect(d.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(d.tfBackend).toBe('cpu');
  });
  it('rejects bad values with the variable named', () => {
    expect(() => loadConfig({ env: { EVREC_PORT: 'eighty' } })).toThrow(/EVREC_PORT/);
    expect(() => loadConfig({ env: { EVREC_TF_BACKEND: 'tpu' } })).toThrow(/config\.tfBackend/);
  });
});

describe('errors', () => {
  it('recognises the closed set of codes in strings from other threads', () => {
    expect(isErrorCode('TIMEOUT')).toBe(true);
    expect(isErrorCode('CORRUPT_ARTIFACT')).toBe(true);
    expect(isErrorCode('timeout')).toBe(false);
    expect(isErrorCode('NOPE')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it('maps codes to HTTP statuses and formats locations', () => {
    expect(httpStatusFor('INVALID_INPUT')).toBe(400);
    expect(httpStatusFor('UNAUTHORIZED')).toBe(401);
    expect(formatLocation({ file: 'a.csv', line: 3, column: 2 })).toBe('a.csv:3:2');
  });
});
