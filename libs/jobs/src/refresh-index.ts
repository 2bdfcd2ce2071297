import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EvrecError, loadConfig, openBundle, silentProgress, type Event, type OpenedBundle, type ProgressReporter, type WorkBundle } from '@evrec/core';
import { ANN_DEFAULTS } from '@evrec/ann';
import type { InMemoryDataset } from '@evrec/data';
import { loadEmbeddingsComponent } from '@evrec/embeddings';
import { ANN_COMPONENT, liveEventsAt, vectorsForEvents, writeAnnComponent, type AnnComponentMeta } from '@evrec/retrieval';
import { canonicalJson } from './identity.ts';
import { openRunWork } from './run-dirs.ts';

/**
 * The index refresh: rebuild the ANN index over the events live now, from the published bundle's
 * embeddings, placing new events and events whose content changed since the embeddings were
 * trained by the event tower (their stored vectors describe the old content).
 *
 * Which events changed is known from the `event-fingerprints` component: a hash of every event as
 * it was when the embeddings were exported, written by the retrain flow and carried unchanged by
 * refreshes (the embeddings' stored vectors do not change either).
 */
export const FINGERPRINTS_COMPONENT = 'event-fingerprints';
const FINGERPRINTS_FILE = 'fingerprints.json';

/** Hash of everything about an event the event tower reads (the whole record, canonically). */
export function eventFingerprint(event: Event): string {
  return createHash('sha256').update(canonicalJson(event)).digest('hex').slice(0, 16);
}

/** Writes the fingerprints of `events` as the work bundle's `event-fingerprints` component. */
export async function writeFingerprints(work: WorkBundle, events: Iterable<Event>): Promise<number> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const e of events) {
    out[e.id] = eventFingerprint(e);
    n++;
  }
  const dir = await work.componentDir(FINGERPRINTS_COMPONENT);
  await writeFile(join(dir, FINGERPRINTS_FILE), JSON.stringify(out));
  await work.commitComponent(FINGERPRINTS_COMPONENT, { meta: { events: n }, metrics: { events: n } });
  return n;
}

export async function readFingerprints(bundle: OpenedBundle): Promise<Map<string, string> | undefined> {
  if (!bundle.has(FINGERPRINTS_COMPONENT)) return undefined;
  const path = bundle.path(FINGERPRINTS_COMPONENT, FINGERPRINTS_FILE);
  const r = z.record(z.string(), z.string()).safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!r.success) throw new EvrecError('CORRUPT_ARTIFACT', `${path}: not a map of event id → fingerprint`);
  return new Map(Object.entries(r.data));
}

const BaseAnnMetaSchema = z.object({
  horizonDays: z.number().positive().optional(),
  M: z.number().int().positive().optional(),
  efConstruction: z.number().int().positive().optional(),
  ef: z.number().int().positive().optional(),
});

export interface RefreshIndexOptions {
  /** The run root whose work bundle (a copy of the published bundle) gets the new index. */
  runRoot: string;
  data: InMemoryDataset;
  /** Index the events live at this time (epoch ms). */
  at: number;
  /** Default: the refreshed bundle's, else `Config.retrieval.horizonDays`. */
  horizonDays?: number;
  /** Graph parameters. Default: the refreshed bundle's, else `ANN_DEFAULTS`. */
  ann?: { M?: number; efConstruction?: number; ef?: number };
  progress?: ProgressReporter;
}

export interface RefreshIndexResult {
  meta: AnnComponentMeta;
  /** Events whose content changed since the embeddings were trained (re-embedded). */
  changed: number;
  /** Live events placed by the event tower (new and changed ones). */
  embedded: number;
}

export async function refreshIndexIntoWork(options: RefreshIndexOptions): Promise<RefreshIndexResult> {
  const progress = options.progress ?? silentProgress;
  const work = await openRunWork(options.runRoot);
  const bundle = await openBundle(options.runRoot, { version: 'work' });
  const emb = await loadEmbeddingsComponent(bundle);
  try {
    const base = BaseAnnMetaSchema.parse(bundle.manifest.components[ANN_COMPONENT]?.meta ?? {});
    const fingerprints = await readFingerprints(bundle);
    const changed = new Set<string>();
    if (fingerprints) {
      for (const e of options.data.events.values()) {
        const fp = fingerprints.get(e.id);
        if (fp !== undefined && fp !== eventFingerprint(e)) changed.add(e.id);
      }
    }
    // Changed events lose their stored vector, so vectorsForEvents places them by their new content.
    const d = emb.model.dims;
    const keep: number[] = [];
    emb.eventIds.forEach((id, i) => {
      if (!changed.has(id)) keep.push(i);
    });
    const eventVectors = new Float32Array(keep.length * d);
    keep.forEach((row, i) => eventVectors.set(emb.eventVectors.subarray(row * d, (row + 1) * d), i * d));
    const current = { model: emb.model, eventIds: keep.map((i) => emb.eventIds[i]), eventVectors };

    const horizonDays = options.horizonDays ?? base.horizonDays ?? loadConfig({ env: {} }).retrieval.horizonDays;
    const live = liveEventsAt(options.data.events.values(), options.at, horizonDays);
    const { vectors, embedded } = vectorsForEvents(current, live, progress);
    const params = {
      dims: d,
      M: options.ann?.M ?? base.M ?? ANN_DEFAULTS.M,
      efConstruction: options.ann?.efConstruction ?? base.efConstruction ?? ANN_DEFAULTS.efConstruction,
      ef: options.ann?.ef ?? base.ef ?? ANN_DEFAULTS.ef,
      seed: ANN_DEFAULTS.seed,
    };
    const meta = await writeAnnComponent(work, {
      live,
      vectors,
      embedded,
      params,
      maxElements: Math.max(1, live.length),
      at: options.at,
      horizonDays,
      embeddings: emb,
      extraMeta: { changedEvents: changed.size },
      progress,
    });
    return { meta, changed: changed.size, embedded };
  } finally {
    emb.model.dispose();
  }
}
