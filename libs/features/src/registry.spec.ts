import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FEATURES, FEATURE_GROUPS } from './registry.ts';

const PREFIX: Record<string, string> = { user: 'user.', event: 'event.', user_event: 'user_event.', social: 'social.', context: 'context.' };

describe('feature registry', () => {
  it('has unique names prefixed by their group, grouped in group order', () => {
    expect(new Set(FEATURES.map((d) => d.name)).size).toBe(FEATURES.length);
    for (const d of FEATURES) expect(d.name.startsWith(PREFIX[d.group]), d.name).toBe(true);
    const order = FEATURES.map((d) => FEATURE_GROUPS.indexOf(d.group));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('gives every feature the parameters its type needs', () => {
    for (const d of FEATURES) {
      expect(d.description.length, d.name).toBeGreaterThan(5);
      expect(d.version, d.name).toBeGreaterThanOrEqual(1);
      if (d.type === 'bucket') expect(d.boundaries?.length, d.name).toBeGreaterThan(0);
      if (d.type === 'bucket') expect([...(d.boundaries ?? [])].sort((a, b) => a - b)).toEqual([...(d.boundaries ?? [])]);
      if (d.type === 'enum') expect(d.values?.length, d.name).toBeGreaterThan(1);
      if (d.type === 'hashed') expect(d.hashBuckets, d.name).toBeGreaterThan(1);
    }
  });

  it('is documented in docs/FEATURES.md, one table row per feature', () => {
    const doc = readFileSync(new URL('../../../docs/FEATURES.md', import.meta.url), 'utf8');
    for (const d of FEATURES) expect(doc, d.name).toContain(`| \`${d.name}\` | ${d.type} |`);
  });
});
