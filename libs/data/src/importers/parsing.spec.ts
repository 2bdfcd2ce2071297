import { describe, expect, it } from 'vitest';
import { IssueSink } from '../native/issues.ts';
import { countryCode } from './country-names.ts';
import { htmlToText } from './html-text.ts';
import { parseTimestamp, Row, RowRejected, tryRow } from './row.ts';

describe('parseTimestamp', () => {
  it('reads the Kaggle and ISO forms as UTC epoch ms', () => {
    expect(parseTimestamp('2012-10-02 15:53:05.754000+00:00')).toBe(Date.UTC(2012, 9, 2, 15, 53, 5, 754));
    expect(parseTimestamp('2012-10-31 17:18:39+00:00')).toBe(Date.UTC(2012, 9, 31, 17, 18, 39));
    expect(parseTimestamp('2012-10-02T06:40:55.524Z')).toBe(Date.UTC(2012, 9, 2, 6, 40, 55, 524));
    expect(parseTimestamp('2012-10-02T06:40:55')).toBe(Date.UTC(2012, 9, 2, 6, 40, 55));
  });
  it('applies explicit offsets', () => {
    expect(parseTimestamp('2012-10-02T08:00:00+02:00')).toBe(Date.UTC(2012, 9, 2, 6, 0, 0));
    expect(parseTimestamp('2012-10-02T01:30:00-0430')).toBe(Date.UTC(2012, 9, 2, 6, 0, 0));
  });
  it('rejects impossible or malformed dates', () => {
    for (const bad of ['2012-02-30 10:00:00', '2012-13-01T00:00:00Z', 'None', '2012-10-02', '02/10/2012 10:00', '2012-10-02T25:00:00Z']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
  });
});

describe('Row accessors', () => {
  const index = new Map([['n', 0], ['t', 1], ['f', 2]]);
  const row = (fields: string[], sink = new IssueSink()) => ({ row: new Row({ file: 'x.csv', line: 7, fields }, index, sink), sink });

  it('treats empty and None as unknown', () => {
    const { row: r } = row(['None', '', ' ']);
    expect(r.number('n')).toBeUndefined();
    expect(r.timestamp('t')).toBeUndefined();
    expect(r.flag('f')).toBe(false);
  });

  it('rejects a bad number with a located bad-number issue', () => {
    const { row: r, sink } = row(['23-May', '', '2']);
    expect(() => r.number('n', { integer: true })).toThrow(RowRejected);
    expect(sink.report.samples()[0]).toMatchObject({ reason: 'bad-number', location: { file: 'x.csv', line: 7, column: 1, field: 'n' } });
    expect(tryRow(() => r.flag('f'))).toBeUndefined();
    expect(sink.report.count('bad-number')).toBe(2);
  });

  it('enforces ranges and integrality', () => {
    const { row: r, sink } = row(['1e3', '', '']);
    expect(r.number('n', { integer: true, max: 1000 })).toBe(1000);
    expect(r.softly(() => r.number('n', { max: 999 }))).toBeUndefined();
    expect(sink.report.count('bad-number')).toBe(1);
  });

  it('rejects a bad date with bad-date', () => {
    const { row: r, sink } = row(['', '2012-10-02 99:00:00', '']);
    expect(r.softly(() => r.timestamp('t'))).toBeUndefined();
    expect(sink.report.samples()[0]).toMatchObject({ reason: 'bad-date', location: { column: 2 } });
  });
});

describe('htmlToText', () => {
  it('strips tags, keeps paragraphs, decodes entities', () => {
    const html = '<p>Thanks to <strong>all</strong>,</p> <p>Ian &amp; Co&#39;s<br/>644&#x2e;4189</p><script>x()</script><ul><li>one</li><li>two&nbsp;</li></ul>';
    expect(htmlToText(html)).toBe("Thanks to all,\n\nIan & Co's\n644.4189\n\none\n\ntwo");
  });
  it('leaves unknown entities and plain text alone', () => {
    expect(htmlToText('a &bogus; b &lt; c')).toBe('a &bogus; b < c');
  });
});

describe('countryCode', () => {
  it('maps English country names and codes, not regions or ambiguous names', () => {
    expect(countryCode('Indonesia')).toBe('ID');
    expect(countryCode('united states')).toBe('US');
    expect(countryCode('Dominican Republic')).toBe('DO');
    expect(countryCode('FR')).toBe('FR');
    expect(countryCode('California')).toBeUndefined();
    expect(countryCode('Georgia')).toBeUndefined();
    expect(countryCode('11')).toBeUndefined();
  });
});
