import { ConflictError, NotFoundError, toImageSummary, type SearchFilters, type SearchRequest, type SearchResponse } from '@sis/contracts';
import type { QueryEncoder } from '@sis/clip';
import type { EmbeddingRepository, ImageRepository, SearchFilterOptions } from '@sis/db';
import { inSpan } from '@sis/telemetry';

export interface SearchServiceOptions {
  /** Looks up an image whose neighbours came back empty, to say why. */
  images: ImageRepository;
  embeddings: EmbeddingRepository;
  /** Query text → vector, cached. */
  encoder: QueryEncoder;
  /** Lowest hnsw.ef_search; a query uses at least twice its limit. */
  efSearch: number;
  /** The active model's id, whose table holds the vectors to search (undefined before any model is registered: nothing to find). */
  vectorModel: () => Promise<number | undefined>;
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

  /** The HNSW candidate list for a query: the configured floor, or twice the limit. */
  #efSearch(limit: number): number {
    return Math.max(this.#options.efSearch, 2 * limit);
  }

  get modelId(): string {
    return this.#options.encoder.modelId;
  }

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const { images, embeddings } = this.#options;
    const text = request.q;
    const query: { embedding: Float32Array } | { imageId: string } =
      text !== undefined ? { embedding: await inSpan('encode query', {}, () => this.#options.encoder.encode(text)) } : { imageId: request.imageId! };
    const modelId = await this.#options.vectorModel();
    const neighbours = modelId === undefined ? [] : await embeddings.nearest({
      modelId,
      query,
      limit: request.limit,
      efSearch: this.#efSearch(request.limit),
      filters: toFilterOptions(request.filters),
    });
    // Only an empty answer needs a second look: was the image missing, or not embedded yet?
    if (neighbours.length === 0 && 'imageId' in query) {
      const image = await images.findById(query.imageId);
      if (!image) throw new NotFoundError('image_not_found', `no image with id ${query.imageId}`);
      if (image.status !== 'ready') throw new ConflictError('image_not_ready', `image ${image.id} is ${image.status}; only ready images have a vector to compare`);
    }
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
