/**
 * Calibrated relevance: how surprising a result's score is for its query, judged against what
 * the same query scores on a background sample of the library. Raw cosine scores are not
 * comparable between queries (one query's good hit scores 0.91 where another's junk scores
 * 0.93), but a query's scores over unrelated images form a narrow bump, and a real match stands
 * far out of it. Relevance is that distance, as the number of decimal digits of improbability:
 * taking the background as normal with the sample's mean and spread, a score a typical image
 * reaches with probability 10^-k gets relevance k / {@link SURPRISE_DIGITS}, capped at 1.
 */

/** Digits of improbability that make relevance 1: one typical image in a million scores this high. */
export const SURPRISE_DIGITS = 6;
/** Least spread assumed, so a background of near-identical images does not make every difference infinite. */
const MIN_SPREAD = 0.01;

/** A query's scores over the background: their mean and standard deviation. */
export interface BackgroundScores {
  mean: number;
  spread: number;
}

/** A fixed sample of a library's vectors, one model's, against which queries are calibrated. */
export class RelevanceBackground {
  readonly #vectors: Float32Array;
  readonly size: number;
  readonly #dimension: number;

  /** @param vectors unit-length embeddings, all of one dimension. */
  constructor(vectors: readonly ArrayLike<number>[]) {
    this.size = vectors.length;
    this.#dimension = vectors[0]?.length ?? 0;
    this.#vectors = new Float32Array(this.size * this.#dimension);
    vectors.forEach((vector, i) => this.#vectors.set(vector, i * this.#dimension));
  }

  /** What `query` scores (cosine; unit vectors) over the background. */
  scores(query: ArrayLike<number>): BackgroundScores {
    if (query.length !== this.#dimension) throw new RangeError(`a ${query.length}-d query against a ${this.#dimension}-d background`);
    let sum = 0;
    let squares = 0;
    for (let row = 0; row < this.size; row++) {
      let dot = 0;
      const offset = row * this.#dimension;
      for (let i = 0; i < this.#dimension; i++) dot += this.#vectors[offset + i]! * query[i]!;
      sum += dot;
      squares += dot * dot;
    }
    const mean = sum / this.size;
    const variance = Math.max(0, squares / this.size - mean * mean);
    return { mean, spread: Math.max(Math.sqrt(variance), MIN_SPREAD) };
  }
}

/** A score's relevance in [0, 1] against its query's background scores. */
export function relevance(score: number, background: BackgroundScores): number {
  const z = (score - background.mean) / background.spread;
  // The upper tail of the standard normal, Q(z) = erfc(z / √2) / 2, in log10.
  const digits = -(logErfc(z / Math.SQRT2) - Math.LN2) / Math.LN10;
  return Math.min(1, Math.max(0, digits / SURPRISE_DIGITS));
}

/**
 * ln erfc(x), from the Chebyshev fit in Numerical Recipes (erfcc: relative error under 1.2e-7
 * everywhere), kept in log space so a score far out of the background does not underflow to 0.
 */
function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const ln = Math.log(t) - x * x + poly;
  return x >= 0 ? ln : Math.log(2 - Math.exp(ln));
}
