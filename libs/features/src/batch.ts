import { EvrecError } from '@evrec/core';
import { FEATURE_VERSION, FEATURES, rawKindOf } from './registry.ts';

/** A categorical raw value; null = missing. */
export type CategoricalValue = string | null;
/** A `shares` raw value (value → share, summing to 1); null = missing. */
export type SharesValue = Readonly<Record<string, number>> | null;

/**
 * Raw (unencoded) features for one request: one row per candidate event, one column per registry
 * feature. `numeric` holds numeric, binary and bucket features (NaN = missing); `categorical` holds
 * enum, vocab and hashed features (null = missing); `shares` holds shares features.
 */
export interface RawFeatureBatch {
  featureVersion: number;
  rows: number;
  userId: string;
  /** Request time; every feature is as of this instant (only interactions strictly before it). */
  at: number;
  eventIds: string[];
  numeric: Record<string, Float64Array>;
  categorical: Record<string, CategoricalValue[]>;
  shares: Record<string, SharesValue[]>;
}

/** A batch with every registry column allocated: numeric NaN, categorical and shares null. */
export function emptyBatch(userId: string, at: number, eventIds: string[]): RawFeatureBatch {
  const rows = eventIds.length;
  const batch: RawFeatureBatch = { featureVersion: FEATURE_VERSION, rows, userId, at, eventIds, numeric: {}, categorical: {}, shares: {} };
  for (const d of FEATURES) {
    const kind = rawKindOf(d.type);
    if (kind === 'numeric') batch.numeric[d.name] = new Float64Array(rows).fill(NaN);
    else if (kind === 'categorical') batch.categorical[d.name] = new Array<CategoricalValue>(rows).fill(null);
    else batch.shares[d.name] = new Array<SharesValue>(rows).fill(null);
  }
  return batch;
}

/** One row as a plain record `{feature name: value}` (null for missing), in registry order. */
export function batchRow(batch: RawFeatureBatch, row: number): Record<string, number | string | SharesValue> {
  if (row < 0 || row >= batch.rows) throw new EvrecError('INVALID_INPUT', `row ${row} is outside the batch (0..${batch.rows - 1})`);
  const out: Record<string, number | string | SharesValue> = {};
  for (const d of FEATURES) {
    const kind = rawKindOf(d.type);
    if (kind === 'numeric') {
      const v = batch.numeric[d.name][row];
      out[d.name] = Number.isNaN(v) ? null : v;
    } else if (kind === 'categorical') out[d.name] = batch.categorical[d.name][row];
    else out[d.name] = batch.shares[d.name][row];
  }
  return out;
}
