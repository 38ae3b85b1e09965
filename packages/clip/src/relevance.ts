/**
 * Calibrated relevance: how surprising a result's score is for its query, judged against what
 * the same query scores on a background sample of the library. Raw cosine scores are not
 * comparable between queries (one query's good hit scores 0.91 where another's junk scores
 * 0.93), but a query's scores over unrelated images form a narrow bump, and a real match stands
 * far out of it. Relevance is that distance, as the number of decimal digits of improbability:
 * taking the background as normal with the sample's mean and spread, a score a typical image
 * reaches with probability 10^-k gets relevance k / {@link SURPRISE_DIGITS}, capped at 1.
 */

import { setImmediate } from 'node:timers/promises';

/** Digits of improbability that make relevance 1: one typical image in a million scores this high. */
export const SURPRISE_DIGITS = 6;
/** Least spread assumed, so a background of near-identical images does not make every difference infinite. */
const MIN_SPREAD = 0.01;

/** A query's scores over the background: their mean and standard deviation. */
export interface BackgroundScores {
  mean: number;
  spread: number;
}

/** Sample rows summed between two yields to the event loop: about 3 ms of work at 512-d. */
const ROWS_PER_SLICE = 10;

/**
 * A fixed sample of a library's vectors, one model's, against which queries are calibrated. It
 * keeps the sample's mean vector and second moments, not the vectors: a query's mean score is
 * q·μ and its mean square qᵀMq, so scoring reads d(d+1)/2 numbers whatever the sample's size,
 * where dotting the query with every vector read n·d (at 1,000 × 512, 0.18 ms a search
 * instead of 0.5, and a quarter of the memory to stream through).
 */
export class RelevanceBackground {
  readonly size: number;
  readonly #dimension: number;
  readonly #mean: Float64Array;
  /** E[v_i v_j] for i ≤ j, row after row: the upper triangle of the symmetric matrix, packed. */
  readonly #moments: Float32Array;

  private constructor(size: number, mean: Float64Array, moments: Float32Array) {
    this.size = size;
    this.#dimension = mean.length;
    this.#mean = mean;
    this.#moments = moments;
  }

  /**
   * Sums the moments of `vectors` (unit-length embeddings, all of one dimension) a slice of rows
   * at a time, yielding in between: at 1,000 × 512 the whole takes 0.3 s, which would otherwise
   * hold up every search on the replica when a sample is drawn again.
   */
  static async from(vectors: readonly ArrayLike<number>[]): Promise<RelevanceBackground> {
    const dimension = vectors[0]?.length ?? 0;
    const mean = new Float64Array(dimension);
    const moments = new Float64Array((dimension * (dimension + 1)) / 2);
    for (let row = 0; row < vectors.length; row++) {
      if (row > 0 && row % ROWS_PER_SLICE === 0) await setImmediate();
      const vector = vectors[row]!;
      let k = 0;
      for (let i = 0; i < dimension; i++) {
        const vi = vector[i]!;
        mean[i]! += vi;
        for (let j = i; j < dimension; j++) moments[k++]! += vi * vector[j]!;
      }
    }
    const n = Math.max(vectors.length, 1);
    return new RelevanceBackground(vectors.length, mean.map((sum) => sum / n), Float32Array.from(moments, (sum) => sum / n));
  }

  /** What `query` scores (cosine; unit vectors) over the background. */
  scores(query: ArrayLike<number>): BackgroundScores {
    if (query.length !== this.#dimension) throw new RangeError(`a ${query.length}-d query against a ${this.#dimension}-d background`);
    const moments = this.#moments;
    let mean = 0;
    let square = 0;
    let k = 0;
    for (let i = 0; i < this.#dimension; i++) {
      const qi = query[i]!;
      mean += this.#mean[i]! * qi;
      const diagonal = moments[k++]!;
      let across = 0;
      for (let j = i + 1; j < this.#dimension; j++) across += moments[k++]! * query[j]!;
      square += qi * (diagonal * qi + 2 * across);
    }
    const variance = Math.max(0, square - mean * mean);
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
