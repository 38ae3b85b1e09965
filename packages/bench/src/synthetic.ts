import { seededRandom } from '@sis/clip/fixtures';
import type { SyntheticImage } from '@sis/db/benchmark';

function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

export interface MixtureOptions {
  dimension: number;
  /** Gaussian centres the points cluster around. */
  centres: number;
  /** Standard deviation of each coordinate around its centre. */
  spread: number;
  seed: number;
}

/**
 * Unit vectors drawn from a mixture of Gaussians around random unit centres: clustered the way
 * real embeddings are, so HNSW recall is tested on structure rather than on uniform noise.
 */
export class GaussianMixture {
  readonly #options: MixtureOptions;
  readonly #random: () => number;
  readonly #centres: Float32Array[];
  #spare: number | undefined;

  constructor(options: MixtureOptions) {
    this.#options = options;
    // Seeded, so benchmark data is the same on every run.
    this.#random = seededRandom(options.seed);
    this.#centres = Array.from({ length: options.centres }, () => normalise(Float32Array.from({ length: options.dimension }, () => this.#gaussian())));
  }

  /** A standard normal sample (Box–Muller, two per pair of uniforms). */
  #gaussian(): number {
    if (this.#spare !== undefined) {
      const value = this.#spare;
      this.#spare = undefined;
      return value;
    }
    const u = 1 - this.#random();
    const v = this.#random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  next(): Float32Array {
    const centre = this.#centres[Math.floor(this.#random() * this.#centres.length)]!;
    const point = new Float32Array(this.#options.dimension);
    for (let i = 0; i < point.length; i++) point[i] = centre[i]! + this.#gaussian() * this.#options.spread;
    return normalise(point);
  }

  /** `count` synthetic images; one in ten is a PNG so a contentType filter keeps ~10 %. */
  *images(count: number): Generator<SyntheticImage> {
    for (let i = 0; i < count; i++) yield { embedding: this.next(), contentType: this.#random() < 0.1 ? 'image/png' : 'image/jpeg' };
  }
}
