import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EvrecError } from './errors.ts';
import { parseWith } from './validation.ts';

/**
 * evrec configuration. Precedence: explicit overrides > environment (`EVREC_*`, `REDIS_URL`) >
 * config file (`EVREC_CONFIG` or the `file` option; JSON) > the defaults documented here.
 */
export const TF_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type TfBackendChoice = (typeof TF_BACKENDS)[number];

export const ConfigSchema = z.object({
  /** Native dataset directory. Default `data/world`. Env `EVREC_DATA`. */
  dataDir: z.string().min(1).default('data/world'),
  /** Artefact root (holds `<version>/` bundles and the `current` pointer). Default `artifacts`. Env `EVREC_ARTIFACTS`. */
  artifactsDir: z.string().min(1).default('artifacts'),
  /** Redis URL; when absent the embedded in-process store and inline jobs are used. Env `REDIS_URL`. */
  redisUrl: z.string().url().optional(),
  /** TF.js backend: `auto` tries tensorflow (tfjs-node-gpu, tfjs-node) → wasm → cpu. Env `EVREC_TF_BACKEND`. */
  tfBackend: z.enum(TF_BACKENDS).default('auto'),
  /** pino log level. Env `EVREC_LOG_LEVEL`. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Seed for every random choice. Env `EVREC_SEED`. */
  seed: z.number().int().default(42),
  api: z
    .object({
      host: z.string().default('127.0.0.1'),
      /** Env `EVREC_PORT`. */
      port: z.number().int().min(0).max(65535).default(8080),
      /** Required on writes when set. Env `EVREC_API_KEY`. */
      apiKey: z.string().min(8).optional(),
      /** Also require the key on reads. Env `EVREC_API_KEY_ON_READS=1`. */
      apiKeyOnReads: z.boolean().default(false),
      /** Max request body in bytes. */
      bodyLimitBytes: z.number().int().positive().default(256 * 1024),
      /** Requests per minute per client; 0 disables. Env `EVREC_RATE_LIMIT`. */
      rateLimitPerMinute: z.number().int().min(0).default(0),
      /** Run the ranker's forward pass on a worker thread beside the serving thread. Env `EVREC_SCORING_THREAD=0` turns it off. */
      scoringThread: z.boolean().default(true),
    })
    .prefault({}),
  retrieval: z
    .object({
      /** ANN candidates per request. */
      annK: z.number().int().positive().default(500),
      /** Only events starting within this many days of the request. */
      horizonDays: z.number().positive().default(30),
      /** Only events within this radius of the request or home location (online events pass). */
      radiusKm: z.number().positive().default(100),
    })
    .prefault({}),
});
export type Config = z.infer<typeof ConfigSchema>;

type Env = Record<string, string | undefined>;

function num(env: Env, key: string): number | undefined {
  const v = env[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvrecError('CONFIG', `${key}: expected a number, got "${v}"`, { field: key });
  return n;
}

function fromEnv(env: Env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const api: Record<string, unknown> = {};
  if (env.EVREC_DATA) out.dataDir = env.EVREC_DATA;
  if (env.EVREC_ARTIFACTS) out.artifactsDir = env.EVREC_ARTIFACTS;
  if (env.REDIS_URL) out.redisUrl = env.REDIS_URL;
  if (env.EVREC_TF_BACKEND) out.tfBackend = env.EVREC_TF_BACKEND;
  if (env.EVREC_LOG_LEVEL) out.logLevel = env.EVREC_LOG_LEVEL;
  const seed = num(env, 'EVREC_SEED');
  if (seed !== undefined) out.seed = seed;
  const port = num(env, 'EVREC_PORT');
  if (port !== undefined) api.port = port;
  if (env.EVREC_HOST) api.host = env.EVREC_HOST;
  if (env.EVREC_API_KEY) api.apiKey = env.EVREC_API_KEY;
  if (env.EVREC_API_KEY_ON_READS) api.apiKeyOnReads = env.EVREC_API_KEY_ON_READS === '1' || env.EVREC_API_KEY_ON_READS === 'true';
  const rl = num(env, 'EVREC_RATE_LIMIT');
  if (rl !== undefined) api.rateLimitPerMinute = rl;
  if (env.EVREC_SCORING_THREAD) api.scoringThread = !(env.EVREC_SCORING_THREAD === '0' || env.EVREC_SCORING_THREAD === 'false');
  if (Object.keys(api).length) out.api = api;
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
  }
  return out;
}

export interface LoadConfigOptions {
  /** Environment to read. Default `process.env`. */
  env?: Env;
  /** JSON config file. Default `env.EVREC_CONFIG`, else none. */
  file?: string;
  /** Highest-precedence values (e.g. from CLI flags). */
  overrides?: Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.EVREC_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new EvrecError('CONFIG', `cannot read config file ${file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!isPlainObject(parsed)) throw new Error('top level must be an object');
      fromFile = parsed;
    } catch (e) {
      throw new EvrecError('CONFIG', `config file ${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  const merged = merge(merge(fromFile, fromEnv(env)), options.overrides ?? {});
  try {
    return parseWith(ConfigSchema, merged, 'config');
  } catch (e) {
    throw new EvrecError('CONFIG', (e as Error).message, { cause: e });
  }
}
