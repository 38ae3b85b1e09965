import { ConflictError, NotFoundError, toImageSummary, type SearchFilters, type SearchRequest, type SearchResponse } from '@sis/contracts';
import type { QueryEncoder } from '@sis/clip';
import type { ImageRepository, SearchFilterOptions } from '@sis/db';

export interface SearchServiceOptions {
  images: ImageRepository;
  /** Query text → vector, cached. */
  encoder: QueryEncoder;
  /** Lowest hnsw.ef_search; a query uses at least twice its limit. */
  efSearch: number;
}

/**
 * Text and image queries down one path: a query becomes a vector (text through the CLIP text
 * tower, with a cache; an image by its stored vector), then pgvector returns the nearest ready
 * images.
 */
export class SearchService {
  readonly #options: Readonly<SearchServiceOptions>;

  constructor(options: SearchServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  get modelId(): string {
    return this.#options.encoder.modelId;
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const { images, efSearch } = this.#options;
    let query: { embedding: Float32Array } | { imageId: string };
    if (request.q !== undefined) {
      query = { embedding: await this.#options.encoder.encode(request.q) };
    } else {
      const image = await images.findById(request.imageId!);
      if (!image) throw new NotFoundError('image_not_found', `no image with id ${request.imageId}`);
      if (image.status !== 'ready') throw new ConflictError('image_not_ready', `image ${image.id} is ${image.status}; only ready images have a vector to compare`);
      query = { imageId: image.id };
    }
    const neighbours = await images.nearest({
      query,
      limit: request.limit,
      efSearch: Math.max(efSearch, 2 * request.limit),
      filters: toFilterOptions(request.filters),
    });
    return {
      results: neighbours.map(({ image, distance }) => ({ image: toImageSummary(image), score: 1 - distance })),
      model: this.modelId,
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

}

function toFilterOptions(filters: SearchFilters | undefined): SearchFilterOptions | undefined {
  if (!filters) return undefined;
  return {
    createdAfter: filters.createdAfter ? new Date(filters.createdAfter) : undefined,
    createdBefore: filters.createdBefore ? new Date(filters.createdBefore) : undefined,
    contentType: filters.contentType,
    batchId: filters.batchId,
    exif: filters.exif,
  };
}
