import { describe, expect, it } from 'vitest';
import { compareStreamIds, parseFeedEntry } from './catalog-feed.ts';

describe('catalogue feed entries', () => {
  it('parses the fields of an upsert, a cancellation and a stats entry', () => {
    const event = { id: 'e1', title: 'Jazz', startsAt: 1_800_000_000_000 };
    expect(parseFeedEntry(['replica', 'A', 'change', JSON.stringify({ op: 'upsert', event })])).toEqual({ replica: 'A', change: { op: 'upsert', event } });
    expect(parseFeedEntry(['change', JSON.stringify({ op: 'cancel', event: { ...event, status: 'cancelled' } }), 'replica', 'B']).change.op).toBe('cancel');
    expect(parseFeedEntry(['replica', 'A', 'change', '{"op":"stats","eventIds":["e1","e2"]}']).change).toEqual({ op: 'stats', eventIds: ['e1', 'e2'] });
  });

  it('refuses malformed entries (they come from outside the process)', () => {
    const bad = [
      ['replica', 'A'],
      ['replica', '', 'change', '{"op":"stats","eventIds":["e1"]}'],
      ['replica', 'A', 'change', '{nope'],
      ['replica', 'A', 'change', '{"op":"delete","eventId":"e1"}'],
      ['replica', 'A', 'change', '{"op":"upsert","event":{"id":"e1","lat":91}}'],
      ['replica', 'A', 'change', '{"op":"stats","eventIds":[]}'],
    ];
    for (const fields of bad) expect(() => parseFeedEntry(fields), JSON.stringify(fields)).toThrow();
  });

  it('orders stream ids by time, then sequence, beyond float precision', () => {
    expect(compareStreamIds('1-0', '2-0')).toBe(-1);
    expect(compareStreamIds('5-10', '5-9')).toBe(1);
    expect(compareStreamIds('5-3', '5-3')).toBe(0);
    expect(compareStreamIds('0-0', '1700000000000-0')).toBe(-1);
    expect(compareStreamIds('1700000000000-9007199254740993', '1700000000000-9007199254740992')).toBe(1);
  });
});
