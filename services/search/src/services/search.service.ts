import { createHash } from 'node:crypto';
import { ConflictError, DEFAULT_DUPLICATE_THRESHOLD, fieldError, NotFoundError, toImageSummary, type PhotoSearch, type SearchRequest, type SearchResponse } from '@sis/contracts';
import { isRetiredModelTable, MAX_PAGE_SIZE, type EmbeddingRepository, type ImageRecord, type ImageRepository, type TextSearchRepository, toFilterOptions } from '@sis/db';
import { combineEmbeddings, relevance } from '@sis/clip';
import { InvalidImageError } from '@sis/image';
import { inSpan } from '@sis/telemetry';
import { foldDuplicates, type Folded } from '../fold-duplicates.js';
import { fuseRankings } from '../fuse-rankings.js';
import type { RelevanceBackgrounds } from '../relevance-backgrounds.js';
import { SearchCursors, type PagePosition } from '../search-cursor.js';
import type { SearchModel } from '../search-models.js';

/** A result as the rankings produce it: `key` orders it within its ranking (a distance, a word rank or a fused score) for the next page's cursor. */
interface Ranked {
  image: ImageRecord;
  score: number;
  key: number;
  /** Calibrated against the model's background; null for a word match, or without a background. */
  relevance: number | null;
}

/** A photo searched with: its bytes, its weight among the terms, and its digest (a cursor is tied to it). */
interface Photo {
  bytes: Uint8Array;
  weight: number;
  digest: string;
}

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
  models: { resolve(requested?: number): Promise<SearchModel | undefined>; forget(): void; embedPhoto(model: SearchModel, photo: Uint8Array, digest: string): Promise<Float32Array> };
  /** Matches the words images carry, for text and hybrid search. */
  words: TextSearchRepository;
  /** Signs and checks the cursors of later pages. */
  cursors: SearchCursors;
  /** Each model's background sample, which relevance is judged against. */
  backgrounds: RelevanceBackgrounds;
}

/**
 * Text, image, photo and combined queries down one path: a query becomes a vector (text through
 * the CLIP text tower, with a cache; a stored image by its vector; a photo through the image
 * tower; a combined query as the weighted sum of its terms'), then pgvector returns the nearest
 * ready images.
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

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.#searchOnce(request);
  }

  /**
   * Searches with a photo that is not stored: its embedding (the image tower of the model
   * searched) is one more term of the query, beside any words and stored images. Nothing is kept.
   * @throws ValidationError naming `image` for bytes that do not decode as an image within the pixel limit.
   */
  searchPhoto(photo: Uint8Array, options: PhotoSearch): Promise<SearchResponse> {
    const { q, query, imageWeight, ...rest } = options;
    const terms = q === undefined ? (query ?? []) : [{ text: q, weight: 1 }];
    const digest = createHash('sha256').update(photo).digest('base64url');
    return this.#searchOnce({ ...rest, query: terms }, { bytes: photo, weight: imageWeight, digest });
  }

  async #searchOnce(request: SearchRequest, photo?: Photo): Promise<SearchResponse> {
    const started = performance.now();
    try {
      return await this.#search(request, started, photo);
    } catch (error) {
      // The model was retired after this replica last read the list (it trusts it for a few
      // seconds): read it again and answer from the model active now.
      if (!isRetiredModelTable(error)) throw error;
      this.#options.models.forget();
      return this.#search(request, started, photo);
    }
  }

  async #search(request: SearchRequest, started: number, photo: Photo | undefined): Promise<SearchResponse> {
    const { images, embeddings, cursors } = this.#options;
    const mode = request.mode ?? 'semantic';
    const { limit, cursor, ...identity } = request;
    const search = SearchCursors.digest({ ...identity, mode, photo: photo && { digest: photo.digest, weight: photo.weight } });
    const after = cursor === undefined ? undefined : await cursors.read(cursor, search);
    // Word search needs no model, unless its results are to be folded by their vectors. Later
    // pages stay on the model the first one used, through a switch.
    const model = mode === 'text' && !request.collapseDuplicates ? undefined : await this.#model(request.model, after);
    // Folding duplicates, or fusing two rankings, needs more than a page from each.
    const wanted = request.collapseDuplicates || mode === 'hybrid' ? Math.min(limit * LOOKAHEAD, MAX_CANDIDATES) : limit;
    // Later hybrid pages rank both as deep as they go, so every such page fuses the same lists.
    const depth = mode === 'hybrid' && after ? MAX_PAGE_SIZE : wanted;
    let ranked: Ranked[] = [];
    // Whether a ranking came back as deep as asked: then it may go on past this page.
    let full = false;
    if (model && mode !== 'text') {
      const { query, exclude } = await this.#query(request, model, photo);
      const keyset = mode === 'semantic' && after ? { distance: after.key, served: after.tied, depth: after.served } : undefined;
      const [{ neighbours, queryVector }, samples] = await Promise.all([
        embeddings.nearestWithQueryVector({ modelId: model.id, query, exclude, after: keyset, limit: depth, efSearch: this.#efSearch(depth), filters: toFilterOptions(request.filters) }),
        // Without a sample (its draw failed), results go out without relevance rather than not at all.
        this.#options.backgrounds.get(model.id).catch(() => undefined),
      ]);
      const background = queryVector && samples?.scores(queryVector);
      full = neighbours.length === depth;
      ranked = neighbours.map(({ image, distance }) => ({ image, score: 1 - distance, key: distance, relevance: background ? relevance(1 - distance, background) : null }));
      if (request.minScore !== undefined) ranked = ranked.filter(({ score }) => score >= request.minScore!);
      if (request.minRelevance !== undefined && background) ranked = ranked.filter(({ relevance }) => relevance! >= request.minRelevance!);
    }
    // Only an empty answer needs a second look: was the image missing, or not embedded yet?
    if (ranked.length === 0 && request.imageId !== undefined && !after) {
      const image = await images.findById(request.imageId);
      if (!image) throw new NotFoundError('image_not_found', `no image with id ${request.imageId}`);
      if (image.status !== 'ready') throw new ConflictError('image_not_ready', `image ${image.id} is ${image.status}; only ready images have a vector to compare`);
    }
    if (mode !== 'semantic') {
      const keyset = mode === 'text' && after ? { rank: after.key, id: after.id } : undefined;
      const matches = await this.#options.words.matching({ words: request.q!, limit: depth, after: keyset, filters: toFilterOptions(request.filters) });
      full ||= matches.length === depth;
      const byWords = matches.map(({ image, rank }) => ({ image, score: rank, key: rank, relevance: null }));
      ranked = mode === 'text' ? byWords : laterHybridPage(ranked, byWords, after);
    }
    const page = model && request.collapseDuplicates ? await this.#fold(ranked, model.id, request) : { results: ranked.slice(0, limit).map((item) => ({ item, duplicates: [] })), last: ranked[limit - 1] };
    const result = ({ image, score, relevance }: Ranked) => ({ image: toImageSummary(image), score, relevance });
    const results = page.results.map(({ item, duplicates }) => ({ ...result(item), ...(request.collapseDuplicates ? { duplicates: duplicates.map(result) } : {}) }));
    const { last } = page;
    // Served counts every ranked item taken in, folded ones too: how deep hybrid ranks next time.
    const served = (after?.served ?? 0) + results.reduce((sum, { duplicates }) => sum + 1 + (duplicates?.length ?? 0), 0);
    // Another page when this one left something of the ranking behind (a short folded page can),
    // or the ranking may go on past what was fetched.
    const more = last && (last !== ranked.at(-1) || full);
    const nextCursor = more
      ? await cursors.write(search, {
          modelId: model?.id ?? null,
          served,
          key: last.key,
          id: last.image.id,
          tied: mode === 'semantic' ? tiedWith(last, ranked, after) : [],
          ...(mode === 'hybrid' ? { first: after?.first ?? { depth, served } } : {}),
        })
      : null;
    return {
      results,
      model: model?.source ?? null,
      modelId: model?.id ?? null,
      nextCursor,
      tookMs: Math.round((performance.now() - started) * 100) / 100,
    };
  }

  /** The model asked for, else the one the first page used, else the active one. */
  async #model(requested: number | undefined, after: PagePosition | undefined): Promise<SearchModel | undefined> {
    if (requested !== undefined || after?.modelId == null) return this.#options.models.resolve(requested);
    try {
      return await this.#options.models.resolve(after.modelId);
    } catch (error) {
      if (error instanceof NotFoundError) throw fieldError('cursor', `its pages came from model ${after.modelId}, which has been retired since; search again from the first page`);
      if (error instanceof ConflictError) throw fieldError('cursor', `its pages came from model ${after.modelId}, which no longer covers every image; search again from the first page`);
      throw error;
    }
  }

  /** The page's results, each with the near-duplicates that follow it folded in, and where the page ends. */
  async #fold(ranked: readonly Ranked[], modelId: number, request: SearchRequest): Promise<Folded<Ranked>> {
    const vectors = await this.#options.embeddings.vectorsOf(modelId, ranked.map(({ image }) => image.id));
    return foldDuplicates(ranked.map((item) => ({ item, vector: vectors.get(item.image.id) })), request.duplicateThreshold ?? DEFAULT_DUPLICATE_THRESHOLD, request.limit);
  }

  /** The vector to search with, and the images the query names (left out of its results). */
  async #query(request: SearchRequest, model: SearchModel, photo: Photo | undefined): Promise<{ query: { embedding: ArrayLike<number> } | { imageId: string }; exclude?: string[] }> {
    if (request.imageId !== undefined) return { query: { imageId: request.imageId } };
    const encode = (text: string) => inSpan('encode query', {}, () => model.encoder.encode(text));
    if (request.q !== undefined) return { query: { embedding: await encode(request.q) } };
    const terms = request.query!;
    const imageIds = terms.flatMap((term) => ('imageId' in term ? [term.imageId] : []));
    const [stored, photoTerm] = await Promise.all([this.#options.embeddings.vectorsOf(model.id, imageIds), photo && this.#embedPhoto(model, photo)]);
    const embedded = await Promise.all(
      terms.map(async (term, i) => {
        if ('text' in term) return { embedding: await encode(term.text), weight: term.weight };
        const embedding = stored.get(term.imageId);
        if (!embedding) throw fieldError(`query.${i}.imageId`, `no ready image ${term.imageId} has a vector from model ${model.id}`);
        return { embedding, weight: term.weight };
      }),
    );
    const combined = combineEmbeddings(photoTerm ? [...embedded, photoTerm] : embedded);
    if (!combined) throw fieldError('query', 'the terms cancel each other out: nothing is left to search for');
    return { query: { embedding: combined }, exclude: imageIds };
  }

  async #embedPhoto(model: SearchModel, photo: Photo): Promise<{ embedding: Float32Array; weight: number }> {
    try {
      return { embedding: await this.#options.models.embedPhoto(model, photo.bytes, photo.digest), weight: photo.weight };
    } catch (error) {
      if (error instanceof InvalidImageError) throw fieldError('image', error.message);
      throw error;
    }
  }
}

/**
 * A hybrid page's ranking: both rankings fused. The first page fuses them as deep as it needs;
 * later pages fuse them {@link MAX_PAGE_SIZE} deep, so all of them walk one list: they leave out
 * what the first page showed (fused again from the same prefixes of the deeper rankings) and
 * continue after the last fused score. Fused scores only grow as rankings deepen, so a later
 * page could not continue after the first page's last score without skipping images.
 */
function laterHybridPage(semantic: readonly Ranked[], words: readonly Ranked[], after: PagePosition | undefined): Ranked[] {
  const fused = fuseRankings([semantic, words]).map((item) => ({ ...item, key: item.score }));
  if (!after?.first) return fused;
  const { depth, served } = after.first;
  const shown = new Set(fuseRankings([semantic.slice(0, depth), words.slice(0, depth)]).slice(0, served).map(({ image }) => image.id));
  const rest = fused.filter(({ image }) => !shown.has(image.id));
  // A cursor from the first page has no place in the deeper list yet.
  if (after.served === served) return rest;
  return rest.filter(({ key, image }) => key < after.key || (key === after.key && image.id > after.id));
}

/** The images served so far at exactly the last one's distance: this page's up to it, and the previous pages' when they ended there too. */
function tiedWith(last: Ranked, ranked: readonly Ranked[], after: PagePosition | undefined): string[] {
  const upTo = ranked.slice(0, ranked.indexOf(last) + 1);
  const here = upTo.filter(({ key }) => key === last.key).map(({ image }) => image.id);
  return after?.key === last.key ? [...after.tied, ...here] : here;
}
