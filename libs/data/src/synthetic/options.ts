import { z } from 'zod';
import { CITIES } from './cities.ts';

export const PRESET_NAMES = ['tiny', 'small', 'medium', '1m'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * Size and behaviour of a synthetic world. Every field is optional; a preset (default `small`)
 * fills what is not given, and explicit fields override the preset.
 */
export interface WorldOptions {
  /** Seed for every random choice; the same options give byte-identical data files. Default 42. */
  seed?: number | string;
  /** Starting point for the fields below. Default `small`. */
  preset?: PresetName;
  /** Number of users. Preset: tiny 300, small 5,000, medium 100,000, 1m 1,000,000. */
  users?: number;
  /** Number of events. Preset: tiny 200, small 3,000, medium 80,000, 1m 1,000,000. */
  events?: number;
  /** Simulated days of activity. Preset: tiny 28, small 60, medium 90, 1m 120. */
  days?: number;
  /** First simulated day (UTC midnight, `YYYY-MM-DD`). Default `2026-01-05` (a Monday). */
  start?: string;
  /** How many cities of the built-in table to use (round-robin over continents, largest first). Preset: tiny 18, others all. */
  cities?: number;
  /** Mean recommendation sessions per user per day (activity is heavy-tailed around it). Preset-specific. */
  sessionsPerUserDay?: number;
  /** Mean events shown per regular session. Default 8. */
  impressionsPerSession?: number;
  /** Mean number of friends per user. Default 12 (heavy-tailed). */
  meanFriends?: number;
  /** Also write the hidden variables (tastes, sensitivities, qualities) under `truth/`. Default false. */
  truth?: boolean;
  /** Dataset name in the manifest. Default `synthetic-<preset>`. */
  name?: string;
}

export interface ResolvedWorldOptions {
  seed: number | string;
  preset: PresetName;
  users: number;
  events: number;
  days: number;
  start: string;
  /** Epoch ms of `start`. */
  startMs: number;
  cities: number;
  sessionsPerUserDay: number;
  impressionsPerSession: number;
  meanFriends: number;
  truth: boolean;
  name: string;
}

type PresetFields = Pick<ResolvedWorldOptions, 'users' | 'events' | 'days' | 'cities' | 'sessionsPerUserDay'>;

/** Session rates are tuned so each preset lands near its interaction target (see docs/SYNTHETIC.md). */
export const PRESETS: Readonly<Record<PresetName, PresetFields>> = {
  tiny: { users: 300, events: 200, days: 28, cities: 18, sessionsPerUserDay: 0.2 },
  small: { users: 5_000, events: 3_000, days: 60, cities: CITIES.length, sessionsPerUserDay: 0.075 },
  medium: { users: 100_000, events: 80_000, days: 90, cities: CITIES.length, sessionsPerUserDay: 0.03 },
  '1m': { users: 1_000_000, events: 1_000_000, days: 120, cities: CITIES.length, sessionsPerUserDay: 0.02 },
};

export const WorldOptionsSchema = z.object({
  seed: z.union([z.number().int(), z.string().min(1)]).optional(),
  preset: z.enum(PRESET_NAMES).optional(),
  users: z.number().int().min(10, 'must be at least 10').max(50_000_000).optional(),
  events: z.number().int().min(10, 'must be at least 10').max(50_000_000).optional(),
  days: z.number().int().min(1).max(3650).optional(),
  start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD').optional(),
  cities: z.number().int().min(6, 'must be at least 6 (one per continent)').max(CITIES.length).optional(),
  sessionsPerUserDay: z.number().positive().max(50).optional(),
  impressionsPerSession: z.number().min(1).max(50).optional(),
  meanFriends: z.number().min(0).max(1000).optional(),
  truth: z.boolean().optional(),
  name: z.string().min(1).max(200).optional(),
});

export function resolveWorldOptions(o: WorldOptions): ResolvedWorldOptions {
  const preset = o.preset ?? 'small';
  const p = PRESETS[preset];
  const start = o.start ?? '2026-01-05';
  return {
    seed: o.seed ?? 42,
    preset,
    users: o.users ?? p.users,
    events: o.events ?? p.events,
    days: o.days ?? p.days,
    start,
    startMs: Date.parse(start + 'T00:00:00Z'),
    cities: o.cities ?? p.cities,
    sessionsPerUserDay: o.sessionsPerUserDay ?? p.sessionsPerUserDay,
    impressionsPerSession: o.impressionsPerSession ?? 8,
    meanFriends: o.meanFriends ?? 12,
    truth: o.truth ?? false,
    name: o.name ?? `synthetic-${preset}`,
  };
}
