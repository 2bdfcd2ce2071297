import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '@evrec/core';

/** Local wall-clock hour (0–23) and Monday-first day of week (0 = Monday … 6 = Sunday). */
export interface LocalClock {
  hour: number;
  day: number;
}

/** Clock reading at `at` (epoch ms) for a fixed UTC offset. */
export function localClock(at: number, utcOffsetMinutes: number): LocalClock {
  const local = at + utcOffsetMinutes * MS_PER_MINUTE;
  const dayIndex = Math.floor(local / MS_PER_DAY);
  const msOfDay = local - dayIndex * MS_PER_DAY;
  // 1970-01-01 was a Thursday (Monday-first index 3).
  return { hour: Math.floor(msOfDay / MS_PER_HOUR), day: (((dayIndex + 3) % 7) + 7) % 7 };
}

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
      });
    } catch {
      fmt = null; // unknown zone: treat as no zone rather than failing a request
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

/** UTC offset in minutes of IANA `timeZone` at `at`, or undefined for an unknown zone. */
export function offsetMinutesAt(timeZone: string, at: number): number | undefined {
  const fmt = formatterFor(timeZone);
  if (fmt === null) return undefined;
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(at / MS_PER_MINUTE) * MS_PER_MINUTE) / MS_PER_MINUTE);
}

/** The offset to use for something placed by `utcOffsetMinutes` (preferred) or `timezone`. */
export function resolveOffset(at: number, utcOffsetMinutes: number | undefined, timezone: string | undefined): number | undefined {
  if (utcOffsetMinutes !== undefined) return utcOffsetMinutes;
  if (timezone !== undefined) return offsetMinutesAt(timezone, at);
  return undefined;
}
