import { EvrecError, type RequestContext } from '@evrec/core';
import type { Candidate, CandidateSource, RetrievalResult } from './retrieve.ts';

/** One recommended event. */
export interface Recommendation {
  eventId: string;
  /** The ranker's score when one ran, else the merged retrieval score. */
  score: number;
  sources: CandidateSource[];
  /** Each source's own score (see `Candidate.scores`). */
  retrievalScores: Partial<Record<CandidateSource, number>>;
}

/** Who and when a ranker scores for. */
export interface RankRequest {
  userId?: string;
  context: RequestContext;
}

/**
 * The seam where a ranker plugs in: one score per candidate, in the candidates' order, higher is
 * better. May be async (features come from the store).
 */
export type RankCandidates = (candidates: readonly Candidate[], request: RankRequest) => readonly number[] | Promise<readonly number[]>;

export interface RecommendOptions {
  /** Items to return. Default 20. */
  k?: number;
  /** Ranker; without one the merged retrieval order is the answer. */
  rank?: RankCandidates;
}

/**
 * The top k of a retrieval result, re-ordered by `rank` when given (ties keep retrieval order).
 * Without a ranker, retrieval's merged order stands (retrieval-only recommendations).
 */
export async function recommendFromRetrieval(result: RetrievalResult, request: RankRequest, options: RecommendOptions = {}): Promise<Recommendation[]> {
  const k = options.k ?? 20;
  if (!Number.isInteger(k) || k < 1) throw new EvrecError('INVALID_INPUT', `k must be a positive integer, got ${k}`, { field: 'k' });
  const cands = result.candidates;
  let scores: readonly number[] = cands.map((c) => c.score);
  if (options.rank !== undefined && cands.length > 0) {
    scores = await options.rank(cands, request);
    if (scores.length !== cands.length) {
      throw new EvrecError('INTERNAL', `the ranker returned ${scores.length} scores for ${cands.length} candidates`);
    }
  }
  const order = cands.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k).map((i) => ({
    eventId: cands[i].eventId,
    score: scores[i],
    sources: cands[i].sources,
    retrievalScores: cands[i].scores,
  }));
}
