import { EvrecError, type Interaction, type InteractionType } from '@evrec/core';

/** Interaction types that can count as a positive label. */
export const POSITIVE_CAPABLE_TYPES = ['register', 'attend', 'interested', 'click'] as const;
export type PositiveType = (typeof POSITIVE_CAPABLE_TYPES)[number];

/**
 * Which interactions make a positive label, with the sample weight each carries. A type with
 * weight 0 (or absent) is not a positive. When one (user, event) has several, the largest weight wins.
 */
export type PositiveWeights = Partial<Record<PositiveType, number>>;

export interface ResolvedPositives {
  weights: ReadonlyMap<InteractionType, number>;
  /** `given` (caller's weights), `registrations` (register/attend found) or `interested` (no registrations: the Kaggle 2013 label). */
  origin: 'given' | 'registrations' | 'interested';
}

/** Registrations when the data has them (`register`, `attend` at weight 1). */
export const DEFAULT_POSITIVE_WEIGHTS: Readonly<PositiveWeights> = Object.freeze({ register: 1, attend: 1 });

/**
 * The positive weights to train with: the caller's, else registrations (register, attend) when the
 * log has any, else `interested` (the Kaggle 2013 import has no registrations). INVALID_INPUT when
 * the weights name a non-positive type, are negative, or leave no positive type.
 */
export function resolvePositiveWeights(interactions: readonly Interaction[], given?: PositiveWeights): ResolvedPositives {
  if (given !== undefined) {
    const weights = new Map<InteractionType, number>();
    for (const [type, w] of Object.entries(given)) {
      if (!(POSITIVE_CAPABLE_TYPES as readonly string[]).includes(type)) {
        throw new EvrecError('INVALID_INPUT', `"${type}" cannot be a positive (allowed: ${POSITIVE_CAPABLE_TYPES.join(', ')})`, { field: 'positives' });
      }
      if (w === undefined) continue;
      if (!Number.isFinite(w) || w < 0) throw new EvrecError('INVALID_INPUT', `positive weight of ${type} must be a finite number ≥ 0, got ${w}`, { field: 'positives' });
      if (w > 0) weights.set(type as InteractionType, w);
    }
    if (weights.size === 0) throw new EvrecError('INVALID_INPUT', 'positive weights leave no positive type (give at least one weight > 0)', { field: 'positives' });
    return { weights, origin: 'given' };
  }
  let registrations = false;
  let interested = false;
  for (const x of interactions) {
    if (x.type === 'register' || x.type === 'attend') {
      registrations = true;
      break;
    }
    if (x.type === 'interested') interested = true;
  }
  if (registrations) return { weights: new Map(Object.entries(DEFAULT_POSITIVE_WEIGHTS) as [InteractionType, number][]), origin: 'registrations' };
  if (interested) return { weights: new Map<InteractionType, number>([['interested', 1]]), origin: 'interested' };
  throw new EvrecError('INVALID_INPUT', 'the dataset has no register, attend or interested interactions to learn from');
}

/** Parses `register=1,attend=1,interested=0.5` (the CLI form). */
export function parsePositiveWeights(text: string): PositiveWeights {
  const out: PositiveWeights = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [type, value] = part.split('=');
    const w = value === undefined ? 1 : Number(value);
    if (!(POSITIVE_CAPABLE_TYPES as readonly string[]).includes(type) || !Number.isFinite(w) || w < 0) {
      throw new EvrecError('INVALID_INPUT', `--positives: "${part}" is not TYPE[=WEIGHT] with TYPE one of ${POSITIVE_CAPABLE_TYPES.join(', ')} and WEIGHT ≥ 0`, { field: 'positives' });
    }
    out[type as PositiveType] = w;
  }
  return out;
}
