import type { InteractionType } from './domain.ts';

/**
 * The contract between whatever holds interaction state (the online store, or an offline replay of
 * a dataset) and the feature code. Everything in a snapshot is "as of `at`": only interactions
 * strictly before `at` are visible. One `snapshot()` call gathers all a request needs for one user
 * and all its candidates, so the Redis implementation is one round trip.
 */
export interface ActivityQuery {
  userId: string;
  eventIds: readonly string[];
  at: number;
}

export interface HistoryItem {
  eventId: string;
  type: InteractionType;
  at: number;
}

export interface UserActivity {
  userId: string;
  friendIds: string[];
  /** Positive interactions (register, attend, interested, click), most recent first, capped. */
  history: HistoryItem[];
  /** Every event the user holds a registration for (cancellations removed). */
  registeredEventIds: string[];
  /** Negative feedback (not_interested), for filtering. */
  dismissedEventIds: string[];
}

export interface EventActivity {
  registrations: number;
  /** Registrations in the last 24 h / 7 days before `at` (velocity). */
  registrations1d: number;
  registrations7d: number;
  impressions: number;
  clicks: number;
  /** How many of the user's friends registered for this event. */
  friendsRegistered: number;
  /** How many invitations to this event the user received. */
  invitesReceived: number;
}

export interface ActivitySnapshot {
  at: number;
  user: UserActivity;
  /** One entry per requested event id; events never seen get zeros. */
  events: Record<string, EventActivity>;
}

export interface ActivityReader {
  snapshot(query: ActivityQuery): Promise<ActivitySnapshot>;
}

export function emptyEventActivity(): EventActivity {
  return {
    registrations: 0,
    registrations1d: 0,
    registrations7d: 0,
    impressions: 0,
    clicks: 0,
    friendsRegistered: 0,
    invitesReceived: 0,
  };
}
