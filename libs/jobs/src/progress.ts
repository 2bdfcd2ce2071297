import type { ProgressEvent, ProgressReporter } from '@evrec/core';
import type { JobType } from './job-types.ts';

/** What a job shows as its progress (`job.progress`, `evrec jobs status`, the dashboard). */
export interface JobProgress {
  /** 0–100 over the whole job. */
  percent: number;
  /** The library stage running now, e.g. `train.embeddings`, `ann.build`. */
  stage: string;
  done?: number;
  total?: number;
  metrics?: Record<string, number | string>;
  message?: string;
}

/**
 * The stages each job goes through, in order, by stage-name prefix (the longest matching prefix
 * wins), with their share of the job's time (rough, measured on the tiny and small synthetic
 * worlds). A stage of weight 0, or an unknown one, keeps the last percent.
 */
const STAGE_PLANS: Record<JobType, ReadonlyArray<readonly [string, number]>> = {
  'export-interactions': [['export', 100]],
  // Epoch events carry done/total epochs; per-step events restart every epoch, so they weigh nothing.
  'train-embeddings': [['read', 5], ['train.embeddings.pairs', 5], ['train.embeddings.steps', 0], ['train.embeddings', 75], ['embed', 15]],
  'build-index': [['read', 10], ['index.embed', 20], ['ann.build', 70]],
  'train-ranker': [['read', 5], ['ranker.features', 30], ['ranker.nn', 45], ['ranker.lr', 20]],
  evaluate: [['read', 5], ['replay', 15], ['eval.retrieval', 80]],
  publish: [['publish', 100]],
};

/** Percent of the job done when `event` arrives, never going backwards from `previous`. */
export function jobPercent(type: JobType, event: ProgressEvent, previous: number): number {
  const plan = STAGE_PLANS[type];
  const total = plan.reduce((s, [, w]) => s + w, 0);
  let match = -1;
  for (const [i, [prefix]] of plan.entries()) {
    if (event.stage.startsWith(prefix) && (match < 0 || prefix.length > plan[match][0].length)) match = i;
  }
  if (match < 0 || plan[match][1] === 0) return previous;
  const before = plan.slice(0, match).reduce((s, [, w]) => s + w, 0);
  const fraction = event.total !== undefined && event.total > 0 ? Math.min(1, Math.max(0, event.done / event.total)) : 0;
  return Math.max(previous, Math.round((1000 * (before + plan[match][1] * fraction)) / total) / 10);
}

/**
 * A ProgressReporter that turns library progress into {@link JobProgress} updates, at most one per
 * `intervalMs` (each is a Redis write) except when a stage completes or metrics arrive.
 */
export function jobProgressReporter(type: JobType, update: (p: JobProgress) => void, intervalMs = 500): ProgressReporter {
  let percent = 0;
  let last = 0;
  return (event) => {
    percent = jobPercent(type, event, percent);
    const now = Date.now();
    const final = event.total !== undefined && event.done >= event.total;
    if (!final && event.metrics === undefined && now - last < intervalMs) return;
    last = now;
    update({ percent, stage: event.stage, done: event.done, total: event.total, metrics: event.metrics, message: event.message });
  };
}
