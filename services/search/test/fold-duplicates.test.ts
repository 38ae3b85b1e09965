import { describe, expect, it } from 'vitest';
import { foldDuplicates } from '../src/fold-duplicates.js';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('folding near-duplicates', () => {
  it('folds each item into the first better-ranked result it resembles, keeps the rest up to the limit', () => {
    const ranked = [
      { item: 'a', vector: unit(1, 0, 0) },
      { item: 'a-copy', vector: unit(1, 0.05, 0) },
      { item: 'b', vector: unit(0, 1, 0) },
      { item: 'c', vector: unit(0, 0, 1) },
      { item: 'b-copy', vector: unit(0, 1, 0.02) },
      { item: 'no-vector', vector: undefined },
    ];
    expect(foldDuplicates(ranked, 0.95, 10)).toEqual({
      results: [
        { item: 'a', duplicates: ['a-copy'] },
        { item: 'b', duplicates: ['b-copy'] },
        { item: 'c', duplicates: [] },
        { item: 'no-vector', duplicates: [] },
      ],
      last: 'no-vector',
    });
    // The walk stops at the first item the page has no room for ('c'): it and what follows,
    // duplicates of this page's results included, are the next page's.
    expect(foldDuplicates(ranked, 0.95, 2)).toEqual({ results: [{ item: 'a', duplicates: ['a-copy'] }, { item: 'b', duplicates: [] }], last: 'b' });
    expect(foldDuplicates(ranked.slice(0, 2), 0.95, 1)).toEqual({ results: [{ item: 'a', duplicates: ['a-copy'] }], last: 'a-copy' });
    // Threshold 1 folds only identical directions; 0 folds everything not opposite into the first.
    expect(foldDuplicates(ranked, 1.0000001, 10).results.every(({ duplicates }) => duplicates.length === 0)).toBe(true);
    expect(foldDuplicates(ranked.slice(0, 5), 0, 10)).toEqual({ results: [{ item: 'a', duplicates: ['a-copy', 'b', 'c', 'b-copy'] }], last: 'b-copy' });
    expect(foldDuplicates([], 0.95, 10)).toEqual({ results: [], last: undefined });
  });
});
