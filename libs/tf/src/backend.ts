/**
 * TF.js backend choice. `auto` tries, in order: @tensorflow/tfjs-node-gpu (CUDA), @tensorflow/tfjs-node
 * (native CPU), WASM with SIMD, then the pure-JS CPU backend. The native packages are optional and
 * usually absent (their install downloads libtensorflow), so they are imported by a name held in a
 * variable: neither TypeScript nor vite resolves them ahead of time, and a missing one just falls through.
 */
import * as tf from '@tensorflow/tfjs';
import { EvrecError, createLogger, type Logger, type TfBackendChoice } from '@evrec/core';
import { registerMissingWasmKernels } from './wasm-kernels.ts';

export type TfBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface TfAttempt {
  backend: TfBackendName;
  ok: boolean;
  /** Why it was not usable. */
  error?: string;
  ms: number;
}

export interface TfRuntimeDetails {
  /** What was asked for. */
  requested: TfBackendChoice;
  /** `tf.getBackend()` (the native backends both report `tensorflow`). */
  tfBackend: string;
  tfjsVersion: string;
  /** Every backend tried, in order, with the reason a failed one was skipped. */
  attempts: TfAttempt[];
  /** WASM only: SIMD in use. */
  simd?: boolean;
  /** WASM only: threads in use (always 1 in Node: the threaded build cannot start its workers there). */
  threads?: number;
  /** Kernels evrec registered because the backend lacked them. */
  kernelsAdded: string[];
}

export interface TfRuntime {
  tf: typeof tf;
  backend: TfBackendName;
  details: TfRuntimeDetails;
}

export interface InitTfOptions {
  /** Backend to use. Default `auto` (pass `Config.tfBackend`). */
  backend?: TfBackendChoice;
  /**
   * Where the choice is logged (info) and failed attempts (debug). Default: the core pino logger
   * on stderr (level from EVREC_LOG_LEVEL); pass `null` for none.
   */
  logger?: Pick<Logger, 'info' | 'debug'> | null;
}

const NATIVE_PACKAGES: ReadonlyArray<[TfBackendName, string]> = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
];

let current: { choice: TfBackendChoice; runtime: Promise<TfRuntime> } | undefined;
let active: TfRuntime | undefined;

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 300);
}

async function tryNative(name: TfBackendName, packageName: string): Promise<void> {
  // A variable, not a literal: the package is optional and must not be resolved at build time.
  const moduleName = packageName;
  await import(/* @vite-ignore */ moduleName);
  // The package registers 'tensorflow' on its own copy of tfjs-core; if that is not our copy the
  // backend is invisible here and cannot be used for our tensors.
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error(`${packageName} loaded but registered no 'tensorflow' backend on this @tensorflow/tfjs (duplicate tfjs-core?)`);
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${name}: tf.setBackend('tensorflow') failed`);
}

async function tryWasm(details: Partial<TfRuntimeDetails>): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Threads need workers started from a blob: URL, which Node refuses; one thread it is.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  details.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  details.threads = wasm.getThreadsCount();
}

async function tryCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
  await tf.ready();
  // The CPU backend prints an "install tfjs-node" banner on its first tensor; the attempts we log
  // already say why. Make that first tensor with warnings muted, then restore the flag.
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  try {
    tf.tidy(() => tf.scalar(0));
  } finally {
    tf.env().set('PROD', prod);
  }
}

const ORDER: Record<TfBackendChoice, TfBackendName[]> = {
  auto: ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'],
  tensorflow: ['tensorflow-gpu', 'tensorflow'],
  wasm: ['wasm'],
  cpu: ['cpu'],
};

let defaultLogger: Logger | undefined;

async function choose(choice: TfBackendChoice, options: InitTfOptions): Promise<TfRuntime> {
  const logger = options.logger === undefined ? (defaultLogger ??= createLogger({ name: 'evrec.tf' })) : options.logger;
  const attempts: TfAttempt[] = [];
  const extra: Partial<TfRuntimeDetails> = {};
  for (const name of ORDER[choice]) {
    const t0 = performance.now();
    try {
      if (name === 'wasm') await tryWasm(extra);
      else if (name === 'cpu') await tryCpu();
      else {
        const pkg = NATIVE_PACKAGES.find(([n]) => n === name)?.[1] ?? '';
        await tryNative(name, pkg);
      }
    } catch (e) {
      attempts.push({ backend: name, ok: false, error: message(e), ms: performance.now() - t0 });
      logger?.debug({ backend: name, error: message(e) }, 'tf backend unavailable');
      continue;
    }
    attempts.push({ backend: name, ok: true, ms: performance.now() - t0 });
    // Registered whenever the WASM backend exists, so a later switch to it can still train embeddings.
    const kernelsAdded = tf.findBackendFactory('wasm') ? registerMissingWasmKernels() : [];
    const details: TfRuntimeDetails = {
      requested: choice,
      tfBackend: tf.getBackend(),
      tfjsVersion: tf.version.tfjs,
      attempts,
      kernelsAdded,
      ...(name === 'wasm' ? extra : {}),
    };
    logger?.info({ backend: name, requested: choice, simd: details.simd, skipped: attempts.filter((a) => !a.ok).map((a) => a.backend) }, `tf backend: ${name}`);
    return { tf, backend: name, details };
  }
  throw new EvrecError(
    'UNSUPPORTED',
    `no usable TF.js backend for "${choice}": ${attempts.map((a) => `${a.backend}: ${a.error ?? 'failed'}`).join('; ')}`,
    { details: { attempts } },
  );
}

/**
 * Chooses and activates the TF.js backend (see the module comment for the order) and returns it
 * with the reasons other backends were skipped. Idempotent: later calls with the same choice, or
 * with `auto`, return the same runtime. A different explicit choice switches the process-wide
 * backend (TF.js has one). Throws UNSUPPORTED when an explicit choice is not available.
 */
export async function initTf(options: InitTfOptions = {}): Promise<TfRuntime> {
  const choice = options.backend ?? 'auto';
  if (current && (current.choice === choice || choice === 'auto')) {
    try {
      return await current.runtime;
    } catch {
      // A failed attempt is not cached: fall through and try again.
    }
  }
  const runtime = choose(choice, options);
  current = { choice, runtime };
  try {
    active = await runtime;
    return active;
  } catch (e) {
    current = undefined;
    throw e;
  }
}

/**
 * Name of the active backend for logs and progress: the {@link TfBackendName} chosen by
 * {@link initTf}, or `tf.getBackend()` when TF.js was set up some other way.
 */
export function activeBackendName(): string {
  const name = tf.getBackend();
  return active && active.details.tfBackend === name ? active.backend : name;
}
