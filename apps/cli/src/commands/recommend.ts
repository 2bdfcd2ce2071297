import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EvrecError, loadConfig, openBundle, throttledStderrProgress, type Event } from '@evrec/core';
import { loadDataset } from '@evrec/data';
import { loadEmbeddingsComponent } from '@evrec/embeddings';
import { gatherActivity } from '@evrec/features';
import { loadRankerComponent, type Ranker } from '@evrec/ranker';
import {
  ReplayRetrieval,
  loadAnnComponent,
  parseRetrievalFilters,
  recommendFromRetrieval,
  type Candidate,
  type RankRequest,
  type RequestLocation,
  type RetrievalResult,
} from '@evrec/retrieval';
import { positiveIntFlag, positiveNumberFlag } from './build-index.ts';
import { parseTime } from './materialize.ts';
import { dedupeListings, diversify, reasonsFor, type Reason } from '@evrec/serving';

interface RecommendFlags {
  data?: string;
  artifacts?: string;
  user?: string;
  users?: string;
  at?: string;
  horizonDays?: string;
  radiusKm?: string;
  k: string;
  lat?: string;
  lng?: string;
  category?: string[];
  language?: string[];
  maxPrice?: string;
  currency?: string;
  free?: boolean;
  json?: boolean;
  out?: string;
}

interface UserRecommendations {
  userId: string;
  known: boolean;
  location: RequestLocation | null;
  items: Array<{
    eventId: string;
    /** Calibrated P(register) from the ranker when the bundle has one, else the merged retrieval score. */
    score: number;
    sources: string[];
    event: { title: string | null; startsAt: string | null; city: string | null; price: number | null; currency: string | null };
    /** Full funnel only. */
    reasons?: Reason[];
  }>;
}

/** Candidates the ranker scores per request (the retrieval list is cut here: one predict call each). */
const RANK_CANDIDATES = 500;

/**
 * The full funnel for one request: retrieval candidates → ranker probabilities (calibrated NN) →
 * dedupe and the diversity pass of libs/serving (≤ 2 per host, ≤ 4 per category in the top 20) → top k with
 * reasons. `ranker` undefined: retrieval order, no reasons (retrieval-only bundles).
 */
export async function funnelItems(
  result: RetrievalResult,
  request: RankRequest,
  input: { k: number; ranker?: Ranker; events: Map<string, Event>; users: Map<string, { id: string }>; reader: Parameters<typeof gatherActivity>[0] },
): Promise<UserRecommendations['items']> {
  const { ranker, events, k } = input;
  if (ranker === undefined) {
    const recs = await recommendFromRetrieval(result, request, { k });
    return recs.map((r) => ({ eventId: r.eventId, score: r.score, sources: r.sources, event: describeEvent(events.get(r.eventId)) }));
  }
  const cands: Candidate[] = result.candidates.filter((c) => events.has(c.eventId)).slice(0, RANK_CANDIDATES);
  if (cands.length === 0) return [];
  const evs = cands.map((c) => events.get(c.eventId)).filter((e): e is Event => e !== undefined);
  const userId = request.userId ?? '';
  const snapshot = await gatherActivity(input.reader, { userId, eventIds: evs.map((e) => e.id), at: request.context.at });
  const user = request.userId === undefined ? undefined : input.users.get(request.userId);
  const scores = ranker.score({ user, events: evs, context: request.context, snapshot, catalog: events });
  const byId = new Map(cands.map((c, i) => [c.eventId, { candidate: c, event: evs[i], score: scores[i], order: i }]));
  const ranked = [...byId.values()]
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map((r) => ({ eventId: r.event.id, score: r.score, sources: r.candidate.sources }));
  // The same post-processing as the API (libs/serving): dedupe, diversity caps, reasons.
  const lookup = (id: string): Event | undefined => events.get(id);
  const pastHosts = new Set<string>();
  for (const h of result.userActivity.history) {
    const host = events.get(h.eventId)?.hostId;
    if (host !== undefined) pastHosts.add(host);
  }
  const ctx = { at: request.context.at, location: result.location, pastHosts, hasHistory: result.userActivity.history.length > 0 };
  return diversify(dedupeListings(ranked, lookup), lookup)
    .slice(0, k)
    .map((r) => ({
      eventId: r.eventId,
      score: r.score,
      sources: r.sources,
      event: describeEvent(events.get(r.eventId)),
      reasons: reasonsFor(events.get(r.eventId), snapshot.events[r.eventId], r.sources, ctx),
    }));
}

/** One user id per line; blank lines and `#` comments skipped. */
export async function readUserIds(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EvrecError('NOT_FOUND', `--users: cannot read ${path}: ${(e as Error).message}`, { field: 'users', cause: e });
  }
  const ids = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (ids.length === 0) throw new EvrecError('INVALID_INPUT', `--users: ${path} lists no user ids`, { field: 'users' });
  return ids;
}

function coordinate(value: string | undefined, flag: 'lat' | 'lng'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const max = flag === 'lat' ? 90 : 180;
  if (!Number.isFinite(n) || Math.abs(n) > max) throw new EvrecError('INVALID_INPUT', `--${flag}: expected a number in [-${max}, ${max}], got "${value}"`, { field: flag });
  return n;
}

function describeEvent(e: Event | undefined): UserRecommendations['items'][number]['event'] {
  return {
    title: e?.title ?? null,
    startsAt: e?.startsAt === undefined ? null : new Date(e.startsAt).toISOString(),
    city: e?.city ?? null,
    price: e?.price ?? null,
    currency: e?.currency ?? null,
  };
}

/** CSV `User,Events`: event ids space-separated, best first (ids with commas or quotes are quoted). */
export function recommendationsCsv(rows: ReadonlyArray<{ userId: string; items: ReadonlyArray<{ eventId: string }> }>): string {
  const cell = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return 'User,Events\n' + rows.map((r) => `${cell(r.userId)},${cell(r.items.map((i) => i.eventId).join(' '))}`).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('recommend')
    .description('Recommend upcoming events for users as of any moment: retrieval (two-tower ANN + friends, popular and new events nearby), then, when the bundle has a ranker, calibrated ranker scores, dedupe, the diversity pass of the API (≤ 2 per host, ≤ 4 per category in the top 20) and reasons per item')
    .option('--data <dir>', 'native dataset directory (default: $EVREC_DATA or data/world)')
    .option('--artifacts <dir>', 'artefact root with a published bundle holding embeddings (and ann) (default: $EVREC_ARTIFACTS or artifacts)')
    .option('--user <id>', 'one user id (an unknown id gets a context + popularity list)')
    .option('--users <file>', 'file with one user id per line')
    .option('--at <time>', 'make the requests as of this time (epoch ms or ISO 8601): events starting after it, activity strictly before it; default: the time the index was built for')
    .option('--horizon-days <n>', 'only events starting within this many days (default: config retrieval.horizonDays, 30)')
    .option('--radius-km <n>', 'only events within this distance of the request or home location; online events pass (default: config retrieval.radiusKm, 100)')
    .option('--k <n>', 'events per user', '20')
    .option('--lat <deg>', 'request latitude (overrides the home location)')
    .option('--lng <deg>', 'request longitude')
    .option('--category <name...>', 'only these categories')
    .option('--language <code...>', 'only events in these languages')
    .option('--max-price <amount>', 'only events up to this price (unknown prices excluded)')
    .option('--currency <code>', 'currency of --max-price (default USD)')
    .option('--free', 'only free events')
    .option('--json', 'print the recommendations as JSON')
    .option('--out <file>', 'write CSV `User,Events` (event ids space-separated, best first) to this file')
    .action(async (flags: RecommendFlags) => {
      if ((flags.user === undefined) === (flags.users === undefined)) {
        throw new EvrecError('INVALID_INPUT', 'pass exactly one of --user ID or --users FILE', { field: 'user' });
      }
      const k = positiveIntFlag(flags.k, 'k') ?? 20;
      const lat = coordinate(flags.lat, 'lat');
      const lng = coordinate(flags.lng, 'lng');
      if ((lat === undefined) !== (lng === undefined)) throw new EvrecError('INVALID_INPUT', 'pass --lat and --lng together', { field: 'lat' });
      const filters = parseRetrievalFilters({
        categories: flags.category,
        languages: flags.language,
        maxPrice: flags.maxPrice === undefined ? undefined : Number(flags.maxPrice),
        currency: flags.currency,
        free: flags.free,
      });
      const userIds = flags.user !== undefined ? [flags.user] : await readUserIds(flags.users ?? '');
      const config = loadConfig();
      const progress = throttledStderrProgress();
      const dataset = await loadDataset(flags.data ?? config.dataDir, { progress });
      const bundle = await openBundle(flags.artifacts ?? config.artifactsDir);
      const embeddings = await loadEmbeddingsComponent(bundle);
      let ranker: Ranker | undefined;
      try {
        if (bundle.has('ranker')) ranker = await loadRankerComponent(bundle);
        else process.stderr.write(`bundle ${bundle.version} has no ranker component: retrieval order (run \`evrec train ranker\`)\n`);
        let ann: Awaited<ReturnType<typeof loadAnnComponent>> | undefined;
        if (bundle.has('ann')) ann = await loadAnnComponent(bundle);
        else process.stderr.write(`bundle ${bundle.version} has no ann component: indexing the live events in memory (run \`evrec build-index\`)\n`);
        const at = flags.at === undefined ? (ann?.meta.at ?? embeddings.meta.until) : parseTime(flags.at, 'at');
        const session = await ReplayRetrieval.open({
          dataset,
          embeddings,
          index: ann?.index,
          at,
          horizonDays: positiveNumberFlag(flags.horizonDays, 'horizon-days') ?? config.retrieval.horizonDays,
          progress,
        });
        const radiusKm = positiveNumberFlag(flags.radiusKm, 'radius-km') ?? config.retrieval.radiusKm;
        const context = lat === undefined || lng === undefined ? {} : { lat, lng };
        const out: UserRecommendations[] = [];
        const chunk = 256;
        for (let s = 0; s < userIds.length; s += chunk) {
          const ids = userIds.slice(s, s + chunk);
          const results = await session.retrieveMany(ids.map((userId) => ({ userId, context, filters })), { radiusKm, annK: config.retrieval.annK });
          for (let i = 0; i < ids.length; i++) {
            const items = await funnelItems(results[i], { userId: ids[i], context: { ...context, at } }, { k, ranker, events: dataset.events, users: dataset.users, reader: session.activity });
            out.push({ userId: ids[i], known: dataset.users.has(ids[i]), location: results[i].location, items });
          }
          progress({ stage: 'recommend', done: Math.min(userIds.length, s + chunk), total: userIds.length });
        }
        if (flags.out !== undefined) {
          const partial = `${flags.out}.partial`;
          await writeFile(partial, recommendationsCsv(out));
          await rename(partial, flags.out);
        }
        const summary = { at, atIso: new Date(at).toISOString(), bundle: bundle.version, liveEvents: session.liveIds.length, k, ranked: ranker === undefined ? 'retrieval' : 'ranker' };
        if (flags.json) process.stdout.write(JSON.stringify({ ...summary, out: flags.out ?? null, recommendations: out }, null, 2) + '\n');
        else if (flags.out !== undefined) process.stdout.write(`wrote ${out.length} users' recommendations (k=${k}, as of ${summary.atIso}) to ${flags.out}\n`);
        else {
          const lines: string[] = [`as of ${summary.atIso} (${summary.liveEvents} live events, bundle ${bundle.version})`];
          for (const u of out) {
            const where = u.location === null ? 'no location' : `${u.location.source} ${u.location.lat.toFixed(2)},${u.location.lng.toFixed(2)}`;
            lines.push('', `${u.userId}${u.known ? '' : ' (unknown user)'} — ${where}`);
            u.items.forEach((it, i) => {
              const e = it.event;
              const price = e.price === null ? '' : e.price === 0 ? ' free' : ` ${e.price} ${e.currency ?? ''}`.trimEnd();
              lines.push(`  ${String(i + 1).padStart(2)}. ${it.eventId}  ${it.score.toFixed(4)}  [${it.sources.join('+')}]  ${e.startsAt?.slice(0, 16) ?? '?'}  ${e.city ?? ''}${price}  ${(e.title ?? '').slice(0, 60)}`);
              if (it.reasons !== undefined && it.reasons.length > 0) lines.push(`      ${it.reasons.map((r: Reason) => r.text).join('; ')}`);
            });
          }
          process.stdout.write(lines.join('\n') + '\n');
        }
      } finally {
        ranker?.dispose();
        embeddings.model.dispose();
      }
    });
}
