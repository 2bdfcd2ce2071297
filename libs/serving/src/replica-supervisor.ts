import cluster, { type Worker } from 'node:cluster';
import { EvrecError, type Logger } from '@evrec/core';

/** Environment variable carrying a replica's 1-based index into its worker process. */
export const REPLICA_INDEX_ENV = 'EVREC_REPLICA_INDEX';

export interface ReplicaSupervisorOptions {
  /** Worker processes to keep running (each runs the whole API; they share the listening port). Required, ≥ 1. */
  replicas: number;
  /** Wait before restarting a replica that died, ms; doubled per consecutive crash. Default 1,000. */
  restartDelayMs?: number;
  /** Longest wait before a restart, ms. Default 30,000. */
  maxRestartDelayMs?: number;
  /** A replica that ran this long before dying restarts after `restartDelayMs` again. Default 60,000. */
  stableAfterMs?: number;
  /** Time replicas get to finish after the stop signal before SIGKILL, ms. Default 20,000. */
  stopTimeoutMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/** A replica that reported it listens. */
export interface ReplicaInfo {
  index: number;
  pid: number;
  url: string;
  replicaId: string;
}

interface ListeningMessage {
  evrec: 'replica-listening';
  url: string;
  replicaId: string;
}

function isListeningMessage(m: unknown): m is ListeningMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  return o.evrec === 'replica-listening' && typeof o.url === 'string' && typeof o.replicaId === 'string';
}

/** In a supervised replica: its 1-based index; undefined in any other process. */
export function replicaIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env[REPLICA_INDEX_ENV]);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** In a supervised replica: tells the primary this replica listens (no-op elsewhere). */
export function announceReplicaListening(info: { url: string; replicaId: string }): void {
  if (cluster.isWorker && process.send !== undefined) process.send({ evrec: 'replica-listening', ...info } satisfies ListeningMessage);
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Slot {
  worker?: Worker;
  startedAt: number;
  info?: ReplicaInfo;
  /** Crashes since it last ran `stableAfterMs`. */
  crashes: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * The node:cluster primary of `evrec serve --replicas N`: forks N worker processes that each run
 * the API on the same port (the primary hands out connections round-robin), restarts a replica
 * that dies (after a delay doubling per consecutive crash, logged), and stops them all on `stop`
 * (the signal forwarded, SIGKILL after `stopTimeoutMs`). A replica that dies before it ever
 * listened during the start stops the whole set: that is a configuration error, not a crash.
 * Must run in the cluster primary; the workers re-run the same command line with
 * `EVREC_REPLICA_INDEX` set.
 */
export class ReplicaSupervisor {
  /** Resolves once every replica listened (first start); rejects when one dies before. */
  readonly ready: Promise<ReplicaInfo[]>;
  /** Resolves when every replica has exited after `stop` (or a failed start). */
  readonly stopped: Promise<void>;
  /** Why the start failed, when it did. */
  failure: EvrecError | undefined;
  private readonly slots: Slot[] = [];
  private stopping = false;
  private started = false;
  private readonly readyState = deferred<ReplicaInfo[]>();
  private readonly stoppedState = deferred<void>();
  private killTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly options: ReplicaSupervisorOptions) {
    this.ready = this.readyState.promise;
    // A failed start is reported through `failure`/`stopped` too: no unhandled rejection.
    this.ready.catch(() => undefined);
    this.stopped = this.stoppedState.promise;
  }

  static start(options: ReplicaSupervisorOptions): ReplicaSupervisor {
    if (!cluster.isPrimary) throw new EvrecError('INTERNAL', 'ReplicaSupervisor.start must run in the cluster primary');
    if (!Number.isInteger(options.replicas) || options.replicas < 1) throw new EvrecError('INVALID_INPUT', `replicas: expected a positive integer, got ${options.replicas}`, { field: 'replicas' });
    const s = new ReplicaSupervisor(options);
    for (let i = 1; i <= options.replicas; i++) s.fork(i);
    return s;
  }

  /** The replicas listening now. */
  get replicas(): ReplicaInfo[] {
    return this.slots.flatMap((s) => (s?.info === undefined ? [] : [s.info]));
  }

  private fork(index: number): void {
    const worker = cluster.fork({ [REPLICA_INDEX_ENV]: String(index) });
    const slot: Slot = this.slots[index] ?? { startedAt: 0, crashes: 0 };
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.info = undefined;
    this.slots[index] = slot;
    worker.on('message', (m: unknown) => {
      if (!isListeningMessage(m) || slot.worker !== worker) return;
      slot.info = { index, pid: worker.process.pid ?? 0, url: m.url, replicaId: m.replicaId };
      this.options.logger?.info({ replica: index, pid: slot.info.pid, replicaId: m.replicaId, restarts: slot.crashes }, 'replica listening');
      const up = this.replicas;
      if (!this.started && up.length === this.options.replicas) {
        this.started = true;
        this.readyState.resolve(up);
      }
    });
    worker.on('exit', (code, signal) => this.onExit(index, worker, code, signal));
  }

  private onExit(index: number, worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.slots[index];
    if (slot === undefined || slot.worker !== worker) return;
    const listened = slot.info !== undefined;
    slot.worker = undefined;
    slot.info = undefined;
    const how = signal === null ? `code ${code}` : `signal ${signal}`;
    if (this.stopping) {
      this.checkStopped();
      return;
    }
    if (!this.started && !listened) {
      this.failure = new EvrecError('UNAVAILABLE', `replica ${index} exited (${how}) before it listened; stopping the others (see its error above)`);
      this.options.logger?.error({ replica: index, pid: worker.process.pid, code, signal }, 'replica failed to start');
      this.readyState.reject(this.failure);
      void this.stop('SIGTERM');
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.crashes = lived >= (this.options.stableAfterMs ?? 60_000) ? 1 : slot.crashes + 1;
    const delay = Math.min((this.options.restartDelayMs ?? 1000) * 2 ** (slot.crashes - 1), this.options.maxRestartDelayMs ?? 30_000);
    this.options.logger?.warn({ replica: index, pid: worker.process.pid, code, signal, livedMs: lived, crashes: slot.crashes, restartInMs: delay }, `replica ${index} died (${how}); restarting in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!this.stopping) this.fork(index);
    }, delay);
  }

  private checkStopped(): void {
    if (this.slots.some((s) => s?.worker !== undefined)) return;
    clearTimeout(this.killTimer);
    this.stoppedState.resolve();
  }

  /** Forwards `signal` to every replica and resolves when all have exited (SIGKILL after `stopTimeoutMs`). */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      if (!this.started) this.readyState.reject(this.failure ?? new EvrecError('UNAVAILABLE', `stopped by ${signal} before every replica listened`));
      for (const s of this.slots) {
        if (s === undefined) continue;
        clearTimeout(s.restartTimer);
        s.worker?.process.kill(signal);
      }
      this.killTimer = setTimeout(() => {
        for (const s of this.slots) {
          if (s?.worker === undefined) continue;
          this.options.logger?.warn({ pid: s.worker.process.pid }, 'replica did not stop in time: SIGKILL');
          s.worker.process.kill('SIGKILL');
        }
      }, this.options.stopTimeoutMs ?? 20_000);
      this.killTimer.unref();
      this.checkStopped();
    }
    return this.stopped;
  }
}
