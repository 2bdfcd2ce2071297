import { z } from 'zod';
import { INTERACTION_TYPES, type InteractionType } from '@evrec/core';

/**
 * The shape of the two towers: table sizes, widths and which interactions make up a user's
 * history. Saved with the model, so a loaded model encodes inputs exactly as it was trained.
 */
export interface TwoTowerArchitecture {
  /** Output dimensions of both towers (L2-normalised). */
  dims: number;
  /** Hidden layer width of each tower's MLP. */
  hidden: number;
  /** Width of the dense hashed text vector of title + description. */
  textDims: number;
  /** Rows of the hashed event-id table (shared by the event tower and the user's history). */
  eventIdBuckets: number;
  /** Width of an event-id embedding. */
  eventIdDims: number;
  /** Rows of the hashed user-id table; 0 (default) means no user-id term at all. */
  userIdBuckets: number;
  /** Width of the hashed categorical fields (host, geo cell, category, tags, country, user id). */
  fieldDims: number;
  /** Width of the small closed-vocabulary fields (language, price, age, gender, times). */
  smallDims: number;
  hostBuckets: number;
  geoBuckets: number;
  categoryBuckets: number;
  tagBuckets: number;
  languageBuckets: number;
  countryBuckets: number;
  /** Size of a geo cell in degrees (1° ≈ 111 km). */
  geoCellDegrees: number;
  /** Most recent history events pooled into the user tower. */
  historyCap: number;
  /** Interaction types that put an event into a user's history. */
  historyTypes: InteractionType[];
  /**
   * Whether the towers read anything besides event ids. False gives the ID-only (purely
   * collaborative) model of the evaluation's tower variants: events are their hashed id alone and
   * users the pooled ids of their history; a new event then has no input at all. Default true.
   */
  contentInputs: boolean;
}

export const DEFAULT_ARCHITECTURE: Readonly<TwoTowerArchitecture> = Object.freeze<TwoTowerArchitecture>({
  dims: 64,
  hidden: 128,
  textDims: 256,
  eventIdBuckets: 1 << 16,
  eventIdDims: 32,
  userIdBuckets: 0,
  fieldDims: 16,
  smallDims: 8,
  hostBuckets: 1 << 14,
  geoBuckets: 1 << 14,
  categoryBuckets: 1 << 10,
  tagBuckets: 1 << 12,
  languageBuckets: 256,
  countryBuckets: 512,
  geoCellDegrees: 1,
  historyCap: 50,
  historyTypes: ['register', 'attend'],
  contentInputs: true,
});

const rows = (max: number) => z.number().int().min(1).max(max);

export const TwoTowerArchitectureSchema = z.object({
  dims: z.number().int().min(2).max(1024),
  hidden: z.number().int().min(1).max(4096),
  textDims: z.number().int().min(1).max(1 << 16),
  eventIdBuckets: rows(1 << 24),
  eventIdDims: z.number().int().min(1).max(512),
  userIdBuckets: z.number().int().min(0).max(1 << 24),
  fieldDims: z.number().int().min(1).max(512),
  smallDims: z.number().int().min(1).max(512),
  hostBuckets: rows(1 << 24),
  geoBuckets: rows(1 << 24),
  categoryBuckets: rows(1 << 20),
  tagBuckets: rows(1 << 20),
  languageBuckets: rows(1 << 16),
  countryBuckets: rows(1 << 16),
  geoCellDegrees: z.number().positive().max(90),
  historyCap: z.number().int().min(1).max(10_000),
  historyTypes: z.array(z.enum(INTERACTION_TYPES)).min(1),
  // Absent in models saved before the option existed: they read content.
  contentInputs: z.boolean().default(true),
});
