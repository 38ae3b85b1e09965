import type { Config } from '@sis/config';
import { fieldError, PhotoSearchSchema, validationError, type SearchRequestInput, type SearchResponse } from '@sis/contracts';
import type { ReceivedFile } from '@sis/http';
import type { ImageService } from './image.service.js';
import type { SearchClient } from './search.client.js';
import { directUploadType } from './upload-rules.js';

export interface SearchServiceOptions {
  /** The search service, which finds the neighbours. */
  client: SearchClient;
  /** Signs the thumbnails' URLs, which the search service cannot (it holds no storage credentials). */
  images: ImageService;
  /** A photo searched with is held to the upload limits (size, type, pixels). */
  limits: Config['limits'];
}

/** Searching from the gateway: the search service's answer, with a thumbnail URL on every result. */
export class SearchService {
  readonly #options: Readonly<SearchServiceOptions>;

  constructor(options: SearchServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Text or "more like this", with filters. */
  async search(request: SearchRequestInput, requestId: string): Promise<SearchResponse> {
    return this.#withThumbnails(await this.#options.client.search(request, requestId));
  }

  /**
   * A multipart search: the `image` file (checked as an upload is: type by its bytes, size,
   * pixels) and, optionally, the rest of the search as JSON in `search`. Nothing is stored.
   * @throws UnsupportedMediaTypeError (415) for a file that is no image sis reads; ValidationError naming the field.
   */
  async searchPhoto(fields: { search?: unknown } | undefined, file: ReceivedFile | undefined, requestId: string): Promise<SearchResponse> {
    if (!file || file.bytes.length === 0) throw fieldError('image', 'is required');
    let search: unknown = {};
    if (fields?.search !== undefined) {
      try {
        search = JSON.parse(String(fields.search));
      } catch {
        throw fieldError('search', 'must be a JSON object');
      }
    }
    const parsed = PhotoSearchSchema.safeParse(search);
    if (!parsed.success) throw validationError(parsed.error, search, 'search');
    await directUploadType(file.bytes, this.#options.limits, 'image');
    return this.#withThumbnails(await this.#options.client.searchPhoto(file.bytes, parsed.data, requestId));
  }

  async #withThumbnails(response: SearchResponse): Promise<SearchResponse> {
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
