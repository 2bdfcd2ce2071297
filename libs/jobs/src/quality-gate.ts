import type { BundleManifest } from '@evrec/core';
import type { GateCheck, QualityGateConfig } from './schemas.ts';

/** Name of the bundle component the evaluate step writes (its metrics are the gate's inputs). */
export const EVALUATION_COMPONENT = 'evaluation';

/**
 * A bundle's offline metrics as one flat record: every component's metrics as `<component>.<key>`
 * (e.g. `ranker.valid.nn.auc`, `ann.count`), and the evaluation component's own keys unprefixed
 * (`retrieval.ann.recall@100`), which win on a clash.
 */
export function bundleMetrics(manifest: Pick<BundleManifest, 'components'>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, c] of Object.entries(manifest.components)) {
    if (name === EVALUATION_COMPONENT) continue;
    for (const [k, v] of Object.entries(c.metrics)) if (Number.isFinite(v)) out[`${name}.${k}`] = v;
  }
  const evaluation = manifest.components[EVALUATION_COMPONENT];
  if (evaluation) for (const [k, v] of Object.entries(evaluation.metrics)) if (Number.isFinite(v)) out[k] = v;
  return out;
}

export interface GateVerdict {
  pass: boolean;
  checks: GateCheck[];
  /** The failed checks' notes, joined; absent when it passes. */
  reason?: string;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(4));

/**
 * Compares a candidate's metrics with the current bundle's. Each rule fails when the candidate is
 * worse by more than its margin, or has no value for the metric at all (a bundle that cannot show
 * its quality is not published). A metric the current bundle lacks has nothing to compare and
 * passes, as does everything when there is no current bundle. `indexedEvents` is checked against
 * `minIndexedEvents`.
 */
export function checkQualityGate(
  candidate: Record<string, number>,
  current: Record<string, number> | undefined,
  gate: QualityGateConfig,
  indexedEvents?: number,
): GateVerdict {
  if (!gate.enabled) return { pass: true, checks: [] };
  const checks: GateCheck[] = [];
  for (const rule of gate.rules) {
    const c = candidate[rule.metric];
    const b = current?.[rule.metric];
    const base = { metric: rule.metric, direction: rule.direction, margin: rule.margin, candidate: c ?? null, current: b ?? null };
    if (c === undefined || !Number.isFinite(c)) {
      checks.push({ ...base, candidate: null, pass: false, note: `candidate has no value for ${rule.metric}` });
    } else if (b === undefined || !Number.isFinite(b)) {
      checks.push({ ...base, current: null, pass: true, note: current === undefined ? 'no current bundle to compare with' : `current bundle has no ${rule.metric}; nothing to compare` });
    } else {
      const regression = rule.direction === 'higher' ? b - c : c - b;
      // A tiny epsilon keeps "exactly at the margin" a pass despite float rounding.
      const pass = regression <= rule.margin + 1e-12;
      const how = regression > 0 ? `worse by ${fmt(regression)}` : `not worse (${regression === 0 ? 'equal' : `better by ${fmt(-regression)}`})`;
      checks.push({ ...base, pass, note: `${rule.metric} ${fmt(c)} vs current ${fmt(b)}: ${how} (margin ${fmt(rule.margin)})` });
    }
  }
  if (indexedEvents !== undefined) {
    const pass = indexedEvents >= gate.minIndexedEvents;
    checks.push({
      metric: 'ann.count',
      direction: 'higher',
      margin: 0,
      candidate: indexedEvents,
      current: null,
      pass,
      note: `index holds ${indexedEvents} events (minimum ${gate.minIndexedEvents})`,
    });
  }
  const failed = checks.filter((c) => !c.pass);
  return failed.length === 0 ? { pass: true, checks } : { pass: false, checks, reason: failed.map((c) => c.note).join('; ') };
}
