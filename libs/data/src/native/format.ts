import { z } from 'zod';

/**
 * The native dataset format: a directory of JSON Lines files plus a manifest. See docs/DATA.md for
 * every field, its unit and its time-zone rule.
 */
export const DATASET_FILES = {
  users: 'users.jsonl',
  events: 'events.jsonl',
  friendships: 'friendships.jsonl',
  interactions: 'interactions.jsonl',
} as const;
export type DatasetTable = keyof typeof DATASET_FILES;
export const DATASET_TABLES = Object.keys(DATASET_FILES) as DatasetTable[];

export const MANIFEST_FILE = 'dataset.json';
export const FORMAT_VERSION = 1;

export const DatasetManifestSchema = z.object({
  format: z.literal('evrec-dataset'),
  formatVersion: z.literal(FORMAT_VERSION),
  /** Human name, e.g. `synthetic-world`, `kaggle2013`, `meetup-montana`. */
  name: z.string(),
  /** Where it came from (generator options, import source path). */
  source: z.record(z.string(), z.unknown()).default({}),
  createdAt: z.string(),
  counts: z.object({
    users: z.number().int().min(0),
    events: z.number().int().min(0),
    friendships: z.number().int().min(0),
    interactions: z.number().int().min(0),
  }),
  /** True when interactions.jsonl is in ascending `at` order (required by point-in-time replay). */
  interactionsSorted: z.boolean(),
  /** [min, max] of interaction times, epoch ms; null when there are none. */
  timeRange: z.tuple([z.number(), z.number()]).nullable(),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;
