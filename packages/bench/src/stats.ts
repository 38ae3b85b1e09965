/** The value below which `p` percent of `values` fall (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Recall@k averaged over queries: the share of each query's true k nearest (from an exact scan)
 * that the approximate search also returned.
 */
export function recallAtK(exact: readonly (readonly string[])[], approximate: readonly (readonly string[])[], k: number): number {
  if (exact.length !== approximate.length) throw new Error('exact and approximate answers must cover the same queries');
  if (exact.length === 0) return NaN;
  let total = 0;
  exact.forEach((truth, i) => {
    const wanted = truth.slice(0, k);
    const found = new Set(approximate[i]!.slice(0, k));
    total += wanted.length === 0 ? 1 : wanted.filter((id) => found.has(id)).length / wanted.length;
  });
  return total / exact.length;
}

/** Milliseconds `work` took. */
export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

export const round = (value: number, places = 2) => Math.round(value * 10 ** places) / 10 ** places;
