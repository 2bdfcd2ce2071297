import { describe, expect, it } from 'vitest';
import { createRng, type Interaction } from '@evrec/core';
import { interactionsBefore, splitCutsByQuantile, temporalSplit, TemporalSplit } from './split.ts';

function at(id: string, t: number): Interaction {
  return { id, userId: 'u', eventId: 'e', type: 'click', at: t };
}

/** 10 interactions at 0, 10, …, 90, given out of order. */
const rows = [50, 0, 90, 20, 10, 80, 30, 70, 40, 60].map((t) => at(`i${t}`, t));

describe('TemporalSplit', () => {
  it('partitions at explicit cuts: [..,trainEnd) [trainEnd,validEnd) [validEnd,..)', () => {
    const s = new TemporalSplit(rows, { trainEnd: 40, validEnd: 70 });
    expect(s.train.interactions.map((i) => i.at)).toEqual([0, 10, 20, 30]);
    expect(s.valid.interactions.map((i) => i.at)).toEqual([40, 50, 60]);
    expect(s.test.interactions.map((i) => i.at)).toEqual([70, 80, 90]);
    expect(s.knownState('train')).toEqual([]);
    expect(s.knownState('valid').map((i) => i.at)).toEqual([0, 10, 20, 30]);
    expect(s.knownState('test').map((i) => i.at)).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('never lets an interaction at or after a cut into an earlier part, nor a part into its own known state', () => {
    const rng = createRng('split');
    // Many ties on purpose: times drawn from a small range.
    const many = Array.from({ length: 2000 }, (_, k) => at(`r${k}`, rng.int(200)));
    for (const spec of [
      { trainEnd: 50, validEnd: 50 },
      { trainEnd: 0, validEnd: 199 },
      { validFraction: 0.1, testFraction: 0.2 },
      { validFraction: 0.25, testFraction: 0.25, by: 'time' as const },
    ]) {
      const s = temporalSplit(many, spec);
      const leaks = [
        ...s.train.interactions.filter((i) => i.at >= s.trainEnd),
        ...s.valid.interactions.filter((i) => i.at < s.trainEnd || i.at >= s.validEnd),
        ...s.test.interactions.filter((i) => i.at < s.validEnd),
      ];
      expect(leaks).toEqual([]);
      expect(s.train.interactions.length + s.valid.interactions.length + s.test.interactions.length).toBe(many.length);
      for (const name of ['valid', 'test'] as const) {
        const own = new Set(s.part(name).interactions.map((i) => i.id));
        const known = s.knownState(name);
        expect(known.some((i) => own.has(i.id))).toBe(false);
        expect(Math.max(-Infinity, ...known.map((i) => i.at))).toBeLessThan(s.part(name).from);
      }
    }
  });

  it('hands out frozen parts that callers cannot extend', () => {
    const s = new TemporalSplit(rows, { trainEnd: 40, validEnd: 70 });
    expect(() => (s.train.interactions as Interaction[]).push(at('late', 95))).toThrow(TypeError);
    expect(Object.isFrozen(s.test)).toBe(true);
  });

  it('rejects cuts in the wrong order', () => {
    expect(() => new TemporalSplit(rows, { trainEnd: 70, validEnd: 40 })).toThrow(/trainEnd <= validEnd/);
  });
});

describe('splitCutsByQuantile', () => {
  it('places cuts at interaction-count quantiles', () => {
    // 10 rows: 70% train → the 8th time (index 7 = 70) starts validation.
    expect(splitCutsByQuantile(rows, { validFraction: 0.1, testFraction: 0.2 })).toEqual({ trainEnd: 70, validEnd: 80 });
    const s = temporalSplit({ interactions: rows }, { validFraction: 0.1, testFraction: 0.2 });
    expect(s.test.interactions.map((i) => i.at)).toEqual([80, 90]);
  });

  it('puts every tie at a cut into the later part', () => {
    const tied = [at('a', 1), at('b', 5), at('c', 5), at('d', 5), at('e', 9)];
    const s = temporalSplit(tied, { validFraction: 0, testFraction: 0.5 });
    expect(s.test.interactions.map((i) => i.id)).toEqual(['b', 'c', 'd', 'e']);
  });

  it('splits by time span when asked', () => {
    // span [0, 91): 80% of 91 = 72.8 → 73.
    expect(splitCutsByQuantile(rows, { validFraction: 0, testFraction: 0.2, by: 'time' })).toEqual({ trainEnd: 73, validEnd: 73 });
  });

  it('with a zero test share keeps everything before validEnd', () => {
    const s = temporalSplit(rows, { validFraction: 0.5, testFraction: 0 });
    expect(s.test.interactions).toEqual([]);
  });

  it('validates fractions', () => {
    expect(() => splitCutsByQuantile(rows, { validFraction: 0.5, testFraction: 0.5 })).toThrow(/< 1/);
    expect(() => splitCutsByQuantile(rows, { validFraction: -0.1, testFraction: 0.5 })).toThrow(/validFraction/);
    expect(() => splitCutsByQuantile([], { validFraction: 0.1, testFraction: 0.1 })).toThrow(/no interactions/);
  });
});

describe('interactionsBefore', () => {
  it('returns interactions strictly before t, sorted or not', () => {
    expect(interactionsBefore({ interactions: rows }, 30).map((i) => i.at)).toEqual([0, 10, 20]);
    const sorted = [...rows].sort((a, b) => a.at - b.at);
    expect(interactionsBefore({ interactions: sorted }, 30).map((i) => i.at)).toEqual([0, 10, 20]);
    expect(interactionsBefore({ interactions: sorted }, 0)).toEqual([]);
  });
});
