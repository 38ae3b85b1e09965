import { LRUCache } from 'lru-cache';

/** What query encoding needs of a CLIP model: its text tower. */
export interface TextEmbedder {
  readonly modelId: string;
  embedText(text: string): Promise<Float32Array>;
}

export interface QueryEncoderOptions {
  /** The model whose text tower encodes queries. */
  model: TextEmbedder;
  /** Queries to remember; 0 remembers none. @defaultValue 1000 */
  cacheSize?: number;
}

/** Queries a QueryEncoder remembers when not told otherwise. */
export const DEFAULT_QUERY_CACHE_SIZE = 1000;

/**
 * Query text → vector through a model's text tower, remembering the last `cacheSize` queries so
 * a repeated query costs no model call. Concurrent identical queries share one call; a failed
 * call is not remembered.
 */
export class QueryEncoder {
  readonly #model: TextEmbedder;
  readonly #cache: LRUCache<string, Promise<Float32Array>> | undefined;

  constructor(options: QueryEncoderOptions) {
    const cacheSize = options.cacheSize ?? DEFAULT_QUERY_CACHE_SIZE;
    this.#model = options.model;
    this.#cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
  }

  get modelId(): string {
    return this.#model.modelId;
  }

  encode(text: string): Promise<Float32Array> {
    // CLIP's tokenizer lowercases and folds whitespace, so these spellings are one query.
    const key = text.trim().replace(/\s+/g, ' ').toLowerCase();
    const cached = this.#cache?.get(key);
    if (cached) return cached;
    const encoded = this.#model.embedText(key);
    this.#cache?.set(key, encoded);
    encoded.catch(() => this.#cache?.delete(key));
    return encoded;
  }
}
