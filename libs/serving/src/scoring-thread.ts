import type { Worker } from 'node:worker_threads';
import { EvrecError, isErrorCode, startTsWorker, type Logger, type TfBackendChoice } from '@evrec/core';
import type { InputLayout, ModelInput } from '@evrec/ranker';
import type { ScoringReply, ScoringRequest } from './scoring-worker.ts';

export interface ScoringThreadOptions {
  /** TF.js backend of the thread. Default auto (the same choice order as the serving thread). */
  backend?: TfBackendChoice;
  /** A scoring call not answered within this long fails (the caller then scores on its own thread). Default 2,000 ms. */
  timeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

type Pending = { resolve: (r: ScoringReply) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout };

/** Message payloads without the correlation id the thread adds. */
type RequestBody = ScoringRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * The neural ranker's forward pass on a worker thread. The serving thread prepares the model
 * input (feature assembly needs the catalogue and the store snapshot, which live there) and hands
 * the matrix work — most of a request's ranking cost — to this thread, so on a multi-core machine
 * one process scores one request while it retrieves and assembles the next. Models are loaded per
 * bundle version and unloaded when the bundle retires. When the thread dies, every pending and
 * later call fails with UNAVAILABLE and callers fall back to scoring on their own thread.
 */
export class ScoringThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;
  private readonly timeoutMs: number;
  /** The backend the thread's TF.js runs on (known after the first load). */
  backend: string | undefined;
  /** Rows scored on the thread so far (for metrics and tests). */
  rowsScored = 0;

  private constructor(private readonly options: ScoringThreadOptions) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.worker = startTsWorker(new URL('./scoring-worker.ts', import.meta.url), { workerData: { backend: options.backend } });
    this.worker.unref();
    this.worker.on('message', (m: ScoringReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return; // timed out already
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m);
    });
    const die = (why: Error): void => {
      if (this.dead !== undefined) return;
      this.dead = why;
      options.logger?.warn({ error: why.message }, 'scoring thread stopped: ranking continues on the serving thread');
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new EvrecError('UNAVAILABLE', `scoring thread stopped: ${why.message}`));
      }
      this.pending.clear();
    };
    this.worker.on('error', (e) => die(e));
    this.worker.on('exit', (code) => die(new Error(`exited with code ${code}`)));
  }

  static start(options: ScoringThreadOptions = {}): ScoringThread {
    return new ScoringThread(options);
  }

  /** False once the thread has died (calls then fail at once). */
  get alive(): boolean {
    return this.dead === undefined;
  }

  private call(body: RequestBody, timeoutMs: number): Promise<ScoringReply> {
    if (this.dead !== undefined) return Promise.reject(new EvrecError('UNAVAILABLE', `scoring thread stopped: ${this.dead.message}`));
    const id = this.nextId++;
    return new Promise<ScoringReply>((resolve, reject) => {
      const p: Pending = { resolve, reject };
      p.timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new EvrecError('TIMEOUT', `scoring thread did not answer ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, p);
      this.worker.postMessage({ ...body, id } as ScoringRequest);
    }).then((r) => {
      if (r.type === 'error') throw new EvrecError(isErrorCode(r.code) ? r.code : 'INTERNAL', `scoring thread: ${r.message}`);
      return r;
    });
  }

  /** Loads the TF.js model in `modelDir` (a saved ranker network) under `key` (the bundle version). */
  async load(key: string, modelDir: string, layout: InputLayout): Promise<void> {
    // Loading includes the thread's first TF.js start (WASM compile): allow far longer than a score.
    const r = await this.call({ type: 'load', key, modelDir, layout }, Math.max(60_000, this.timeoutMs));
    if (r.type === 'ok' && r.backend !== undefined) this.backend = r.backend;
  }

  /** Frees the model under `key` (no-op when absent or the thread is gone). */
  unload(key: string): void {
    if (this.dead !== undefined) return;
    this.call({ type: 'unload', key }, this.timeoutMs).catch(() => undefined);
  }

  /** Raw logits of the model under `key` for prepared input (the input is copied to the thread). */
  async logits(key: string, input: ModelInput): Promise<Float32Array> {
    const r = await this.call({ type: 'logits', key, input }, this.timeoutMs);
    if (r.type !== 'logits') throw new EvrecError('INTERNAL', `scoring thread answered ${r.type} to a logits call`);
    if (r.logits.length !== input.rows) throw new EvrecError('INTERNAL', `scoring thread returned ${r.logits.length} logits for ${input.rows} rows`);
    this.rowsScored += input.rows;
    return r.logits;
  }

  async close(): Promise<void> {
    this.dead ??= new Error('closed');
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new EvrecError('UNAVAILABLE', 'scoring thread closed'));
    }
    this.pending.clear();
    await this.worker.terminate();
  }
}
