import { describe, expect, it } from 'vitest';
import { MS_PER_DAY, type ProgressEvent } from '@evrec/core';
import { listTrainingExamples, materialiseExamples } from './examples.ts';
import { T0, tinyDataset } from './tiny-world.fixture.ts';

const ds = tinyDataset();
const brief = (xs: ReturnType<typeof listTrainingExamples>) => xs.map((x) => `${x.userId}:${x.eventId}:${x.source[0]}:${x.label}`);

describe('listTrainingExamples', () => {
  it('labels impressions by a later registration and adds registrations no impression preceded', () => {
    expect(brief(listTrainingExamples(ds.interactions))).toEqual([
      'u6:p3:r:1', 'u1:p1:r:1', 'u1:p2:r:1', 'u6:c1:i:0', 'u2:c1:r:1', 'u3:c1:r:1', 'u7:c1:i:0', 'u4:c1:r:1', 'u5:c1:r:1',
      'u1:c1:i:1', // impression at T0, registration at T0 (at or after): positive, and no separate registration row
      'u2:c2:r:1',
    ]);
  });

  it('cuts examples and labels at `until` and stops at `limit`', () => {
    const until = listTrainingExamples(ds.interactions, { until: T0 });
    expect(until).toHaveLength(9);
    expect(until.every((x) => x.at < T0)).toBe(true);
    // the impression at T0 is in with until = T0 + 1; its registration at T0 is before the cut
    expect(brief(listTrainingExamples(ds.interactions, { until: T0 + 1 })).at(-1)).toBe('u1:c1:i:1');
    expect(brief(listTrainingExamples(ds.interactions, { limit: 3 }))).toEqual(['u6:p3:r:1', 'u1:p1:r:1', 'u1:p2:r:1']);
  });
});

describe('materialiseExamples', () => {
  it('yields one batch per (user, time) with rows in example order, as of the example time', async () => {
    const examples = [
      { userId: 'u1', eventId: 'c1', at: T0, label: 1 as const, source: 'impression' as const },
      { userId: 'u1', eventId: 'ghost', at: T0, label: 0 as const, source: 'impression' as const },
      { userId: 'u1', eventId: 'c2', at: T0, label: 0 as const, source: 'impression' as const },
      { userId: 'u2', eventId: 'c1', at: T0 - 3 * MS_PER_DAY, label: 1 as const, source: 'registration' as const },
    ];
    const seen: ProgressEvent[] = [];
    const groups = [];
    for await (const g of materialiseExamples(ds, examples, { progress: (e) => seen.push(e) })) groups.push(g);
    expect(groups.map((g) => g.batch.eventIds)).toEqual([['c1', 'c2'], ['c1']]);
    expect(groups[0].examples.map((x) => x.eventId)).toEqual(['c1', 'c2']);
    expect(groups[0].batch.numeric['event.registrations'][0]).toBe(3);
    // u2's own registration at T0−3d is not visible to its own example
    expect(groups[1].batch.numeric['event.registrations'][0]).toBe(0);
    expect(groups[1].batch.numeric['user.registrations'][0]).toBe(0);
    expect(seen.at(-1)).toMatchObject({ done: 4, total: 4, message: expect.stringMatching(/skipped=1/) });
  });
});
