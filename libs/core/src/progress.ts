/** Progress of long work: data generation, imports, training epochs, index builds, jobs. */
export interface ProgressEvent {
  /** What is running, e.g. `generate.interactions`, `train.epoch`, `index.build`. */
  stage: string;
  done: number;
  total?: number;
  /** Free-form figures to print beside it (loss, auc, examples/s). */
  metrics?: Record<string, number | string>;
  message?: string;
}

export type ProgressReporter = (event: ProgressEvent) => void;

export const silentProgress: ProgressReporter = () => undefined;

/**
 * A reporter that prints a line to stderr at most every `intervalMs` per stage (and always the
 * final `done === total` line), so long runs show life without flooding logs.
 */
export function throttledStderrProgress(intervalMs = 1000, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): ProgressReporter {
  const last = new Map<string, number>();
  return (e) => {
    const now = Date.now();
    const final = e.total !== undefined && e.done >= e.total;
    const prev = last.get(e.stage) ?? 0;
    if (!final && now - prev < intervalMs && e.metrics === undefined) return;
    last.set(e.stage, now);
    const pct = e.total ? ` ${((100 * e.done) / e.total).toFixed(1)}%` : '';
    const count = e.total === undefined ? `${e.done}` : `${e.done}/${e.total}`;
    const metrics = e.metrics
      ? ' ' + Object.entries(e.metrics).map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`).join(' ')
      : '';
    write(`[${e.stage}] ${count}${pct}${metrics}${e.message ? ' ' + e.message : ''}`);
  };
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
