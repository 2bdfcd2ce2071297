import type { CalibrationBin } from '@evrec/metrics';
import type { AblationReport } from './ablation.ts';
import { metricTable, type CandidateSetReport, type RankerEvalReport } from './ranker-eval.ts';
import { segmentTableRows, type RetrievalEvalReport } from './retrieval-eval.ts';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const fmt = (v: number | undefined, digits = 3): string => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));

/**
 * Reliability diagram as inline SVG: per non-empty bin, mean predicted (x) against observed rate
 * (y), one polyline per model, with the diagonal of perfect calibration.
 */
export function reliabilitySvg(curves: ReadonlyArray<{ name: string; bins: readonly CalibrationBin[]; color: string }>, size = 320): string {
  const pad = 40;
  const inner = size - 2 * pad;
  const x = (p: number): number => pad + p * inner;
  const y = (p: number): number => size - pad - p * inner;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="reliability" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="reliability diagram">`);
  parts.push(`<rect x="${pad}" y="${pad}" width="${inner}" height="${inner}" fill="none" stroke="#999"/>`);
  parts.push(`<line class="diagonal" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`);
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<text x="${x(t)}" y="${size - pad + 14}" font-size="10" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${pad - 6}" y="${y(t) + 3}" font-size="10" text-anchor="end">${t}</text>`);
  }
  parts.push(`<text x="${size / 2}" y="${size - 6}" font-size="11" text-anchor="middle">mean predicted</text>`);
  parts.push(`<text x="12" y="${size / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${size / 2})">observed rate</text>`);
  curves.forEach((c, ci) => {
    const pts = c.bins.filter((b) => b.count > 0 && Number.isFinite(b.meanPredicted) && Number.isFinite(b.observedRate));
    parts.push(`<polyline class="curve" data-model="${escapeHtml(c.name)}" fill="none" stroke="${c.color}" stroke-width="2" points="${pts.map((b) => `${x(b.meanPredicted).toFixed(1)},${y(b.observedRate).toFixed(1)}`).join(' ')}"/>`);
    for (const b of pts) parts.push(`<circle cx="${x(b.meanPredicted).toFixed(1)}" cy="${y(b.observedRate).toFixed(1)}" r="3" fill="${c.color}"><title>${escapeHtml(c.name)}: n=${b.count}, predicted ${fmt(b.meanPredicted)}, observed ${fmt(b.observedRate)}</title></circle>`);
    parts.push(`<text x="${pad + 8}" y="${pad + 16 + ci * 14}" font-size="11" fill="${c.color}">${escapeHtml(c.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Distinct line colours, reused in order. */
export const SERIES_COLORS = ['#1f6fd1', '#d17a1f', '#2a9d4b', '#c43c3c', '#7b52c7', '#8c564b', '#d14fa8', '#555555', '#a3a325', '#17a2b8', '#3b3bb3', '#b36b00', '#5e8c31'];

export interface LineChartOptions {
  series: ReadonlyArray<{ name: string; points: ReadonlyArray<{ x: number; y: number }>; color?: string }>;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x-axis (every x must be positive). Default false. */
  logX?: boolean;
  /** The y range. Default [0, 1]. */
  yMin?: number;
  yMax?: number;
  /** Tick values of the x-axis. Default: the distinct x values. */
  xTicks?: readonly number[];
  width?: number;
  height?: number;
}

/**
 * A line chart as inline SVG: one `<polyline class="curve" data-series=…>` per series (non-finite
 * points skipped), axes with ticks, and a legend.
 */
export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 560;
  const height = o.height ?? 360;
  const left = 48;
  const right = 170; // legend
  const top = 16;
  const bottom = 40;
  const all = o.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0)));
  const tx = (v: number): number => (o.logX ? Math.log10(v) : v);
  const xs = all.map((p) => tx(p.x));
  const x0 = xs.length === 0 ? 0 : Math.min(...xs);
  const x1 = xs.length === 0 ? 1 : Math.max(...xs);
  const y0 = o.yMin ?? 0;
  const y1 = o.yMax ?? 1;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (v: number): number => left + (x1 === x0 ? plotW / 2 : ((tx(v) - x0) / (x1 - x0)) * plotW);
  const y = (v: number): number => top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="line-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.yLabel)} by ${escapeHtml(o.xLabel)}">`];
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  const xTicks = o.xTicks ?? [...new Set(all.map((p) => p.x))].sort((a, b) => a - b);
  for (const t of xTicks) {
    if (o.logX && t <= 0) continue;
    parts.push(`<line x1="${x(t).toFixed(1)}" y1="${top}" x2="${x(t).toFixed(1)}" y2="${top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${x(t).toFixed(1)}" y="${top + plotH + 14}" font-size="10" text-anchor="middle">${t}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 3).toFixed(1)}" font-size="10" text-anchor="end">${Number(v.toFixed(3))}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 6}" font-size="11" text-anchor="middle">${escapeHtml(o.xLabel)}${o.logX ? ' (log scale)' : ''}</text>`);
  parts.push(`<text x="12" y="${top + plotH / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">${escapeHtml(o.yLabel)}</text>`);
  o.series.forEach((s, i) => {
    const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0));
    const title = `<title>${escapeHtml(s.name)}: ${pts.map((p) => `${p.x} → ${fmt(p.y)}`).join(', ')}</title>`;
    parts.push(`<polyline class="curve" data-series="${escapeHtml(s.name)}" fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}">${title}</polyline>`);
    for (const p of pts) parts.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    parts.push(`<text x="${left + plotW + 10}" y="${top + 10 + i * 14}" font-size="11" fill="${color}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars of one ablation metric's drop per left-out group (positive = the group helps). */
export function ablationSvg(ablation: AblationReport, metric: string, width = 420): string {
  const rowH = 22;
  const left = 90;
  const height = ablation.rows.length * rowH + 30;
  const drops = ablation.rows.map((r) => r.drop[metric]).filter((v) => Number.isFinite(v));
  const span = Math.max(1e-6, ...drops.map((v) => Math.abs(v)));
  const mid = left + (width - left - 60) / 2;
  const scale = (width - left - 60) / 2 / span;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" class="ablation" data-metric="${escapeHtml(metric)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="ablation ${escapeHtml(metric)}">`];
  parts.push(`<text x="4" y="14" font-size="11">${escapeHtml(metric)} drop without the group</text>`);
  parts.push(`<line x1="${mid}" y1="20" x2="${mid}" y2="${height}" stroke="#999"/>`);
  ablation.rows.forEach((r, i) => {
    const v = r.drop[metric];
    const yTop = 24 + i * rowH;
    parts.push(`<text x="4" y="${yTop + 13}" font-size="11">${escapeHtml(r.group)}</text>`);
    if (!Number.isFinite(v)) return;
    const w = Math.abs(v) * scale;
    const xStart = v >= 0 ? mid : mid - w;
    parts.push(`<rect class="bar" data-group="${escapeHtml(r.group)}" x="${xStart.toFixed(1)}" y="${yTop}" width="${Math.max(0.5, w).toFixed(1)}" height="${rowH - 6}" fill="${v >= 0 ? '#3a7' : '#c44'}"><title>${escapeHtml(r.group)}: ${fmt(v, 4)}</title></rect>`);
    parts.push(`<text x="${(v >= 0 ? mid + w + 4 : mid - w - 4).toFixed(1)}" y="${yTop + 13}" font-size="10" text-anchor="${v >= 0 ? 'start' : 'end'}">${fmt(v, 4)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function tableHtml(caption: string, header: string[], rows: string[][], cls: string): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`).join('\n');
  return `<table class="${cls}"><caption>${escapeHtml(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

function setTable(caption: string, set: CandidateSetReport, ks: readonly number[], cls: string): string {
  const t = metricTable(set, ks);
  return tableHtml(caption, t.header, t.rows, cls);
}

/**
 * The evaluation as one self-contained HTML page (inline CSS and SVG; no scripts, no external
 * resources): metric tables per candidate set, the reliability diagram, bootstrap comparisons and
 * the ablation bars.
 */
export function rankerReportHtml(r: RankerEvalReport): string {
  const sections: string[] = [];
  sections.push(`<h1>Ranker evaluation — ${escapeHtml(r.dataset)}</h1>`);
  sections.push(`<p>Split at <b>${escapeHtml(r.splitAtIso)}</b>, horizon ${r.horizonDays} days, ${r.epochs} epochs, hard negatives ${r.hardNegatives} per positive. Training: ${r.training.trainExamples} examples, validation AUC NN ${fmt(r.training.validNnAuc)} / LR ${fmt(r.training.validLrAuc)}.</p>`);
  sections.push('<h2>Funnel: retrieval candidates at the split</h2>');
  sections.push(`<p>${r.funnel.users} users with test registrations, ${r.funnel.liveEvents} live events, ${r.funnel.meanCandidates.toFixed(1)} candidates per user; retrieval found ${fmt(r.funnel.candidateRecall)} of ${r.funnel.relevantPairs} test registrations (the recall ceiling of every ordering).</p>`);
  sections.push(setTable('Funnel candidates ranked per user (relevant = test-window registrations)', r.funnel, r.ks, 'metrics funnel'));
  sections.push('<h2>Test exposures</h2>');
  sections.push(`<p>${r.exposures.rows} exposures after the split (${r.exposures.positives} positive), ${r.exposures.users} users with a positive. Retrieval order = two-tower similarity at the split.</p>`);
  sections.push(setTable('Test exposures ranked per user', r.exposures, r.ks, 'metrics exposures'));
  sections.push('<h2>Calibration (test exposures)</h2>');
  sections.push(`<p>Expected calibration error: NN ${fmt(r.calibration.nn.ece, 4)}, LR ${fmt(r.calibration.lr.ece, 4)}.</p>`);
  sections.push(reliabilitySvg([{ name: 'nn', bins: r.calibration.nn.bins, color: '#1f6fd1' }, { name: 'lr', bins: r.calibration.lr.bins, color: '#d17a1f' }]));
  const binRows = r.calibration.nn.bins.map((b, i) => [`${fmt(b.lower, 1)}–${fmt(b.upper, 1)}`, String(b.count), fmt(b.meanPredicted), fmt(b.observedRate), String(r.calibration.lr.bins[i]?.count ?? 0), fmt(r.calibration.lr.bins[i]?.meanPredicted), fmt(r.calibration.lr.bins[i]?.observedRate)]);
  sections.push(tableHtml('Reliability bins', ['bin', 'nn n', 'nn predicted', 'nn observed', 'lr n', 'lr predicted', 'lr observed'], binRows, 'calibration'));
  if (r.comparisons.length > 0) {
    sections.push('<h2>NN vs baselines (paired bootstrap over users, 95% CI)</h2>');
    sections.push(tableHtml('Differences NN − baseline', ['set', 'metric', 'baseline', 'estimate', 'lower', 'upper', 'p(≤0)'], r.comparisons.map((c) => [c.set, c.metric, c.b, fmt(c.estimate, 4), fmt(c.lower, 4), fmt(c.upper, 4), fmt(c.shareAtOrBelowZero)]), 'comparisons'));
  }
  if (r.ablation !== undefined) {
    const a = r.ablation;
    sections.push('<h2>Ablation by feature group</h2>');
    sections.push('<p>The NN retrained without one group; drop = full − ablated (ablated − full for log-loss): positive means the group helps.</p>');
    sections.push(tableHtml('Drops', ['without', ...a.metrics], a.rows.map((row) => [row.group, ...a.metrics.map((m) => fmt(row.drop[m], 4))]), 'ablation'));
    for (const m of ['funnel.map@10', 'funnel.ndcg@10', 'exposures.auc']) if (a.metrics.includes(m)) sections.push(ablationSvg(a, m));
  }
  const css = 'body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th[scope=row]{text-align:left}caption{text-align:left;font-weight:bold}svg{margin:0.5em 1em 0.5em 0}';
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Ranker evaluation — ${escapeHtml(r.dataset)}</title><style>${css}</style></head>\n<body>\n${sections.join('\n')}\n</body></html>\n`;
}

/**
 * The retrieval evaluation as one self-contained HTML page (inline CSS and SVG; no scripts, no
 * external resources): recall@K curves (log K) per method over all, cold and warm test
 * registrations, and the tables.
 */
export function retrievalReportHtml(r: RetrievalEvalReport): string {
  const pctCell = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(1) : '—');
  const sections: string[] = [];
  sections.push(`<h1>Retrieval evaluation — ${escapeHtml(r.dataset)}</h1>`);
  sections.push(
    `<p>Split at <b>${escapeHtml(r.splitAtIso)}</b>, horizon ${r.horizonDays} days, radius ${r.radiusKm} km. ${r.liveEvents} live events (the whole corpus is ranked); ` +
      `${r.users} users with ${r.relevantPairs} new test registrations: ${r.segments.cold.pairs} on cold events (no interaction before the split; ${r.segments.cold.users} users), ` +
      `${r.segments.warm.pairs} on warm ones (${r.segments.warm.users} users). Left out: ${r.notLivePairs} on events not live at the split, ${r.alreadyRegisteredPairs} already held.</p>`,
  );
  const segments = [
    { seg: 'all' as const, title: 'All test registrations' },
    { seg: 'cold' as const, title: 'Cold events (no interaction before the split)' },
    { seg: 'warm' as const, title: 'Warm events (some interaction before the split)' },
  ];
  for (const { seg, title } of segments) {
    sections.push(`<h2>${escapeHtml(title)}</h2>`);
    const series = r.rows.map((row) => {
      const score = seg === 'all' ? row : row[seg];
      return { name: row.name, points: r.ks.map((k) => ({ x: k, y: score.recall[String(k)] })) };
    });
    sections.push(`<div class="chart" data-segment="${seg}">${lineChartSvg({ series, xLabel: 'K', yLabel: 'recall@K', logX: true, xTicks: r.ks })}</div>`);
    const t = segmentTableRows(r, seg);
    const header = seg === 'all' ? [...t.header, 'R@all', 'len', 'kind'] : t.header;
    const rows = t.rows.map((cells, i) => (seg === 'all' ? [...cells, pctCell(r.rows[i].recallAll), r.rows[i].meanListLength.toFixed(0), r.rows[i].kind] : cells));
    sections.push(tableHtml(`${title}: recall@K and MRR (%)`, header, rows, `metrics ${seg}`));
  }
  sections.push('<h2>Methods</h2>');
  sections.push(tableHtml('What each row ranks', ['method', 'kind', 'description'], r.rows.map((row) => [row.name, row.kind, row.description]), 'methods'));
  if (r.comparisons.length > 0) {
    sections.push('<h2>Paired bootstrap (users resampled, 95% CI)</h2>');
    sections.push(tableHtml('Differences a − b (points)', ['a', 'b', 'metric', 'estimate', 'lower', 'upper', 'p(≤0)'], r.comparisons.map((c) => [c.a, c.b, c.metric, pctCell(c.estimate), pctCell(c.lower), pctCell(c.upper), fmt(c.shareAtOrBelowZero)]), 'comparisons'));
  }
  sections.push(`<p>ANN vs exact search (share of the exact top k found): ${escapeHtml(Object.entries(r.annVsExact).map(([k, v]) => `${k} ${pctCell(v)}%`).join(', '))}. Relevant events vs the rules at the split: ${escapeHtml(Object.entries(r.ruleOutcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '))}.</p>`);
  const css = 'body{font-family:system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th[scope=row]{text-align:left}caption{text-align:left;font-weight:bold}svg{margin:0.5em 1em 0.5em 0}';
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Retrieval evaluation — ${escapeHtml(r.dataset)}</title><style>${css}</style></head>\n<body>\n${sections.join('\n')}\n</body></html>\n`;
}
