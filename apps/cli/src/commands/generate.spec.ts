import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capture } from './capture-cli.fixture.ts';

const root = await mkdtemp(join(tmpdir(), 'evrec-cli-generate-'));
afterAll(() => rm(root, { recursive: true, force: true }));


describe('evrec generate', () => {
  it('writes a tiny world, progress to stderr and one summary line to stdout', async () => {
    const out = join(root, 'tiny');
    const r = await capture(['generate', '--out', out, '--preset', 'tiny', '--users', '250', '--seed', '5']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(/^generated tiny world \(seed 5\) in .*: 250 users, 200 events, \d+ friendships, \d+ interactions/);
    expect(r.err).toMatch(/\[generate\.interactions\] 28\/28/);
    const manifest = JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8'));
    expect(manifest.counts.users).toBe(250);
    expect(manifest.source).toMatchObject({ seed: 5, preset: 'tiny' });
  });

  it('prints JSON with --json', async () => {
    const r = await capture(['generate', '--out', join(root, 'json'), '--preset', 'tiny', '--days', '7', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ preset: 'tiny', users: 300, events: 200, days: 7, seed: 42 });
    expect(s.interactionsByType.impression).toBeGreaterThan(0);
  });

  it('exits 2 on a bad count or preset, naming the flag', async () => {
    const a = await capture(['generate', '--out', join(root, 'bad'), '--users', 'lots']);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/INVALID_INPUT: --users: expected a positive integer, got "lots"/);
    const b = await capture(['generate', '--out', join(root, 'bad'), '--preset', 'huge']);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--preset: expected one of tiny, small, medium, 1m/);
  });
});
