/**
 * The closed set of job types, their queues and the names shared with the API (the pub/sub channel
 * a publish is announced on). One BullMQ queue per job type, named after it, so `evrec worker
 * --queues` can give a machine only the work it is sized for (publish is light, training is not).
 */
export const JOB_TYPES = ['export-interactions', 'train-embeddings', 'build-index', 'train-ranker', 'evaluate', 'publish'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** Queue of the scheduler's trigger jobs (`retrain`, `index-refresh`): each one enqueues a flow. */
export const FLOW_TRIGGER_QUEUE = 'flow-trigger';

/** Every queue a full worker listens on. */
export const ALL_QUEUES = [...JOB_TYPES, FLOW_TRIGGER_QUEUE] as const;
export type QueueName = (typeof ALL_QUEUES)[number];

export const FLOW_NAMES = ['retrain', 'index-refresh'] as const;
export type FlowName = (typeof FLOW_NAMES)[number];

/** Steps of each flow, first to last (the flow's root job is the last one). */
export const FLOW_STEPS: Record<FlowName, readonly JobType[]> = {
  retrain: ['export-interactions', 'train-embeddings', 'build-index', 'train-ranker', 'evaluate', 'publish'],
  'index-refresh': ['export-interactions', 'build-index', 'publish'],
};

/** Default BullMQ key prefix (Redis keys `evrec-jobs:<queue>:...`). */
export const DEFAULT_QUEUE_PREFIX = 'evrec-jobs';

export { BUNDLE_PUBLISHED_CHANNEL } from '@evrec/core';

export function isJobType(name: string): name is JobType {
  return (JOB_TYPES as readonly string[]).includes(name);
}

export function isQueueName(name: string): name is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(name);
}
