/** One candidate for the page, with the vector it was found by. */
export interface Candidate<T> {
  item: T;
  vector: ArrayLike<number> | undefined;
}

/** A page of folded results, and the last item of the ranking it took in: the next page starts after it. */
export interface Folded<T> {
  results: { item: T; duplicates: T[] }[];
  last: T | undefined;
}

/**
 * Folds near-duplicates into the better-ranked result they resemble: walking the ranking, an item
 * whose vector is at least `threshold` similar (cosine; stored vectors have unit length) to a
 * result already kept joins that result's duplicates, and any other item is kept, up to `limit`.
 * The walk stops at the first item the page has no room for, so the next page starts there and no
 * image is shown twice across pages.
 */
export function foldDuplicates<T>(ranked: readonly Candidate<T>[], threshold: number, limit: number): Folded<T> {
  const kept: { item: T; vector: ArrayLike<number> | undefined; duplicates: T[] }[] = [];
  let last: T | undefined;
  for (const { item, vector } of ranked) {
    const original = vector && kept.find((result) => result.vector && dot(result.vector, vector) >= threshold);
    if (original) original.duplicates.push(item);
    else if (kept.length < limit) kept.push({ item, vector, duplicates: [] });
    else break;
    last = item;
  }
  return { results: kept.map(({ item, duplicates }) => ({ item, duplicates })), last };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
