/**
 * What every benchmark prints and measures the same way: nearest-rank quantiles and markdown tables
 * (right-aligned cells) on stdout.
 */

/** Nearest-rank quantile of an ascending array: the element at floor(q·n), clamped to the last. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A markdown table with a header row from the first row's keys; cells right-aligned. */
export function markdownTable(rows: ReadonlyArray<Record<string, string | number>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]): string => '| ' + cells.map((x, i) => x.padStart(width[i])).join(' | ') + ' |';
  return [line(cols), '|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n');
}

/** Prints `title` and its table to stdout after a blank line (nothing for no rows). */
export function printTable(title: string, rows: ReadonlyArray<Record<string, string | number>>): void {
  if (rows.length === 0) return;
  process.stdout.write(`\n${title}\n${markdownTable(rows)}\n`);
}
