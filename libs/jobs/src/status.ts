import { Queue, type Job } from 'bullmq';
import { EvrecError, readCurrentPointer } from '@evrec/core';
import { bullConnection, queuePrefix, type JobsConnectionOptions } from './connection.ts';
import type { EnqueuedFlow } from './flows.ts';
import { ALL_QUEUES, FLOW_STEPS, FLOW_TRIGGER_QUEUE, type JobType, type QueueName } from './job-types.ts';
import { readPublishLog } from './publish.ts';
import type { JobProgress } from './progress.ts';
import type { PublishRecord } from './schemas.ts';
import type { FlowResult } from './steps.ts';

/** Job states counted per queue. */
export const JOB_STATES = ['waiting', 'active', 'waiting-children', 'delayed', 'prioritized', 'completed', 'failed'] as const;

export interface QueueStatus {
  name: QueueName;
  counts: Record<(typeof JOB_STATES)[number], number>;
}

export interface JobSummary {
  queue: QueueName;
  id: string;
  name: string;
  state: string;
  /** The job's last progress: percent, stage, metrics (or whatever number it reported). */
  progress: JobProgress | number | null;
  attemptsMade: number;
  attempts: number;
  failedReason?: string;
  /** `outcome version` of a publish, the run id of a step. */
  result?: string;
  createdAt: string;
  finishedAt?: string;
  /** Last change: finished, else started, else created. */
  updatedAt: string;
}

export interface SchedulerStatus {
  id: string;
  pattern?: string;
  tz?: string;
  next?: string;
}

export interface JobsStatus {
  prefix: string;
  queues: QueueStatus[];
  /** Most recently changed jobs over all queues, newest first. */
  recent: JobSummary[];
  schedulers: SchedulerStatus[];
  /** With `artifactsDir`: the current bundle and the last publish attempts. */
  current?: { version: string; publishedAt: string } | null;
  publishLog?: PublishRecord[];
}

export interface GetJobsStatusOptions extends JobsConnectionOptions {
  /** Recent jobs to list. Default 15. */
  limit?: number;
  artifactsDir?: string;
}

function progressOf(job: Job): JobProgress | number | null {
  const p: unknown = job.progress;
  if (typeof p === 'number') return p;
  if (p !== null && typeof p === 'object' && 'percent' in p) return p as JobProgress;
  return null;
}

function resultOf(job: Job): string | undefined {
  const r: unknown = job.returnvalue;
  if (r === null || typeof r !== 'object') return undefined;
  const v = r as Record<string, unknown>;
  if (typeof v.outcome === 'string') return `${v.outcome} ${String(v.version)}${typeof v.reason === 'string' ? ` (${v.reason})` : ''}`;
  if (typeof v.runId === 'string') return `run ${v.runId}${v.skip ? ' (no-op)' : ''}`;
  return undefined;
}

/** Queue counts, recent jobs with their progress and failure reasons, schedulers, publish history. */
export async function getJobsStatus(options: GetJobsStatusOptions): Promise<JobsStatus> {
  const prefix = queuePrefix(options);
  const connection = bullConnection(options.redisUrl);
  const limit = options.limit ?? 15;
  const queues: QueueStatus[] = [];
  const recent: JobSummary[] = [];
  let schedulers: SchedulerStatus[] = [];
  for (const name of ALL_QUEUES) {
    const q = new Queue(name, { connection, prefix });
    try {
      const counts = await q.getJobCounts(...JOB_STATES);
      queues.push({ name, counts: Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as QueueStatus['counts'] });
      const jobs = (await q.getJobs([...JOB_STATES], 0, limit - 1, false)).filter((j): j is Job => j !== undefined && j !== null);
      for (const job of jobs) {
        recent.push({
          queue: name,
          id: String(job.id),
          name: job.name,
          state: await job.getState(),
          progress: progressOf(job),
          attemptsMade: job.attemptsMade,
          attempts: job.opts.attempts ?? 1,
          failedReason: job.failedReason || undefined,
          result: resultOf(job),
          createdAt: new Date(job.timestamp).toISOString(),
          finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
          updatedAt: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp).toISOString(),
        });
      }
      if (name === FLOW_TRIGGER_QUEUE) {
        schedulers = (await q.getJobSchedulers(0, -1, true)).map((s) => ({
          id: s.key,
          pattern: s.pattern ?? undefined,
          tz: s.tz ?? undefined,
          next: s.next === undefined ? undefined : new Date(s.next).toISOString(),
        }));
      }
    } finally {
      await q.close();
    }
  }
  recent.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
  const status: JobsStatus = { prefix, queues, recent: recent.slice(0, limit), schedulers };
  if (options.artifactsDir !== undefined) {
    status.current = (await readCurrentPointer(options.artifactsDir)) ?? null;
    status.publishLog = await readPublishLog(options.artifactsDir, 5);
  }
  return status;
}

/** The status as tables for a terminal. */
export function formatJobsStatus(s: JobsStatus): string {
  const lines: string[] = [];
  lines.push(`queues (prefix ${s.prefix})`);
  lines.push(`${'queue'.padEnd(20)} ${JOB_STATES.map((st) => st.padStart(st.length < 7 ? 7 : st.length)).join(' ')}`);
  for (const q of s.queues) lines.push(`${q.name.padEnd(20)} ${JOB_STATES.map((st) => String(q.counts[st]).padStart(st.length < 7 ? 7 : st.length)).join(' ')}`);
  lines.push('');
  lines.push('recent jobs');
  if (s.recent.length === 0) lines.push('  (none)');
  for (const j of s.recent) {
    const p = j.progress === null ? '' : typeof j.progress === 'number' ? ` ${j.progress}%` : ` ${j.progress.percent.toFixed(0)}% ${j.progress.stage}`;
    const tries = j.attempts > 1 ? ` try ${j.attemptsMade}/${j.attempts}` : '';
    lines.push(`  ${j.updatedAt} ${j.queue.padEnd(19)} ${j.state.padEnd(16)} ${j.id}${p}${tries}`);
    if (j.failedReason) lines.push(`      failed: ${j.failedReason}`);
    if (j.result) lines.push(`      result: ${j.result}`);
  }
  if (s.schedulers.length > 0) {
    lines.push('');
    lines.push('schedules');
    for (const sc of s.schedulers) lines.push(`  ${sc.id.padEnd(14)} ${sc.pattern ?? ''} ${sc.tz ?? ''}  next ${sc.next ?? '—'}`);
  }
  if (s.current !== undefined) {
    lines.push('');
    lines.push(`current bundle: ${s.current === null ? '(none)' : `${s.current.version} (since ${s.current.publishedAt})`}`);
    for (const r of s.publishLog ?? []) lines.push(`  ${r.at} ${r.outcome.padEnd(9)} ${r.version}${r.reason ? ` — ${r.reason}` : ''}`);
  }
  return lines.join('\n');
}

export interface WaitForFlowOptions extends JobsConnectionOptions {
  run: EnqueuedFlow;
  /** Receives the active step's progress while waiting. */
  onProgress?: (type: JobType, progress: JobProgress) => void;
  /** Poll interval. Default 1,000 ms. */
  pollMs?: number;
  /** Give up after this long (TIMEOUT). Default: never. */
  timeoutMs?: number;
}

/** Waits for an enqueued run's root job: its result, or an error carrying the failure reason. */
export async function waitForFlow(options: WaitForFlowOptions): Promise<FlowResult> {
  const connection = bullConnection(options.redisUrl);
  const prefix = queuePrefix(options);
  const steps = FLOW_STEPS[options.run.flow];
  const queues = new Map(steps.map((t) => [t, new Queue(t, { connection, prefix })]));
  const rootQueue = queues.get(steps[steps.length - 1]);
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const root = await rootQueue?.getJob(options.run.rootJobId);
      if (!root) throw new EvrecError('NOT_FOUND', `job ${options.run.rootJobId} not found (removed?)`);
      const state = await root.getState();
      if (state === 'completed') return root.returnvalue as FlowResult;
      if (state === 'failed') throw new EvrecError('INTERNAL', `run ${options.run.runId} failed: ${await rootCause(queues, options.run) ?? root.failedReason}`);
      if (Date.now() > deadline) throw new EvrecError('TIMEOUT', `run ${options.run.runId} still ${state} after ${options.timeoutMs} ms`);
      if (options.onProgress) {
        for (const [type, q] of queues) {
          const id = options.run.jobIds[type];
          const job = id === undefined ? undefined : await q.getJob(id);
          if (job && (await job.getState()) === 'active') {
            const p = progressOf(job);
            if (p !== null) options.onProgress(type, typeof p === 'number' ? { percent: p, stage: type } : p);
          }
        }
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  } finally {
    await Promise.all([...queues.values()].map((q) => q.close()));
  }
}

/** The failure reason of the first step that failed on its own (parents only say "child failed"). */
async function rootCause(queues: ReadonlyMap<JobType, Queue>, run: EnqueuedFlow): Promise<string | undefined> {
  for (const [type, q] of queues) {
    const id = run.jobIds[type];
    const job = id === undefined ? undefined : await q.getJob(id);
    if (job && (await job.getState()) === 'failed') return `${type}: ${job.failedReason} (after ${job.attemptsMade} attempt(s))`;
  }
  return undefined;
}
