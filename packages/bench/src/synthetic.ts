import { seededRandom } from '@sis/clip/fixtures';
import type { AcceptedContentType, SearchFilters } from '@sis/contracts';
import { SYNTHETIC_CREATED_BEFORE, type SyntheticImage } from '@sis/db/benchmark';

function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

/** The share of the synthetic library a filter keeps, by name. */
export const SELECTIVITIES = { '0.1%': 0.001, '1%': 0.01, '10%': 0.1, '50%': 0.5 } as const;
export type Selectivity = keyof typeof SELECTIVITIES;

/**
 * For each selectivity, the value that keeps that share: content types and EXIF makes are drawn
 * with these shares (the rest get `avif` and `Nikon`), and `created_at` is spread evenly over
 * {@link SYNTHETIC_DAYS} days before `SYNTHETIC_CREATED_BEFORE`, so the newest share of them keeps that share.
 */
export const SELECTIVE_VALUES: Readonly<Record<Selectivity, { contentType: AcceptedContentType; make: string }>> = {
  '0.1%': { contentType: 'image/gif', make: 'Leica' },
  '1%': { contentType: 'image/webp', make: 'Fujifilm' },
  '10%': { contentType: 'image/png', make: 'Sony' },
  '50%': { contentType: 'image/jpeg', make: 'Canon' },
};
export const SYNTHETIC_DAYS = 1000;

/** The value whose share of the library `u` (uniform in [0, 1)) falls in, else `rest`. */
function byShare(u: number, field: 'contentType' | 'make', rest: string): string {
  let below = 0;
  for (const [name, share] of Object.entries(SELECTIVITIES) as [Selectivity, number][]) {
    below += share;
    if (u < below) return SELECTIVE_VALUES[name][field];
  }
  return rest;
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
  /** A stream of its own for the images' attributes, so the vectors are those of earlier runs. */
  readonly #attributes: () => number;
  readonly #centres: Float32Array[];
  #spare: number | undefined;

  constructor(options: MixtureOptions) {
    this.#options = options;
    // Seeded, so benchmark data is the same on every run.
    this.#random = seededRandom(options.seed);
    this.#attributes = seededRandom(options.seed + 1);
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

  /**
   * `count` synthetic images whose content type, EXIF make and age each keep the shares of
   * {@link SELECTIVITIES}: one in ten is a PNG, as before, so a contentType filter keeps ~10 %.
   */
  *images(count: number): Generator<SyntheticImage> {
    for (let i = 0; i < count; i++) {
      const embedding = this.next();
      yield {
        embedding,
        contentType: byShare(this.#random(), 'contentType', 'image/avif'),
        make: byShare(this.#attributes(), 'make', 'Nikon'),
        ageSeconds: Math.floor(this.#attributes() * SYNTHETIC_DAYS * 86_400),
      };
    }
  }
}

/** The kinds of filter the bench measures at every selectivity. */
export const FILTER_KINDS = ['contentType', 'createdAt', 'exif'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

/** The filter of this kind that keeps `selectivity` of the synthetic library. */
export function selectiveFilter(kind: FilterKind, selectivity: Selectivity): SearchFilters {
  if (kind === 'contentType') return { contentType: SELECTIVE_VALUES[selectivity].contentType };
  if (kind === 'exif') return { exif: { Make: SELECTIVE_VALUES[selectivity].make } };
  const before = new Date(SYNTHETIC_CREATED_BEFORE);
  const after = new Date(before.getTime() - SELECTIVITIES[selectivity] * SYNTHETIC_DAYS * 86_400_000);
  return { createdAfter: after.toISOString(), createdBefore: before.toISOString() };
}
