import type { SearchRequestInput, SearchResponse } from '@sis/contracts';
import type { ImageService } from './image.service.js';
import type { SearchClient } from './search.client.js';

export interface SearchServiceOptions {
  /** The search service, which finds the neighbours. */
  client: SearchClient;
  /** Signs the thumbnails' URLs, which the search service cannot (it holds no storage credentials). */
  images: ImageService;
}

/** Searching from the gateway: the search service's answer, with a thumbnail URL on every result. */
export class SearchService {
  readonly #options: Readonly<SearchServiceOptions>;

  constructor(options: SearchServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Text or "more like this", with filters. */
  async search(request: SearchRequestInput, requestId: string): Promise<SearchResponse> {
    const response = await this.#options.client.search(request, requestId);
    const withThumbnail = async <T extends { image: { id: string } }>(result: T): Promise<T> => ({ ...result, image: { ...result.image, thumbnailUrl: await this.#options.images.thumbnailUrl(result.image.id) } });
    const results = await Promise.all(
      response.results.map(async (result) => ({ ...(await withThumbnail(result)), ...(result.duplicates ? { duplicates: await Promise.all(result.duplicates.map(withThumbnail)) } : {}) })),
    );
    return { ...response, results };
  }

  /** The images at least `threshold` similar to a stored one (cosine), that one left out: its near-duplicates. */
  duplicates(imageId: string, threshold: number, limit: number, requestId: string): Promise<SearchResponse> {
    return this.search({ imageId, limit, minScore: threshold }, requestId);
  }

  /** The images nearest to a stored one, which is left out. */
  similar(imageId: string, limit: number, requestId: string): Promise<SearchResponse> {
    return this.search({ imageId, limit }, requestId);
  }
}
