import { sql, type Expression, type Insertable, type Kysely, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Database, ImagesTable, ImageStatus } from '../schema.js';
import { toVectorLiteral } from '../vector.js';

/** An image row without its embedding (512 floats nobody listing images wants). */
export type ImageRecord = Omit<Selectable<ImagesTable>, 'embedding'>;
export type NewImage = Omit<Insertable<ImagesTable>, 'id' | 'status' | 'embedding' | 'metadata' | 'exif'> & {
  /** Chosen by the caller when the object key must contain it. @defaultValue a new UUID */
  id?: string;
  status?: ImageStatus;
  metadata?: Record<string, unknown>;
};

/** Largest page a listing or a kNN query returns. */
export const MAX_PAGE_SIZE = 1000;
/** ef_search used when the caller gives none: pgvector's default. */
export const DEFAULT_EF_SEARCH = 40;
/** Rows an iterative (filtered) HNSW scan may visit before giving up; pgvector's default. */
export const MAX_SCAN_TUPLES = 20_000;

export interface ImageListOptions {
  status?: ImageStatus;
  batchId?: string;
  /** Rows per page, 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** Continue after this row (newest first): the last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

/** Narrow a kNN query; every field that is set must hold. */
export interface SearchFilterOptions {
  createdAfter?: Date;
  createdBefore?: Date;
  contentType?: string;
  batchId?: string;
  /** EXIF fields that must equal these values. */
  exif?: Record<string, string | number | boolean>;
}

export interface NearestOptions {
  /** The query: a vector (unit length, as CLIP embeddings are), or the stored vector of an image. */
  query: { embedding: ArrayLike<number> } | { imageId: string };
  /** Neighbours to return, 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** HNSW candidate list size; larger finds more true neighbours, slower. @defaultValue max(limit, 40) */
  efSearch?: number;
  filters?: SearchFilterOptions;
}

export interface Neighbour {
  image: ImageRecord;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
}

/** What the worker learned about an image, written together with its vector. */
export interface ReadyImage {
  model: string;
  sha256: string;
  width: number;
  height: number;
  actualSize: number;
  exif: Record<string, unknown> | null;
}

const RECORD_COLUMNS = [
  'id', 'name', 'status', 'object_key', 'content_type', 'declared_size', 'actual_size', 'sha256', 'width', 'height',
  'exif', 'metadata', 'error', 'attempts', 'duplicate_of', 'model', 'batch_id', 'created_at', 'updated_at', 'ready_at',
] as const satisfies readonly (keyof ImageRecord)[];

const insertable = (image: NewImage) => ({ ...image, metadata: JSON.stringify(image.metadata ?? {}) });

/** Every query on `images`. */
export class ImageRepository {
  readonly #db: Kysely<Database>;
  readonly #sessionEfSearch: number | undefined;

  /** @param sessionEfSearch the hnsw.ef_search the pool's connections start with (DatabaseOptions.efSearch), if set. */
  constructor(db: Kysely<Database>, options: { sessionEfSearch?: number } = {}) {
    this.#db = db;
    this.#sessionEfSearch = options.sessionEfSearch;
  }

  async create(image: NewImage): Promise<ImageRecord> {
    return this.#db.insertInto('images').values(insertable(image)).returning(RECORD_COLUMNS).executeTakeFirstOrThrow();
  }

  /** Inserts many images in one statement; rows come back in the order given. */
  async createMany(images: readonly NewImage[]): Promise<ImageRecord[]> {
    if (images.length === 0) return [];
    const rows = await this.#db.insertInto('images').values(images.map(insertable)).returning(RECORD_COLUMNS).execute();
    const byKey = new Map(rows.map((row) => [row.object_key, row]));
    return images.map((image) => byKey.get(image.object_key)!);
  }

  async findById(id: string): Promise<ImageRecord | undefined> {
    return this.#db.selectFrom('images').select(RECORD_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async findByName(name: string): Promise<ImageRecord | undefined> {
    return this.#db.selectFrom('images').select(RECORD_COLUMNS).where('name', '=', name).executeTakeFirst();
  }

  /** Newest first, keyset-paginated on (created_at, id). */
  async list(options: ImageListOptions): Promise<ImageRecord[]> {
    assertLimit(options.limit);
    let query = this.#db.selectFrom('images').select(RECORD_COLUMNS);
    if (options.status) query = query.where('status', '=', options.status);
    if (options.batchId) query = query.where('batch_id', '=', options.batchId);
    if (options.after) {
      const { createdAt, id } = options.after;
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  }

  /** Newest named-or-not images in a status, by offset: the original service's listing. */
  async listByOffset(options: { status: ImageStatus; limit: number; offset: number }): Promise<ImageRecord[]> {
    assertLimit(options.limit);
    return this.#db
      .selectFrom('images')
      .select(RECORD_COLUMNS)
      .where('status', '=', options.status)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .offset(options.offset)
      .execute();
  }

  async findByIds(ids: readonly string[]): Promise<ImageRecord[]> {
    if (ids.length === 0) return [];
    return this.#db.selectFrom('images').select(RECORD_COLUMNS).where('id', 'in', ids).execute();
  }

  /**
   * Moves an image to `to` only if it is currently in one of `from`, so concurrent callers
   * cannot both win a transition.
   * @returns the updated row, or undefined when the image is missing or in another state.
   */
  async transition(
    id: string,
    from: readonly ImageStatus[],
    to: ImageStatus,
    changes: Updateable<Omit<ImagesTable, 'status' | 'embedding' | 'exif' | 'metadata'>> = {},
  ): Promise<ImageRecord | undefined> {
    return this.#db
      .updateTable('images')
      .set({ ...changes, status: to, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
  }

  /**
   * Claims a queued image for embedding and counts the attempt. `processing` is accepted too:
   * a job redelivered after its worker died finds its image still marked processing.
   */
  async startProcessing(id: string): Promise<ImageRecord | undefined> {
    return this.#db
      .updateTable('images')
      .set({ status: 'processing', attempts: sql`attempts + 1`, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'processing'])
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
  }

  /**
   * Stores the embedding and what the worker learned, and marks the image ready. Only an image
   * still `processing` is written, so a stale redelivery cannot write it twice.
   */
  async markReady(id: string, result: ReadyImage & { embedding: ArrayLike<number> }): Promise<ImageRecord | undefined> {
    return this.#ready(id, result, { embedding: toVectorLiteral(result.embedding), duplicate_of: null });
  }

  /** Marks an image ready with the vector of an earlier image holding the same bytes: no model call. */
  async markReadyAsDuplicate(id: string, result: Omit<ReadyImage, 'model'> & { duplicateOf: string }): Promise<ImageRecord | undefined> {
    const source = this.#db.selectFrom('images as source').where('source.id', '=', result.duplicateOf);
    return this.#ready(id, { ...result, model: '' }, {
      embedding: source.select('source.embedding'),
      model: source.select('source.model'),
      duplicate_of: result.duplicateOf,
    });
  }

  async #ready(id: string, result: ReadyImage, vector: Record<string, unknown>): Promise<ImageRecord | undefined> {
    return this.#db
      .updateTable('images')
      .set({
        model: result.model,
        sha256: result.sha256,
        width: result.width,
        height: result.height,
        actual_size: result.actualSize,
        exif: result.exif === null ? null : JSON.stringify(result.exif),
        ...vector,
        status: 'ready',
        error: null,
        ready_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
  }

  /** Records a permanent failure and its reason, unless the image already finished. */
  async markFailed(id: string, reason: string): Promise<ImageRecord | undefined> {
    return this.transition(id, ['queued', 'processing'], 'failed', { error: reason.slice(0, 2000) });
  }

  /** A ready image with these bytes and a vector, other than `excludeId`. */
  async findReadyBySha256(sha256: string, excludeId: string): Promise<{ id: string } | undefined> {
    return this.#db
      .selectFrom('images')
      .select('id')
      .where('sha256', '=', sha256)
      .where('status', '=', 'ready')
      .where('embedding', 'is not', null)
      .where('id', '!=', excludeId)
      .orderBy('ready_at')
      .limit(1)
      .executeTakeFirst();
  }

  /** Deletes an image; with `onlyIf`, only while it is in one of those states. */
  async delete(id: string, onlyIf?: readonly ImageStatus[]): Promise<ImageRecord | undefined> {
    let query = this.#db.deleteFrom('images').where('id', '=', id);
    if (onlyIf) query = query.where('status', 'in', onlyIf);
    return query.returning(RECORD_COLUMNS).executeTakeFirst();
  }

  async countByStatus(): Promise<Record<ImageStatus, number>> {
    const rows = await this.#db.selectFrom('images').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('status').execute();
    const counts: Record<ImageStatus, number> = { pending_upload: 0, queued: 0, processing: 0, ready: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /**
   * Images in `statuses` untouched since `before`, oldest first, keyset-paginated on
   * (updated_at, id): what the sweeper checks.
   */
  async listStale(options: { statuses: readonly ImageStatus[]; before: Date; limit: number; after?: { updatedAt: Date; id: string } }): Promise<ImageRecord[]> {
    assertLimit(options.limit);
    let query = this.#db.selectFrom('images').select(RECORD_COLUMNS).where('status', 'in', options.statuses).where('updated_at', '<', options.before);
    if (options.after) {
      const { updatedAt, id } = options.after;
      query = query.where((eb) => eb(eb.refTuple('updated_at', 'id'), '>', eb.tuple(updatedAt, id)));
    }
    return query.orderBy('updated_at').orderBy('id').limit(options.limit).execute();
  }

  /**
   * Images already known by content: for each hash, the image that holds it. A finished or
   * queued image wins over one still waiting for its upload, which wins over one that failed.
   */
  async findBySha256s(hashes: readonly string[]): Promise<Map<string, ImageRecord>> {
    const found = new Map<string, ImageRecord>();
    if (hashes.length === 0) return found;
    const rank = (status: ImageStatus) => (status === 'failed' ? 2 : status === 'pending_upload' ? 1 : 0);
    const rows = await this.#db.selectFrom('images').select(RECORD_COLUMNS).where('sha256', 'in', hashes).orderBy('created_at').execute();
    for (const row of rows) {
      const held = found.get(row.sha256!);
      if (!held || rank(row.status) < rank(held.status)) found.set(row.sha256!, row);
    }
    return found;
  }

  /** Images made ready and images failed, per minute, over the last `minutes`: ingest throughput. */
  async throughput(minutes: number): Promise<{ minute: Date; ready: number; failed: number }[]> {
    const { rows } = await sql<{ minute: Date; ready: string; failed: string }>`
      with minutes as (
        select generate_series(date_trunc('minute', now()) - make_interval(mins => ${minutes - 1}), date_trunc('minute', now()), interval '1 minute') as minute
      )
      select m.minute,
             (select count(*) from images where ready_at >= m.minute and ready_at < m.minute + interval '1 minute') as ready,
             (select count(*) from images where status = 'failed' and updated_at >= m.minute and updated_at < m.minute + interval '1 minute') as failed
      from minutes m order by m.minute`.execute(this.#db);
    return rows.map((r) => ({ minute: r.minute, ready: Number(r.ready), failed: Number(r.failed) }));
  }

  /** How many vectors are stored and how large the HNSW index is on disk. */
  async vectorIndexStats(): Promise<{ vectors: number; indexBytes: number }> {
    const { rows } = await sql<{ vectors: string; index_bytes: string }>`
      select (select count(*) from images where embedding is not null) as vectors,
             pg_relation_size('images_embedding_hnsw_idx') as index_bytes`.execute(this.#db);
    return { vectors: Number(rows[0]!.vectors), indexBytes: Number(rows[0]!.index_bytes) };
  }

  /** Images of a batch still waiting for their upload. */
  async listPendingInBatch(batchId: string): Promise<ImageRecord[]> {
    return this.#db.selectFrom('images').select(RECORD_COLUMNS).where('batch_id', '=', batchId).where('status', '=', 'pending_upload').execute();
  }

  /** The kNN query itself, exposed so tests can EXPLAIN exactly what production runs. */
  nearestQuery(options: Omit<NearestOptions, 'efSearch'>) {
    assertLimit(options.limit);
    const { query, filters = {} } = options;
    const target = 'embedding' in query
      ? sql`${toVectorLiteral(query.embedding)}::vector`
      : sql`(select embedding from images where id = ${query.imageId})`;
    const distance = sql<number>`embedding <=> ${target}`;
    const knn = this.#db
      .selectFrom('images')
      .select([...RECORD_COLUMNS, distance.as('distance')])
      .where('embedding', 'is not', null)
      .where((eb) => {
        const conditions: Expression<SqlBool>[] = [];
        // An image without a vector (missing, not ready) finds nothing, rather than everything at NULL distance.
        if ('imageId' in query) conditions.push(eb('id', '!=', query.imageId), sql<SqlBool>`${target} is not null`);
        if (filters.createdAfter) conditions.push(eb('created_at', '>=', filters.createdAfter));
        if (filters.createdBefore) conditions.push(eb('created_at', '<', filters.createdBefore));
        if (filters.contentType) conditions.push(eb('content_type', '=', filters.contentType));
        if (filters.batchId) conditions.push(eb('batch_id', '=', filters.batchId));
        if (filters.exif && Object.keys(filters.exif).length) conditions.push(sql<SqlBool>`exif @> ${JSON.stringify(filters.exif)}::jsonb`);
        return eb.and(conditions);
      })
      .orderBy(distance)
      .limit(options.limit);
    // The index can only produce rows ordered by distance alone, so the id tie-break that keeps
    // equal distances in a stable order is applied outside, to the few rows the index returned.
    return this.#db.selectFrom(knn.as('knn')).selectAll().orderBy('knn.distance').orderBy('knn.id');
  }

  /**
   * Nearest ready images by cosine distance, through the HNSW index. With filters, pgvector's
   * iterative scan keeps reading the index until `limit` rows pass them (or it has visited
   * {@link MAX_SCAN_TUPLES}), so a selective filter still fills the page.
   */
  async nearest(options: NearestOptions): Promise<Neighbour[]> {
    const efSearch = Math.min(Math.max(Math.trunc(options.efSearch ?? Math.max(options.limit, DEFAULT_EF_SEARCH)), 1), 1000);
    const filtered = Object.values(options.filters ?? {}).some((value) => value !== undefined);
    const toNeighbours = (rows: (ImageRecord & { distance: number })[]) => rows.map(({ distance, ...image }) => ({ image: image as ImageRecord, distance: Number(distance) }));
    // The common case runs as one statement on the session's settings; anything else needs a
    // transaction so SET LOCAL scopes its settings to it and pooled connections stay clean.
    if (!filtered && efSearch === this.#sessionEfSearch) return toNeighbours(await this.nearestQuery(options).execute());
    return this.#db.transaction().execute(async (trx) => {
      await sql`set local hnsw.ef_search = ${sql.lit(efSearch)}`.execute(trx);
      if (filtered) {
        await sql`set local hnsw.iterative_scan = relaxed_order`.execute(trx);
        await sql`set local hnsw.max_scan_tuples = ${sql.lit(MAX_SCAN_TUPLES)}`.execute(trx);
      }
      return toNeighbours(await new ImageRepository(trx).nearestQuery(options).execute());
    });
  }
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
}
