import { z } from 'zod';
import { EvrecError, TF_BACKENDS, parseWith } from '@evrec/core';
import { RANKER_ARCHITECTURES } from '@evrec/ranker';
import { FLOW_NAMES, type JobType } from './job-types.ts';

/**
 * Job payloads and the values flow steps hand to their parents. Every payload is validated when a
 * job starts: a bad one fails the job at once with INVALID_INPUT naming the field (no retry).
 */

const positiveInt = z.number().int().positive();

/** @evrec/ranker's default validation share (its `rankerCuts`). */
const RANKER_DEFAULT_VALID_FRACTION = 0.15;

/** Where a run's training data comes from. */
export const SourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('dataset'),
      /** A native dataset directory; copied into an immutable snapshot before training. */
      dir: z.string().min(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('store'),
      /** The Redis feature store's URL; absent: the embedded store replayed from `logPath`. */
      redisUrl: z.string().min(1).optional(),
      /** Redis key prefix of the store. Default the store's (`evrec:`). */
      keyPrefix: z.string().min(1).optional(),
      /** The embedded store's JSON Lines log (used when `redisUrl` is absent). */
      logPath: z.string().min(1).optional(),
      /** Export interactions with `from <= at < to` (epoch ms). Default all. */
      from: z.number().optional(),
      to: z.number().optional(),
      /** Milliseconds to wait for Redis. Default 5,000. */
      connectTimeoutMs: positiveInt.max(120_000).optional(),
    })
    .strict()
    .refine((s) => s.redisUrl !== undefined || s.logPath !== undefined, { message: 'a store source needs redisUrl or logPath', path: ['redisUrl'] }),
]);
export type Source = z.infer<typeof SourceSchema>;

/** One quality-gate rule: the candidate may be worse than the current bundle by at most `margin`. */
export const GateRuleSchema = z
  .object({
    /** A key of the bundle's `evaluation` metrics, e.g. `ranker.valid.nn.auc`, `retrieval.ann.recall@100`. */
    metric: z.string().min(1),
    /** Which way is better. */
    direction: z.enum(['higher', 'lower']),
    /** Largest allowed regression, absolute, in the metric's own units. */
    margin: z.number().min(0),
  })
  .strict();
export type GateRule = z.infer<typeof GateRuleSchema>;

/** Default rules: ranker validation AUC and two-tower recall@100 may drop by at most 0.02. */
export const DEFAULT_GATE_RULES: readonly GateRule[] = Object.freeze([
  { metric: 'ranker.valid.nn.auc', direction: 'higher', margin: 0.02 },
  { metric: 'retrieval.ann.recall@100', direction: 'higher', margin: 0.02 },
]);

export const QualityGateSchema = z
  .object({
    /** Off: publish whatever verifies. Default on. */
    enabled: z.boolean().default(true),
    /** Default {@link DEFAULT_GATE_RULES}. */
    rules: z.array(GateRuleSchema).default(() => DEFAULT_GATE_RULES.map((r) => ({ ...r }))),
    /** Refuse a bundle whose index holds fewer events (an empty index serves nothing). Default 1. */
    minIndexedEvents: z.number().int().min(0).default(1),
  })
  .strict();
export type QualityGateConfig = z.infer<typeof QualityGateSchema>;

/** Options of a flow run; every field has a default, so `{}` is a valid value. */
export const PipelineOptionsSchema = z
  .object({
    /** Seed of every random choice in training. Default 42. */
    seed: z.number().int().default(42),
    /** TF.js backend. Default `auto`. */
    backend: z.enum(TF_BACKENDS).optional(),
    embeddings: z
      .object({
        /** Maximum epochs (early stopping may end sooner). Default the library's. */
        epochs: positiveInt.max(10_000).optional(),
        batchSize: z.number().int().min(2).max(65_536).optional(),
        dims: z.number().int().min(2).max(1024).optional(),
        learningRate: z.number().positive().optional(),
      })
      .strict()
      .prefault({}),
    ranker: z
      .object({
        epochs: positiveInt.max(10_000).optional(),
        batchSize: positiveInt.max(65_536).optional(),
        /** `wide-deep` (the trained LR as the frozen wide part + an MLP) or a plain `mlp`. Default the library's (`wide-deep`). */
        architecture: z.enum(RANKER_ARCHITECTURES).optional(),
        /** Hidden layer widths of the deep part. Default the library's ([128, 64]). */
        hidden: z.array(positiveInt.max(8192)).min(1).max(8).optional(),
        learningRate: z.number().positive().optional(),
        /** Validation share of the ranker's interactions. Default the library's (0.15). */
        validFraction: z.number().gt(0).lt(1).optional(),
      })
      .strict()
      .prefault({}),
    index: z
      .object({
        /** Index the events live at this time (epoch ms). Default: the snapshot's last interaction. */
        at: z.number().optional(),
        /** Events starting up to this many days after `at`. Default `Config.retrieval.horizonDays`. */
        horizonDays: z.number().positive().optional(),
        M: positiveInt.max(256).optional(),
        efConstruction: positiveInt.max(10_000).optional(),
        ef: positiveInt.max(10_000).optional(),
      })
      .strict()
      .prefault({}),
    evaluation: z
      .object({
        /**
         * Latest share of interactions held out from the two-tower training and used to measure
         * retrieval recall (temporal split). Default 0.2.
         */
        holdout: z.number().gt(0).lt(1).default(0.2),
        /** Recall cut-offs. Default [10, 50, 100]. */
        ks: z.array(positiveInt.max(10_000)).min(1).default([10, 50, 100]),
        /** Evaluate at most this many users (seeded sample). Default 2,000. */
        maxUsers: positiveInt.default(2000),
      })
      .strict()
      .prefault({}),
    gate: QualityGateSchema.prefault({}),
  })
  .strict()
  .superRefine((o, ctx) => {
    // The towers feed the ranker: trained past the ranker's validation cut, they would leak its labels.
    const validFraction = o.ranker.validFraction ?? RANKER_DEFAULT_VALID_FRACTION;
    if (o.evaluation.holdout < validFraction) {
      ctx.addIssue({ code: 'custom', path: ['evaluation', 'holdout'], message: `must be at least the ranker's validFraction (${validFraction})` });
    }
  });
export type PipelineOptions = z.infer<typeof PipelineOptionsSchema>;
export type PipelineOptionsInput = z.input<typeof PipelineOptionsSchema>;

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What every job of a flow carries: which run, where its artefacts go, how to train. */
export const RunSpecSchema = z
  .object({
    runId: z.string().regex(RUN_ID, 'letters, digits, dot, dash, underscore; at most 100'),
    flow: z.enum(FLOW_NAMES),
    /** Artefact root (versions/, current.json, runs/, snapshots/); the same path on every worker. */
    artifactsDir: z.string().min(1),
    options: PipelineOptionsSchema.prefault({}),
  })
  .strict();
export type RunSpec = z.infer<typeof RunSpecSchema>;

export const ExportPayloadSchema = z.object({ run: RunSpecSchema, source: SourceSchema }).strict();
export const StepPayloadSchema = z.object({ run: RunSpecSchema }).strict();
export type ExportPayload = z.infer<typeof ExportPayloadSchema>;
export type StepPayload = z.infer<typeof StepPayloadSchema>;

/** A scheduler trigger (queue `flow-trigger`, job name = flow name): starts a new run. */
export const FlowTriggerPayloadSchema = z
  .object({
    source: SourceSchema,
    artifactsDir: z.string().min(1),
    options: PipelineOptionsSchema.prefault({}),
  })
  .strict();
export type FlowTriggerPayload = z.infer<typeof FlowTriggerPayloadSchema>;

const StepSummarySchema = z.object({
  seconds: z.number(),
  metrics: z.record(z.string(), z.number()).default({}),
  note: z.string().optional(),
});
export type StepSummary = z.infer<typeof StepSummarySchema>;

/** What each step returns and its parent reads with `getChildrenValues()`. */
export const RunStateSchema = z.object({
  runId: z.string(),
  flow: z.enum(FLOW_NAMES),
  artifactsDir: z.string(),
  /** The run's private bundle root (its `work/` is where this run trains). */
  runRoot: z.string(),
  snapshot: z.object({
    id: z.string(),
    dir: z.string(),
    name: z.string(),
    /** [first, last] interaction time, epoch ms; null when empty. */
    timeRange: z.tuple([z.number(), z.number()]).nullable(),
    interactions: z.number().int().min(0),
    events: z.number().int().min(0),
  }),
  /** Hash of (snapshot, flow, options, base version, code version). */
  inputHash: z.string(),
  /** The version this run publishes as (same input → same version). */
  version: z.string(),
  /** The published version the run started from (index refresh: the bundle it refreshes). */
  baseVersion: z.string().nullable(),
  /** Set when the work is already done (the version exists): later steps do nothing. */
  skip: z.object({ reason: z.string() }).optional(),
  steps: z.record(z.string(), StepSummarySchema).default({}),
});
export type RunState = z.infer<typeof RunStateSchema>;

export const GateCheckSchema = z.object({
  metric: z.string(),
  direction: z.enum(['higher', 'lower']),
  margin: z.number(),
  candidate: z.number().nullable(),
  current: z.number().nullable(),
  pass: z.boolean(),
  note: z.string(),
});
export type GateCheck = z.infer<typeof GateCheckSchema>;

/** The publish job's return value and the line it appends to `publish-log.jsonl`. */
export interface PublishRecord {
  at: string;
  outcome: 'published' | 'refused' | 'noop';
  /** The candidate version (published, refused or already present). */
  version: string;
  /** `current` before this publish. */
  previous: string | null;
  runId: string | null;
  flow: string | null;
  /** Why it was refused or a no-op. */
  reason?: string;
  gate: GateCheck[];
  /** Candidate's evaluation metrics. */
  metrics: Record<string, number>;
  announced: boolean;
}

/** Payload schema of each job type. */
export const PAYLOAD_SCHEMAS: Record<JobType, z.ZodType> = {
  'export-interactions': ExportPayloadSchema,
  'train-embeddings': StepPayloadSchema,
  'build-index': StepPayloadSchema,
  'train-ranker': StepPayloadSchema,
  evaluate: StepPayloadSchema,
  publish: StepPayloadSchema,
};

/** Validates a job payload; INVALID_INPUT naming every bad field (`payload.run.runId: ...`). */
export function parsePayload<T extends JobType>(type: T, data: unknown): T extends 'export-interactions' ? ExportPayload : StepPayload {
  return parseWith(PAYLOAD_SCHEMAS[type], data, 'payload') as T extends 'export-interactions' ? ExportPayload : StepPayload;
}

/** Validates a child's return value (a step result read back from Redis). */
export function parseRunState(value: unknown, where: string): RunState {
  const r = RunStateSchema.safeParse(value);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new EvrecError('INTERNAL', `${where}: malformed step result at ${first?.path.join('.') ?? '?'}: ${first?.message ?? ''}`);
  }
  return r.data;
}

/** Pipeline options with every default filled in. */
export function resolvePipelineOptions(input: PipelineOptionsInput | undefined): PipelineOptions {
  return parseWith(PipelineOptionsSchema, input ?? {}, 'options');
}
