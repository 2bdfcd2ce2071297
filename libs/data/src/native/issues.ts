import { EvrecError, formatLocation, type DataLocation, type ProgressReporter } from '@evrec/core';

/**
 * One problem found in a data file. `reason` is a short stable key that reports group by:
 * `bad-json`, `schema`, `duplicate-id`, `unknown-user`, `unknown-event`, `invalid-utf8`,
 * `wrong-column-count`, `bad-number`, `bad-date`, `truncated-line`, … (docs/DATA.md lists them all).
 */
export interface DataIssue {
  location: DataLocation;
  reason: string;
  message: string;
}

export interface ReadOptions {
  /** Throw `EvrecError('INVALID_DATA')` at the first issue instead of skipping the row. Default false. */
  strict?: boolean;
  /** Called for every issue as it is found (after it is counted). Default: none. */
  onIssue?: (issue: DataIssue) => void;
  /** Progress of long reads and imports. Default: silent. */
  progress?: ProgressReporter;
}

/**
 * Counts issues per reason and keeps the first few of each as located examples, so a report over
 * millions of rows stays small. Every skipped row is counted here: nothing is dropped silently.
 */
export class ValidationReport {
  private readonly counts = new Map<string, number>();
  private readonly examples = new Map<string, DataIssue[]>();

  /** @param examplesPerReason how many located issues to keep per reason (default 5). */
  constructor(private readonly examplesPerReason = 5) {}

  add(issue: DataIssue): void {
    this.counts.set(issue.reason, (this.counts.get(issue.reason) ?? 0) + 1);
    let kept = this.examples.get(issue.reason);
    if (kept === undefined) {
      kept = [];
      this.examples.set(issue.reason, kept);
    }
    if (kept.length < this.examplesPerReason) kept.push(issue);
  }

  /** Issues counted for one reason (0 when none). */
  count(reason: string): number {
    return this.counts.get(reason) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Counts per reason, reasons sorted alphabetically. */
  byReason(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The kept located examples, grouped by reason. */
  samples(): DataIssue[] {
    return [...this.examples.values()].flat();
  }

  merge(other: ValidationReport): void {
    for (const [reason, n] of other.counts) this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
    for (const issue of other.samples()) {
      const kept = this.examples.get(issue.reason) ?? [];
      if (kept.length < this.examplesPerReason) kept.push(issue);
      this.examples.set(issue.reason, kept);
    }
  }

  toJSON(): { total: number; byReason: Record<string, number>; examples: DataIssue[] } {
    return { total: this.total(), byReason: this.byReason(), examples: this.samples() };
  }

  /** Human-readable, one line per reason with its first location. */
  summary(): string {
    const total = this.total();
    if (total === 0) return 'validation: no issues';
    const lines = [`validation: ${total} issue${total === 1 ? '' : 's'} (rows skipped unless noted in docs/DATA.md)`];
    for (const [reason, n] of Object.entries(this.byReason())) {
      const first = this.examples.get(reason)?.[0];
      lines.push(`  ${reason}: ${n}${first ? ` — first at ${formatLocation(first.location)}: ${first.message}` : ''}`);
    }
    return lines.join('\n');
  }
}

/**
 * Where readers and importers send issues: counts them in the report, tells `onIssue`, and in
 * strict mode throws INVALID_DATA carrying the location.
 */
export class IssueSink {
  readonly report: ValidationReport;
  private readonly strict: boolean;
  private readonly onIssue?: (issue: DataIssue) => void;

  constructor(options: ReadOptions = {}, report = new ValidationReport()) {
    this.report = report;
    this.strict = options.strict ?? false;
    this.onIssue = options.onIssue;
  }

  issue(location: DataLocation, reason: string, message: string): void {
    const issue: DataIssue = { location, reason, message };
    this.report.add(issue);
    this.onIssue?.(issue);
    if (this.strict) {
      throw new EvrecError('INVALID_DATA', `${message} (${reason})`, { location, details: { reason } });
    }
  }
}
