import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetWriter } from '@evrec/data';
import { FEATURES, loadFeatureSpec } from '@evrec/features';
import { capture } from './capture-cli.fixture.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-features-'));
const data = join(root, 'ds');
afterAll(() => rm(root, { recursive: true, force: true }));


beforeAll(async () => {
  const w = await DatasetWriter.open(data, { name: 'cli-features' });
  await w.user({ id: 'u1', language: 'en' });
  await w.user({ id: 'u2' });
  await w.event({ id: 'e1', title: 'Jazz, "live"', category: 'music', price: 0, currency: 'EUR' });
  await w.event({ id: 'e2', title: 'Code night', category: 'tech' });
  await w.friendship({ userId: 'u1', friendId: 'u2' });
  await w.interaction({ id: 'i1', userId: 'u2', eventId: 'e1', type: 'register', at: 1000 });
  await w.interaction({ id: 'i2', userId: 'u1', eventId: 'e1', type: 'impression', at: 2000 });
  await w.interaction({ id: 'i3', userId: 'u1', eventId: 'e2', type: 'impression', at: 2000 });
  await w.interaction({ id: 'i4', userId: 'u1', eventId: 'e1', type: 'register', at: 3000 });
  await w.interaction({ id: 'i5', userId: 'u2', eventId: 'e2', type: 'impression', at: 4000 });
  await w.close();
});

describe('evrec features', () => {
  it('writes labelled point-in-time rows as CSV, and a spec on request', async () => {
    const out = join(root, 'rows.csv');
    const spec = join(root, 'spec.json');
    const r = await capture(['features', '--data', data, '--out', out, '--until', '3500', '--spec', spec, '--json']);
    expect(r.err).not.toMatch(/INTERNAL/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ rows: 3, positives: 2, format: 'csv', features: FEATURES.length });
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 5)).toEqual(['userId', 'eventId', 'at', 'label', 'source']);
    expect(header).toHaveLength(5 + FEATURES.length);
    const cell = (line: number, name: string) => lines[line].split(',')[header.indexOf(name)];
    // u2's registration (organic, label 1), then u1's impressions at 2000 (e1 registered at 3000 → 1; e2 → 0)
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 5).join(','))).toEqual(['u2,e1,1000,1,registration', 'u1,e1,2000,1,impression', 'u1,e2,2000,0,impression']);
    expect(cell(1, 'event.registrations')).toBe('0'); // u2's own registration is not visible to its example
    expect(cell(2, 'event.registrations')).toBe('1');
    expect(cell(2, 'social.friends_registered')).toBe('1');
    expect(cell(2, 'event.price_usd')).toBe('0');
    expect(cell(3, 'event.price_usd')).toBe(''); // missing
    expect((await loadFeatureSpec(spec)).rowsSeen).toBe(3);
  });

  it('writes JSONL by extension and honours --limit', async () => {
    const out = join(root, 'rows.jsonl');
    const r = await capture(['features', '--data', data, '--out', out, '--limit', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote 2 rows/);
    const rows = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.userId, x.eventId, x.label])).toEqual([['u2', 'e1', 1], ['u1', 'e1', 1]]);
    expect(rows[1]['event.category']).toBe('music');
    expect(rows[1]['event.capacity_fill']).toBeNull();
  });

  it('rejects an unknown output format and a bad limit', async () => {
    expect((await capture(['features', '--data', data, '--out', join(root, 'rows.parquet')])).err).toMatch(/INVALID_INPUT.*\.csv/);
    const bad = await capture(['features', '--data', data, '--out', join(root, 'x.csv'), '--limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--limit/);
  });
});
