/** Reciprocal rank fusion's constant: the usual 60, which keeps one list's top result from drowning the other list. */
const RRF_K = 60;

/**
 * Reciprocal rank fusion: each image scores the sum of 1 / (RRF_K + its rank) over the rankings
 * it appears in, so agreeing rankings lift an image and no score scale has to match another's.
 */
export function fuseRankings<T extends { image: { id: string } }>(rankings: readonly (readonly T[])[]): (T & { score: number })[] {
  const fused = new Map<string, T & { score: number }>();
  for (const ranking of rankings) {
    ranking.forEach((item, rank) => {
      const entry = fused.get(item.image.id) ?? { ...item, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      fused.set(item.image.id, entry);
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score || a.image.id.localeCompare(b.image.id));
}
