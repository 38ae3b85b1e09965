/** One ranked result, with the vector it was found by. */
export interface Ranked<T> {
  item: T;
  vector: ArrayLike<number> | undefined;
}

/**
 * Folds near-duplicates into the better-ranked result they resemble: walking the ranking, an item
 * whose vector is at least `threshold` similar (cosine; stored vectors have unit length) to a
 * result already kept joins that result's duplicates, and any other item is kept, up to `limit`.
 * Items past the page still join a kept result they duplicate.
 */
export function foldDuplicates<T>(ranked: readonly Ranked<T>[], threshold: number, limit: number): { item: T; duplicates: T[] }[] {
  const kept: { item: T; vector: ArrayLike<number> | undefined; duplicates: T[] }[] = [];
  for (const { item, vector } of ranked) {
    const original = vector && kept.find((result) => result.vector && dot(result.vector, vector) >= threshold);
    if (original) original.duplicates.push(item);
    else if (kept.length < limit) kept.push({ item, vector, duplicates: [] });
  }
  return kept.map(({ item, duplicates }) => ({ item, duplicates }));
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}
