import { describe, expect, it } from 'vitest';
import { combineEmbeddings } from '../src/combine.js';

const length = (v: ArrayLike<number>) => Math.hypot(...Array.from(v));

describe('combining query terms', () => {
  it('weighs each term by its weight alone, whatever its length, and returns a unit vector', () => {
    // The first term is ten times longer: normalised first, it still counts as much as the second.
    const combined = combineEmbeddings([
      { embedding: [10, 0, 0], weight: 1 },
      { embedding: [0, 1, 0], weight: 1 },
    ])!;
    expect(Array.from(combined).map((x) => +x.toFixed(6))).toEqual([+(Math.SQRT1_2).toFixed(6), +(Math.SQRT1_2).toFixed(6), 0]);
    expect(length(combined)).toBeCloseTo(1, 6);
    // A negative weight moves away from its term; a larger weight pulls harder.
    const [x, y, z] = combineEmbeddings([
      { embedding: [1, 0, 0], weight: 2 },
      { embedding: [0, 1, 0], weight: 1 },
      { embedding: [0, 0, 1], weight: -0.5 },
    ])!;
    expect(x).toBeGreaterThan(y!);
    expect(z).toBeLessThan(0);
    expect(Array.from(combineEmbeddings([{ embedding: [0, 3, 4], weight: 0.5 }])!)).toEqual([0, 0.6000000238418579, 0.800000011920929]);
  });

  it('says when the terms cancel out, and refuses embeddings of different widths', () => {
    expect(combineEmbeddings([{ embedding: [1, 2], weight: 1 }, { embedding: [2, 4], weight: -1 }])).toBeUndefined();
    expect(combineEmbeddings([{ embedding: [0, 0], weight: 1 }])).toBeUndefined();
    expect(() => combineEmbeddings([{ embedding: [1, 0], weight: 1 }, { embedding: [1, 0, 0], weight: 1 }])).toThrow('embeddings of 3 and 2 dimensions cannot be combined');
  });
});
