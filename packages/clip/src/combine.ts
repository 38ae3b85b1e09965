/**
 * A combined query's vector: the weighted sum of its terms' embeddings, each scaled to unit
 * length first (so a term's weight alone says how much it counts), scaled to unit length again
 * (as every stored vector is, so cosine distance still ranks). rclip and clip-retrieval combine
 * queries this way.
 * @returns undefined when the terms cancel out (nothing is left to search for).
 */
export function combineEmbeddings(terms: readonly { embedding: ArrayLike<number>; weight: number }[]): Float32Array | undefined {
  const dimension = terms[0]?.embedding.length ?? 0;
  const sum = new Float64Array(dimension);
  for (const { embedding, weight } of terms) {
    if (embedding.length !== dimension) throw new RangeError(`embeddings of ${embedding.length} and ${dimension} dimensions cannot be combined`);
    const norm = Math.hypot(...Array.from(embedding));
    if (norm === 0) continue;
    for (let i = 0; i < dimension; i++) sum[i]! += (weight * embedding[i]!) / norm;
  }
  const length = Math.hypot(...sum);
  // Below this the direction is noise: opposite terms of equal weight.
  if (!(length > 1e-6)) return undefined;
  return Float32Array.from(sum, (value) => value / length);
}
