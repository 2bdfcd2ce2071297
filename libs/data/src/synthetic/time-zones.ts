import { MS_PER_DAY } from '@evrec/core';

/**
 * UTC offsets (with daylight saving) for IANA zones, from ICU through Intl, cached per zone and UTC
 * day: the generator asks millions of times, ICU answers once per zone-day. The offset that holds
 * at noon UTC is used for the whole day, so the few hours around a DST switch are off by the shift.
 */
export class UtcOffsets {
  private readonly formats = new Map<string, Intl.DateTimeFormat>();
  private readonly cache = new Map<string, number>();

  /** Minutes east of UTC in `timezone` on the UTC day containing `at`. */
  minutes(timezone: string, at: number): number {
    const day = Math.floor(at / MS_PER_DAY);
    const key = timezone + '|' + day;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let fmt = this.formats.get(timezone);
    if (fmt === undefined) {
      fmt = new Intl.DateTimeFormat('en-US', { timeZone: timezone, timeZoneName: 'longOffset' });
      this.formats.set(timezone, fmt);
    }
    const name = fmt.formatToParts(new Date(day * MS_PER_DAY + MS_PER_DAY / 2)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const value = parseGmtOffset(name);
    this.cache.set(key, value);
    return value;
  }
}

/** `GMT`, `GMT+5:30`, `GMT-03:00` → minutes. */
export function parseGmtOffset(name: string): number {
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
  if (!m || m[1] === undefined) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -minutes : minutes;
}
