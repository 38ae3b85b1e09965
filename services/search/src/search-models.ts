import { QueryEncoder, type ModelPool } from '@sis/clip';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '@sis/contracts';
import type { ModelRecord, ModelRepository } from '@sis/db';
import { inSpan } from '@sis/telemetry';
import { LRUCache } from 'lru-cache';

/** Photos whose vectors a replica remembers for their later pages. */
const PHOTOS_REMEMBERED = 1_000;

/** How long, in ms, a model found complete is trusted before it is checked again. */
const COMPLETE_TRUST_MS = 30_000;

/** The model a search runs on: its id (whose table holds the vectors), its source, and its query encoder. */
export interface SearchModel {
  id: number;
  source: string;
  dtype: string | null;
  encoder: QueryEncoder;
}

export interface SearchModelsOptions {
  models: ModelRepository;
  /** Loads text towers; every model a worker has loaded is held, so a switch finds its tower ready. */
  pool: ModelPool;
  /** Loads image towers, for searches with a photo: only on the first such search, and only the model last asked for. */
  photos: ModelPool;
  /** Queries each model's encoder remembers (SEARCH_CACHE_SIZE). */
  cacheSize: number;
  /** How long, in ms, the list of models (and a model found incomplete) is trusted before it is read again. @defaultValue 5,000 */
  trustMs?: number;
}

/**
 * Which model a search answers from: the active one, or any complete model asked for by id, so a
 * user can compare two models on their own photos. The list of models is read from Postgres (a
 * read, fine on a replica) and trusted for a few seconds, so a switch reaches every search
 * replica within that time; the text tower of every loaded model is kept ready, so the first
 * search after a switch does not wait for one to load.
 */
export class SearchModels {
  readonly #options: Readonly<SearchModelsOptions>;
  readonly #encoders = new Map<number, QueryEncoder>();
  readonly #completeAt = new Map<number, number>();
  /** Per model found incomplete: until when, and the answer, so a repeated request costs no count. */
  readonly #incomplete = new Map<number, { until: number; error: ConflictError }>();
  #records: { list: ModelRecord[]; at: number } | undefined;
  /** Photos' vectors by model and digest, for their later pages: 2 KB each at 512-d. */
  readonly #photoVectors = new LRUCache<string, Float32Array>({ max: PHOTOS_REMEMBERED });
  #photoQueue: Promise<unknown> = Promise.resolve();

  constructor(options: SearchModelsOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /**
   * @param requested a model id, or undefined for the active model.
   * @returns undefined before any model is active: no image has a vector yet, nothing to find.
   * @throws NotFoundError `model_not_found`; ConflictError `model_incomplete` for a model that has
   * not embedded every ready image; ServiceUnavailableError `model_unavailable` when its text tower cannot load.
   */
  async resolve(requested?: number): Promise<SearchModel | undefined> {
    const records = await this.#list();
    return this.#resolve(records, requested);
  }

  /**
   * Embeds a photo with `model`'s image tower. A replica that never gets a photo search never
   * holds one (ViT-B/32's is about 350 MB), and it holds only the tower last asked for. A photo's
   * later pages find its vector remembered (by model and the photo's digest): no second model
   * call, and exactly the same vector, so the pages agree with their cursor.
   * @throws ServiceUnavailableError `model_unavailable` when the tower cannot load; InvalidImageError for bytes that do not decode.
   */
  async embedPhoto(model: SearchModel, photo: Uint8Array, digest: string): Promise<Float32Array> {
    const key = `${model.id}:${digest}`;
    const remembered = this.#photoVectors.get(key);
    if (remembered) return remembered;
    // One photo at a time: the tower runs on every core anyway, and loading another model's
    // tower (which disposes this one) never happens under a photo being embedded.
    const run = this.#photoQueue.then(async () => {
      const { photos } = this.#options;
      if (!photos.get(model.id)) await photos.sync([{ id: model.id, source: model.source, dtype: model.dtype }]);
      const tower = photos.get(model.id);
      if (!tower) throw new ServiceUnavailableError('model_unavailable', `the image tower of model ${model.id} (${model.source}) could not be loaded; see the search service's log`);
      const [embedding] = await inSpan('encode photo', {}, () => tower.embedImages([photo]));
      return embedding!;
    });
    this.#photoQueue = run.catch(() => undefined);
    const embedding = await run;
    this.#photoVectors.set(key, embedding);
    return embedding;
  }

  /** Forgets the list of models: the next search reads it again (after a model's table was found gone). */
  forget(): void {
    this.#records = undefined;
  }

  async #resolve(records: readonly ModelRecord[], requested: number | undefined): Promise<SearchModel | undefined> {
    const record = requested === undefined ? records.find((model) => model.state === 'active') : records.find((model) => model.id === requested);
    if (!record) {
      if (requested === undefined) return undefined;
      throw new NotFoundError('model_not_found', `no model ${requested} has vectors to search; GET /v1/models lists them`);
    }
    if (record.state !== 'active') await this.#checkComplete(record.id);
    return { id: record.id, source: record.source, dtype: record.dtype, encoder: await this.#encoder(record) };
  }

  get #trustMs(): number {
    return this.#options.trustMs ?? 5_000;
  }

  async #list(): Promise<ModelRecord[]> {
    if (this.#records && Date.now() - this.#records.at < this.#trustMs) return this.#records.list;
    const list = await this.#options.models.listLoaded();
    // Only a list with an active model is remembered: the first model must show at once.
    this.#records = list.some((model) => model.state === 'active') ? { list, at: Date.now() } : undefined;
    // In the background: towers of models not held yet load while searches go on.
    void this.#sync(list).catch(() => undefined);
    return list;
  }

  async #sync(list: readonly ModelRecord[]): Promise<void> {
    await this.#options.pool.sync(list.map(({ id, source, dtype }) => ({ id, source, dtype })));
    for (const id of this.#encoders.keys()) if (!this.#options.pool.get(id)) this.#encoders.delete(id);
  }

  async #checkComplete(id: number): Promise<void> {
    if (Date.now() - (this.#completeAt.get(id) ?? -Infinity) < COMPLETE_TRUST_MS) return;
    const known = this.#incomplete.get(id);
    if (known && Date.now() < known.until) throw known.error;
    const { models } = this.#options;
    if ((await models.imagesWithoutVector(id, { limit: 1 })).length > 0) {
      const { embedded, ready } = await models.coverage(id);
      const error = new ConflictError('model_incomplete', `model ${id} has embedded ${embedded} of ${ready} ready images; search it once it is complete`, { embedded, ready });
      this.#incomplete.set(id, { until: Date.now() + this.#trustMs, error });
      throw error;
    }
    this.#incomplete.delete(id);
    this.#completeAt.set(id, Date.now());
  }

  async #encoder(record: ModelRecord): Promise<QueryEncoder> {
    let encoder = this.#encoders.get(record.id);
    if (encoder) return encoder;
    const { pool } = this.#options;
    if (!pool.get(record.id)) await this.#sync(this.#records?.list ?? [record]);
    const model = pool.get(record.id);
    if (!model) throw new ServiceUnavailableError('model_unavailable', `the text tower of model ${record.id} (${record.source}) could not be loaded; see the search service's log`);
    encoder = new QueryEncoder({ model, cacheSize: this.#options.cacheSize });
    this.#encoders.set(record.id, encoder);
    return encoder;
  }
}
