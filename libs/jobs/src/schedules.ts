import { Queue } from 'bullmq';
import { EvrecError, parseWith } from '@evrec/core';
import { bullConnection, queuePrefix, type JobsConnectionOptions } from './connection.ts';
import { jobOptions } from './flows.ts';
import { FLOW_NAMES, FLOW_TRIGGER_QUEUE, type FlowName } from './job-types.ts';
import { FlowTriggerPayloadSchema, type FlowTriggerPayload, type PipelineOptionsInput, type Source } from './schemas.ts';

/** When a flow runs on its own. */
export interface ScheduleEntry {
  /** Cron pattern (5 fields, or 6 with seconds first). */
  cron: string;
  /** IANA time zone of the pattern. Default `UTC`. */
  tz?: string;
  enabled: boolean;
}

export type Schedules = Record<FlowName, ScheduleEntry>;

/**
 * The schedules, in one place. Defaults: the full retrain nightly at 03:00 UTC; the index refresh
 * hourly at minute 15 (new events become retrievable within the hour; never at the same minute as
 * the retrain). Override per deployment with `EVREC_SCHEDULE_RETRAIN` /
 * `EVREC_SCHEDULE_INDEX_REFRESH` (a cron pattern, or `off`), see {@link schedulesFromEnv}.
 */
export const DEFAULT_SCHEDULES: Readonly<Schedules> = Object.freeze({
  retrain: { cron: '0 3 * * *', tz: 'UTC', enabled: true },
  'index-refresh': { cron: '15 * * * *', tz: 'UTC', enabled: true },
});

const ENV_KEYS: Record<FlowName, string> = { retrain: 'EVREC_SCHEDULE_RETRAIN', 'index-refresh': 'EVREC_SCHEDULE_INDEX_REFRESH' };

/** {@link DEFAULT_SCHEDULES} with the environment's overrides applied. */
export function schedulesFromEnv(env: Record<string, string | undefined> = process.env, base: Readonly<Schedules> = DEFAULT_SCHEDULES): Schedules {
  const out = { retrain: { ...base.retrain }, 'index-refresh': { ...base['index-refresh'] } };
  for (const flow of FLOW_NAMES) {
    const v = env[ENV_KEYS[flow]]?.trim();
    if (v === undefined || v === '') continue;
    if (v === 'off') out[flow].enabled = false;
    else {
      const fields = v.split(/\s+/).length;
      if (fields !== 5 && fields !== 6) throw new EvrecError('CONFIG', `${ENV_KEYS[flow]}: expected a cron pattern of 5 or 6 fields or "off", got "${v}"`, { field: ENV_KEYS[flow] });
      out[flow] = { ...out[flow], cron: v, enabled: true };
    }
  }
  return out;
}

export interface ApplySchedulesOptions extends JobsConnectionOptions {
  schedules?: Schedules;
  /** What each scheduled run trains from and where it publishes. */
  source: Source;
  artifactsDir: string;
  options?: PipelineOptionsInput;
}

export interface AppliedSchedule {
  flow: FlowName;
  cron: string;
  tz: string;
  enabled: boolean;
  /** Next run (epoch ms) when enabled. */
  next?: number;
}

/**
 * Installs (or updates, idempotently) one BullMQ job scheduler per flow on the `flow-trigger`
 * queue; a disabled flow's scheduler is removed. Each trigger job starts a new run of its flow.
 */
export async function applySchedules(options: ApplySchedulesOptions): Promise<AppliedSchedule[]> {
  const schedules = options.schedules ?? schedulesFromEnv();
  const data: FlowTriggerPayload = parseWith(FlowTriggerPayloadSchema, { source: options.source, artifactsDir: options.artifactsDir, options: options.options ?? {} }, 'schedule');
  const queue = new Queue(FLOW_TRIGGER_QUEUE, { connection: bullConnection(options.redisUrl), prefix: queuePrefix(options) });
  try {
    const out: AppliedSchedule[] = [];
    for (const flow of FLOW_NAMES) {
      const s = schedules[flow];
      const tz = s.tz ?? 'UTC';
      if (!s.enabled) {
        await queue.removeJobScheduler(flow);
        out.push({ flow, cron: s.cron, tz, enabled: false });
        continue;
      }
      const job = await queue.upsertJobScheduler(flow, { pattern: s.cron, tz }, { name: flow, data, opts: jobOptions() });
      out.push({ flow, cron: s.cron, tz, enabled: true, next: job?.delay === undefined ? undefined : job.timestamp + job.delay });
    }
    return out;
  } finally {
    await queue.close();
  }
}
