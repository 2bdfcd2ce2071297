import { z } from 'zod';
import { MS_PER_DAY, haversineKm, parseWith, type Event } from '@evrec/core';
import { priceUsd } from '@evrec/features';
import type { Catalog, GeoCircle } from './catalog.ts';

/** Optional filters a caller (a search box, an app screen) narrows a request with. */
export const RetrievalFiltersSchema = z.object({
  /** Highest ticket price, in `currency`; events with an unknown price are excluded. */
  maxPrice: z.number().min(0).optional(),
  /** Currency of `maxPrice` (ISO 4217); other currencies are compared in USD. Default USD. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as "USD"').optional(),
  /** Only free events (price 0); events with an unknown price are excluded. */
  free: z.boolean().optional(),
  /** Only these categories. */
  categories: z.array(z.string().min(1)).min(1).optional(),
  /** Only events in these languages (ISO 639); events with no language are excluded. */
  languages: z.array(z.string().min(1)).min(1).optional(),
});
export type RetrievalFilters = z.infer<typeof RetrievalFiltersSchema>;

/** Validates filters from an untrusted edge (API body, CLI flags); INVALID_INPUT naming the field. */
export function parseRetrievalFilters(value: unknown): RetrievalFilters {
  return parseWith(RetrievalFiltersSchema, value, 'filters');
}

/** Why a rule turned an event away; `null` from `RuleSet.check` means it passes. */
export type ExclusionReason =
  | 'unknown'
  | 'no_start'
  | 'not_published'
  | 'cancelled'
  | 'outside_window'
  | 'too_far'
  | 'registered'
  | 'dismissed'
  | 'sold_out'
  | 'price'
  | 'not_free'
  | 'category'
  | 'language';

export interface RuleSetInput {
  /** Request time, epoch ms. */
  at: number;
  /** Events must start within [at, at + horizonDays]. */
  horizonDays: number;
  /** The radius rule's circle; absent when no location is known (no radius rule). */
  near?: GeoCircle;
  /** Events the user holds a registration for. */
  registered?: Iterable<string>;
  /** Events the user dismissed (not_interested). */
  dismissed?: Iterable<string>;
  filters?: RetrievalFilters;
}

/**
 * The hard rules of candidate generation, evaluated per event id against the catalogue: published
 * (createdAt ≤ at), not cancelled, starting within [at, at + horizon], within the radius (online
 * events pass; events without a place fail when a radius applies), not registered, not dismissed,
 * not sold out (registrations ≥ capacity), and the caller's filters. `accepts` is what the ANN
 * search calls for each visited node, so it is a handful of field checks with no allocation.
 */
export class RuleSet {
  readonly at: number;
  readonly to: number;
  readonly near: GeoCircle | undefined;
  private readonly registered: ReadonlySet<string>;
  private readonly dismissed: ReadonlySet<string>;
  private readonly maxPriceUsd: number | undefined;
  private readonly maxPrice: number | undefined;
  private readonly maxPriceCurrency: string;
  private readonly free: boolean;
  private readonly categories: ReadonlySet<string> | undefined;
  private readonly languages: ReadonlySet<string> | undefined;
  /** Bound once so the ANN gets a stable callback. */
  readonly accepts: (id: string) => boolean;

  constructor(private readonly catalog: Catalog, input: RuleSetInput) {
    this.at = input.at;
    this.to = input.at + input.horizonDays * MS_PER_DAY;
    this.near = input.near;
    this.registered = new Set(input.registered ?? []);
    this.dismissed = new Set(input.dismissed ?? []);
    const f = input.filters ?? {};
    this.maxPrice = f.maxPrice;
    this.maxPriceCurrency = f.currency ?? 'USD';
    this.maxPriceUsd = f.maxPrice === undefined ? undefined : priceUsd(f.maxPrice, this.maxPriceCurrency);
    this.free = f.free === true;
    this.categories = f.categories === undefined ? undefined : new Set(f.categories);
    this.languages = f.languages === undefined ? undefined : new Set(f.languages);
    this.accepts = (id) => this.check(id) === null;
  }

  /** True when the caller's filters narrow the set (a hint that an exact scan may pay off). */
  get hasFilters(): boolean {
    return this.maxPrice !== undefined || this.free || this.categories !== undefined || this.languages !== undefined;
  }

  /** The first rule `id` fails, or null when it passes them all. */
  check(id: string): ExclusionReason | null {
    const e = this.catalog.get(id);
    if (e === undefined) return 'unknown';
    return this.checkEvent(e);
  }

  /**
   * The first rule `e` fails, or null. `withinRadius`: the caller already checked the distance
   * (the catalogue's window scan does), so the haversine is not computed twice.
   */
  checkEvent(e: Event, withinRadius = false): ExclusionReason | null {
    if (e.startsAt === undefined) return 'no_start';
    if (e.createdAt !== undefined && e.createdAt > this.at) return 'not_published';
    if (e.status === 'cancelled') return 'cancelled';
    if (e.startsAt < this.at || e.startsAt > this.to) return 'outside_window';
    const near = this.near;
    if (near !== undefined && e.online !== true && !withinRadius) {
      if (e.lat === undefined || e.lng === undefined) return 'too_far';
      if (haversineKm(near.lat, near.lng, e.lat, e.lng) > near.radiusKm) return 'too_far';
    }
    if (this.registered.has(e.id)) return 'registered';
    if (this.dismissed.has(e.id)) return 'dismissed';
    if (e.capacity !== undefined && this.catalog.stats(e.id).registrations >= e.capacity) return 'sold_out';
    if (this.maxPrice !== undefined) {
      if (e.price === undefined) return 'price';
      if (e.price > 0) {
        const sameCurrency = e.currency === this.maxPriceCurrency;
        const over = sameCurrency ? e.price > this.maxPrice : !(priceUsd(e.price, e.currency) <= (this.maxPriceUsd ?? NaN));
        if (over) return 'price';
      }
    }
    if (this.free && e.price !== 0) return 'not_free';
    if (this.categories !== undefined && (e.category === undefined || !this.categories.has(e.category))) return 'category';
    if (this.languages !== undefined && (e.language === undefined || !this.languages.has(e.language))) return 'language';
    return null;
  }
}
