/**
 * @evrec/jobs — the training pipeline as jobs: export the interaction log, train the embeddings,
 * build the index, train the ranker, evaluate, publish behind a quality gate. Runs as BullMQ flows
 * on Redis (workers, retries, stalled-job recovery, schedules, a dashboard) or inline in one
 * process with the same step code (the embedded default).
 */
export {
  JOB_TYPES,
  FLOW_NAMES,
  FLOW_STEPS,
  FLOW_TRIGGER_QUEUE,
  ALL_QUEUES,
  DEFAULT_QUEUE_PREFIX,
  BUNDLE_PUBLISHED_CHANNEL,
  isJobType,
  isQueueName,
  type JobType,
  type FlowName,
  type QueueName,
} from './job-types.ts';
export {
  SourceSchema,
  GateRuleSchema,
  QualityGateSchema,
  DEFAULT_GATE_RULES,
  PipelineOptionsSchema,
  RunSpecSchema,
  ExportPayloadSchema,
  StepPayloadSchema,
  FlowTriggerPayloadSchema,
  RunStateSchema,
  PAYLOAD_SCHEMAS,
  parsePayload,
  parseRunState,
  resolvePipelineOptions,
  type Source,
  type GateRule,
  type GateCheck,
  type QualityGateConfig,
  type PipelineOptions,
  type PipelineOptionsInput,
  type RunSpec,
  type RunState,
  type StepSummary,
  type ExportPayload,
  type StepPayload,
  type FlowTriggerPayload,
  type PublishRecord,
} from './schemas.ts';
export { PIPELINE_CODE_VERSION, codeVersion, canonicalJson, datasetContentHash, versionIdFor, findVersionByInputHash } from './identity.ts';
export { jobPaths, runRootOf, type JobPaths } from './run-dirs.ts';
export { takeSnapshot, type Snapshot } from './snapshot.ts';
export { EVALUATION_COMPONENT, bundleMetrics, checkQualityGate, type GateVerdict } from './quality-gate.ts';
export { acquireFileLock, acquireRedisLock, type HeldLock, type LockOptions } from './locks.ts';
export { publishWork, publishLockKey, appendPublishRecord, readPublishLog, type PublishWorkOptions } from './publish.ts';
export { FINGERPRINTS_COMPONENT, eventFingerprint } from './refresh-index.ts';
export { exportStep, runHeavyStep, publishStep, HEAVY_STEPS, REQUIRED_COMPONENTS, type HeavyStep, type FlowResult } from './steps.ts';
export { StepThreadPool } from './thread-runner.ts';
export { jobPercent, jobProgressReporter, type JobProgress } from './progress.ts';
export { bullConnection, connectRedis, type JobsConnectionOptions } from './connection.ts';
export {
  DEFAULT_RETRY,
  jobOptions,
  newRunId,
  flowJobId,
  resolveFlowSpec,
  buildFlow,
  enqueueFlow,
  type RetryPolicy,
  type FlowSpecInput,
  type EnqueueFlowOptions,
  type EnqueuedFlow,
} from './flows.ts';
export { runFlowInline, type RunFlowInlineOptions } from './inline.ts';
export { startWorkers, toJobError, childState, type StartWorkersOptions, type RunningWorkers } from './workers.ts';
export { runWorkerProcess, startWorkerService, type WorkerProcessOptions, type WorkerServiceOptions } from './worker-process.ts';
export { DEFAULT_SCHEDULES, schedulesFromEnv, applySchedules, type Schedules, type ScheduleEntry, type ApplySchedulesOptions, type AppliedSchedule } from './schedules.ts';
export { getJobsStatus, formatJobsStatus, waitForFlow, JOB_STATES, type WaitForFlowOptions, type JobsStatus, type QueueStatus, type JobSummary, type SchedulerStatus, type GetJobsStatusOptions } from './status.ts';
export { registerJobsDashboard, openJobQueues, type JobsDashboardOptions } from './dashboard.ts';
