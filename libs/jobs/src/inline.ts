import { silentProgress, type ProgressReporter } from '@evrec/core';
import { connectRedis } from './connection.ts';
import { resolveFlowSpec, type FlowSpecInput } from './flows.ts';
import { FLOW_STEPS } from './job-types.ts';
import { exportStep, isHeavyStep, publishStep, runHeavyStep, type FlowResult } from './steps.ts';

export interface RunFlowInlineOptions extends FlowSpecInput {
  /**
   * When set, the publish lock is taken in Redis and the new version is announced on
   * `evrec:bundle:published`, exactly as the workers do. Default: the lock file, no announcement
   * (an API on the same machine follows `current.json`).
   */
  redisUrl?: string;
  /** Library progress, plus `flow.<step>` events between steps. Default silent. */
  progress?: ProgressReporter;
}

/**
 * Runs a whole flow in this process, step after step, with the same step code the BullMQ workers
 * run: the embedded default (no Redis needed), for `npm start`, `evrec jobs run --inline`, and
 * one-off retrains. No retries: a failing step throws.
 */
export async function runFlowInline(options: RunFlowInlineOptions): Promise<FlowResult> {
  const progress = options.progress ?? silentProgress;
  const { run, source } = resolveFlowSpec(options);
  const steps = FLOW_STEPS[run.flow];
  const redis = options.redisUrl ? await connectRedis(options.redisUrl) : undefined;
  try {
    progress({ stage: 'flow.export-interactions', done: 0, total: steps.length, message: run.runId });
    let state = await exportStep({ run, source }, progress);
    for (const [i, type] of steps.entries()) {
      if (!isHeavyStep(type)) continue;
      progress({ stage: `flow.${type}`, done: i, total: steps.length });
      state = await runHeavyStep(type, run, state, progress);
    }
    progress({ stage: 'flow.publish', done: steps.length - 1, total: steps.length });
    const result = await publishStep(run, state, { redis, progress });
    progress({ stage: 'flow.done', done: steps.length, total: steps.length, message: result.outcome });
    return result;
  } finally {
    redis?.disconnect();
  }
}
