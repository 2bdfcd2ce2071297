/**
 * Event categories and how events of each look: prices, durations, sizes, start hours, weekend and
 * online shares, and which users lean towards them. Figures are plausible round numbers.
 */
export interface CategoryProfile {
  name: string;
  /** Relative share of hosts whose main category this is. */
  share: number;
  /** Probability an event is free. */
  freeShare: number;
  /** Paid price relative to the city's typical ticket (median). */
  priceFactor: number;
  /** Median duration in minutes. */
  durationMinutes: number;
  /** Median capacity. */
  capacity: number;
  /** Local start hours to draw from. */
  startHours: readonly number[];
  /** Probability the event is moved to a weekend. */
  weekendShare: number;
  onlineShare: number;
  /** Taste prior shift for users under 30 (positive: young people like it more). */
  youthTilt: number;
  /** Taste prior shift for women (negative: men like it more); the shift for men is the opposite. */
  femaleTilt: number;
  /** Category's own attractiveness, added to every event of it (logit units). */
  baseAppeal: number;
}

export const CATEGORIES: readonly CategoryProfile[] = [
  { name: 'music', share: 1.2, freeShare: 0.25, priceFactor: 1.3, durationMinutes: 150, capacity: 200, startHours: [19, 20, 21], weekendShare: 0.5, onlineShare: 0.03, youthTilt: 0.3, femaleTilt: 0, baseAppeal: 0.1 },
  { name: 'nightlife', share: 1.0, freeShare: 0.2, priceFactor: 1.0, durationMinutes: 300, capacity: 150, startHours: [22, 23], weekendShare: 0.6, onlineShare: 0, youthTilt: 0.9, femaleTilt: 0, baseAppeal: -0.1 },
  { name: 'art', share: 0.8, freeShare: 0.5, priceFactor: 0.6, durationMinutes: 120, capacity: 60, startHours: [11, 14, 18], weekendShare: 0.5, onlineShare: 0.05, youthTilt: -0.4, femaleTilt: 0.3, baseAppeal: 0 },
  { name: 'theatre', share: 0.7, freeShare: 0.1, priceFactor: 1.4, durationMinutes: 120, capacity: 150, startHours: [19, 20], weekendShare: 0.45, onlineShare: 0.02, youthTilt: -0.4, femaleTilt: 0.2, baseAppeal: 0 },
  { name: 'film', share: 0.6, freeShare: 0.3, priceFactor: 0.5, durationMinutes: 120, capacity: 80, startHours: [19, 20, 21], weekendShare: 0.45, onlineShare: 0.1, youthTilt: 0, femaleTilt: 0, baseAppeal: 0 },
  { name: 'food', share: 1.0, freeShare: 0.15, priceFactor: 1.2, durationMinutes: 150, capacity: 30, startHours: [12, 18, 19], weekendShare: 0.5, onlineShare: 0.03, youthTilt: 0, femaleTilt: 0.1, baseAppeal: 0.1 },
  { name: 'sports', share: 0.9, freeShare: 0.5, priceFactor: 0.4, durationMinutes: 90, capacity: 30, startHours: [9, 10, 18, 19], weekendShare: 0.6, onlineShare: 0, youthTilt: 0.3, femaleTilt: -0.5, baseAppeal: 0 },
  { name: 'fitness', share: 0.9, freeShare: 0.6, priceFactor: 0.3, durationMinutes: 60, capacity: 25, startHours: [7, 8, 18], weekendShare: 0.4, onlineShare: 0.1, youthTilt: 0.2, femaleTilt: 0.2, baseAppeal: 0 },
  { name: 'outdoors', share: 0.7, freeShare: 0.4, priceFactor: 0.6, durationMinutes: 300, capacity: 20, startHours: [8, 9], weekendShare: 0.8, onlineShare: 0, youthTilt: 0, femaleTilt: 0, baseAppeal: 0 },
  { name: 'tech', share: 1.0, freeShare: 0.75, priceFactor: 0.4, durationMinutes: 120, capacity: 80, startHours: [18, 19], weekendShare: 0.15, onlineShare: 0.35, youthTilt: 0.2, femaleTilt: -0.5, baseAppeal: 0.2 },
  { name: 'business', share: 0.8, freeShare: 0.5, priceFactor: 0.9, durationMinutes: 120, capacity: 60, startHours: [8, 18], weekendShare: 0.1, onlineShare: 0.3, youthTilt: -0.2, femaleTilt: -0.1, baseAppeal: -0.1 },
  { name: 'education', share: 0.8, freeShare: 0.6, priceFactor: 0.4, durationMinutes: 90, capacity: 40, startHours: [18, 19], weekendShare: 0.3, onlineShare: 0.3, youthTilt: 0, femaleTilt: 0.2, baseAppeal: 0 },
  { name: 'family', share: 0.6, freeShare: 0.5, priceFactor: 0.5, durationMinutes: 120, capacity: 40, startHours: [10, 11, 15], weekendShare: 0.8, onlineShare: 0.02, youthTilt: -0.6, femaleTilt: 0.3, baseAppeal: 0 },
  { name: 'community', share: 0.8, freeShare: 0.85, priceFactor: 0.2, durationMinutes: 120, capacity: 30, startHours: [10, 18, 19], weekendShare: 0.5, onlineShare: 0.05, youthTilt: -0.3, femaleTilt: 0.2, baseAppeal: 0.3 },
  { name: 'gaming', share: 0.6, freeShare: 0.5, priceFactor: 0.3, durationMinutes: 180, capacity: 24, startHours: [18, 19, 20], weekendShare: 0.5, onlineShare: 0.25, youthTilt: 0.6, femaleTilt: -0.5, baseAppeal: 0 },
  { name: 'wellness', share: 0.7, freeShare: 0.4, priceFactor: 0.6, durationMinutes: 75, capacity: 20, startHours: [8, 9, 18, 19], weekendShare: 0.5, onlineShare: 0.2, youthTilt: -0.1, femaleTilt: 0.5, baseAppeal: 0 },
];

export const CATEGORY_NAMES: readonly string[] = CATEGORIES.map((c) => c.name);
export const CATEGORY_COUNT = CATEGORIES.length;
