import { ConflictError, DEFAULT_DUPLICATE_THRESHOLD, fieldError, NotFoundError, toImageSummary, type SearchFilters, type SearchRequest, type SearchResponse } from '@sis/contracts';
import { isRetiredModelTable, type EmbeddingRepository, type ImageRecord, type ImageRepository, type Neighbour, type SearchFilterOptions, type TextSearchRepository } from '@sis/db';
import { combineEmbeddings } from '@sis/clip';
import { inSpan } from '@sis/telemetry';
import { foldDuplicates } from '../fold-duplicates.js';
import { fuseRankings } from '../fuse-rankings.js';
import type { SearchModel } from '../search-models.js';

/** With collapseDuplicates or in hybrid mode, how many times the page's size each ranking looks at, and at most how many. */
const LOOKAHEAD = 3;
const MAX_CANDIDATES = 600;
export interface SearchServiceOptions {
  /** Looks up an image whose neighbours came back empty, to say why. */
  images: ImageRepository;
  embeddings: EmbeddingRepository;
  /** Lowest hnsw.ef_search; a query uses at least twice its limit. */
  efSearch: number;
  /**
   * The model a search runs on (its table and its cached query encoder): the one asked for, else
   * the active one; undefined before any model is active (nothing to find).
   */
  models: { resolve(requested?: number): Promise<SearchModel | undefined>; forget(): void };
  /** Matches the words images carry, for text and hybrid search. */
  words: TextSearchRepository;
}

/**
 * Text, image and combined queries down one path: a query becomes a vector (text through the
 * CLIP text tower, with a cache; an image by its stored vector; a combined query as the weighted
 * sum of its terms'), then pgvector returns the nearest ready images.
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

  async search(request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    try {
      return await this.#search(request, started);
    } catch (error) {
      // The model was retired after this replica last read the list (it trusts it for a few
      // seconds): read it again and answer from the model active now.
      if (!isRetiredModelTable(error)) throw error;
      this.#options.models.forget();
      return this.#search(request, started);
    }
  }

  async #search(request: SearchRequest, started: number): Promise<SearchResponse> {
    const { images, embeddings } = this.#options;
    const mode = request.mode ?? 'semantic';
    // Word search needs no model, unless its results are to be folded by their vectors.
    const model = mode === 'text' && !request.collapseDuplicates ? undefined : await this.#options.models.resolve(request.model);
    // Folding duplicates, or fusing two rankings, needs more than a page from each.
    const wanted = request.collapseDuplicates || mode === 'hybrid' ? Math.min(request.limit * LOOKAHEAD, MAX_CANDIDATES) : request.limit;
    let neighbours: Neighbour[] = [];
    if (model && mode !== 'text') {
      const { query, exclude } = await this.#query(request, model);
      neighbours = await embeddings.nearest({ modelId: model.id, query, exclude, limit: wanted, efSearch: this.#efSearch(wanted), filters: toFilterOptions(request.filters) });
      if (request.minScore !== undefined) neighbours = neighbours.filter(({ distance }) => 1 - distance >= request.minScore!);
    }
    // Only an empty answer needs a second look: was the image missing, or not embedded yet?
    if (neighbours.length === 0 && request.imageId !== undefined) {
      const image = await images.findById(request.imageId);
      if (!image) throw new NotFoundError('image_not_found', `no image with id ${request.imageId}`);
      if (image.status !== 'ready') throw new ConflictError('image_not_ready', `image ${image.id} is ${image.status}; only ready images have a vector to compare`);
    }
    let ranked = neighbours.map(({ image, distance }) => ({ image, score: 1 - distance }));
    if (mode !== 'semantic') {
      const matches = await this.#options.words.matching({ words: request.q!, limit: wanted, filters: toFilterOptions(request.filters) });
      const byWords = matches.map(({ image, rank }) => ({ image, score: rank }));
      ranked = mode === 'text' ? byWords : fuseRankings([ranked, byWords]);
    }
    const result = ({ image, score }: { image: ImageRecord; score: number }) => ({ image: toImageSummary(image), score });
    let results: SearchResponse['results'] = ranked.slice(0, request.limit).map(result);
    if (model && request.collapseDuplicates) {
      const vectors = await embeddings.vectorsOf(model.id, ranked.map(({ image }) => image.id));
      results = foldDuplicates(ranked.map((item) => ({ item, vector: vectors.get(item.image.id) })), request.duplicateThreshold ?? DEFAULT_DUPLICATE_THRESHOLD, request.limit).map(({ item, duplicates }) => ({
        ...result(item),
        duplicates: duplicates.map(result),
      }));
    }
    return {
      results,
      model: model?.source ?? null,
      modelId: model?.id ?? null,
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  /** The vector to search with, and the images the query names (left out of its results). */
  async #query(request: SearchRequest, model: SearchModel): Promise<{ query: { embedding: ArrayLike<number> } | { imageId: string }; exclude?: string[] }> {
    if (request.imageId !== undefined) return { query: { imageId: request.imageId } };
    const encode = (text: string) => inSpan('encode query', {}, () => model.encoder.encode(text));
    if (request.q !== undefined) return { query: { embedding: await encode(request.q) } };
    const terms = request.query!;
    const imageIds = terms.flatMap((term) => ('imageId' in term ? [term.imageId] : []));
    const stored = await this.#options.embeddings.vectorsOf(model.id, imageIds);
    const embedded = await Promise.all(
      terms.map(async (term, i) => {
        if ('text' in term) return { embedding: await encode(term.text), weight: term.weight };
        const embedding = stored.get(term.imageId);
        if (!embedding) throw fieldError(`query.${i}.imageId`, `no ready image ${term.imageId} has a vector from model ${model.id}`);
        return { embedding, weight: term.weight };
      }),
    );
    const combined = combineEmbeddings(embedded);
    if (!combined) throw fieldError('query', 'the terms cancel each other out: nothing is left to search for');
    return { query: { embedding: combined }, exclude: imageIds };
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
