/**
 * What every benchmark prints and measures the same way: nearest-rank quantiles and markdown tables
 * (right-aligned cells) on stdout.
 */

/** Nearest-rank quantile of an ascending array: the element at floor(q·n), clamped to the last. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * A markdown table from a header and rows of cells (header names may repeat); cells right-aligned,
 * the first column left-aligned with `firstColumnLeft`.
 */
export function markdownGrid(header: readonly string[], rows: ReadonlyArray<readonly string[]>, options: { firstColumnLeft?: boolean } = {}): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (x: string, i: number): string => (i === 0 && options.firstColumnLeft === true ? x.padEnd(width[i]) : x.padStart(width[i]));
  const line = (cells: readonly string[]): string => '| ' + cells.map(pad).join(' | ') + ' |';
  return [line(header), '|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

/** A markdown table with a header row from the first row's keys; cells right-aligned. */
export function markdownTable(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  return markdownGrid(cols, rows.map((r) => cols.map((c) => String(r[c]))));
}

/** Prints `title` and its table to stdout after a blank line (nothing for no rows). */
export function printTable(title: string, rows: ReadonlyArray<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  process.stdout.write(`\n${title}\n${markdownTable(rows)}\n`);
}
