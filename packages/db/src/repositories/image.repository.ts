import { sql, type Insertable, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Database, ImagesTable, ImageStatus } from '../schema.js';
import { toVectorLiteral } from '../vector.js';

/** An image row without its embedding (512 floats nobody listing images wants). */
export type ImageRecord = Omit<Selectable<ImagesTable>, 'embedding'>;
export type NewImage = Omit<Insertable<ImagesTable>, 'id' | 'status' | 'embedding'> & { status?: ImageStatus };

/** Largest page a listing or a kNN query returns. */
export const MAX_PAGE_SIZE = 1000;
/** ef_search used when the caller gives none: pgvector's default, good for limits up to ~40. */
export const DEFAULT_EF_SEARCH = 40;

export interface ImageListOptions {
  status?: ImageStatus;
  batchId?: string;
  /** Rows per page, 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** Continue after this row (newest first): the last row of the previous page. */
  after?: { createdAt: Date; id: string };
}

export interface NearestOptions {
  /** The query vector; unit length, as CLIP embeddings from packages/clip are. */
  embedding: ArrayLike<number>;
  /** Neighbours to return, 1 to {@link MAX_PAGE_SIZE}. */
  limit: number;
  /** HNSW candidate list size; larger finds more true neighbours, slower. @defaultValue max(limit, 40) */
  efSearch?: number;
  /** Leave this image out (for "more like this"). */
  excludeId?: string;
}

export interface Neighbour {
  id: string;
  /** Cosine distance, 0 (same direction) to 2 (opposite). */
  distance: number;
}

const RECORD_COLUMNS = [
  'id', 'name', 'status', 'object_key', 'content_type', 'declared_size', 'actual_size', 'sha256', 'width', 'height',
  'exif', 'metadata', 'error', 'attempts', 'duplicate_of', 'model', 'batch_id', 'created_at', 'updated_at', 'ready_at',
] as const satisfies readonly (keyof ImageRecord)[];

/** Every query on `images`. */
export class ImageRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(image: NewImage): Promise<ImageRecord> {
    return this.#db.insertInto('images').values(image).returning(RECORD_COLUMNS).executeTakeFirstOrThrow();
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

  /**
   * Moves an image to `to` only if it is currently in one of `from`, so concurrent callers
   * cannot both win a transition.
   * @returns the updated row, or undefined when the image is missing or in another state.
   */
  async transition(id: string, from: readonly ImageStatus[], to: ImageStatus, changes: Updateable<Omit<ImagesTable, 'status' | 'embedding'>> = {}): Promise<ImageRecord | undefined> {
    return this.#db
      .updateTable('images')
      .set({ ...changes, status: to, updated_at: sql`now()` })
      .where('id', '=', id)
      .where('status', 'in', from)
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
  }

  /** Stores the embedding and what the worker learned about the image, and marks it ready. */
  async markReady(
    id: string,
    result: Pick<ImagesTable, 'model' | 'sha256' | 'width' | 'height' | 'actual_size' | 'duplicate_of'> & {
      exif: Record<string, unknown> | null;
      embedding: ArrayLike<number>;
    },
  ): Promise<ImageRecord | undefined> {
    const { embedding, exif, ...rest } = result;
    return this.#db
      .updateTable('images')
      .set({
        ...rest,
        exif: exif === null ? null : JSON.stringify(exif),
        embedding: toVectorLiteral(embedding),
        status: 'ready',
        error: null,
        ready_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .returning(RECORD_COLUMNS)
      .executeTakeFirst();
  }

  async delete(id: string): Promise<ImageRecord | undefined> {
    return this.#db.deleteFrom('images').where('id', '=', id).returning(RECORD_COLUMNS).executeTakeFirst();
  }

  async countByStatus(): Promise<Record<ImageStatus, number>> {
    const rows = await this.#db.selectFrom('images').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('status').execute();
    const counts: Record<ImageStatus, number> = { pending_upload: 0, queued: 0, processing: 0, ready: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /** The kNN query itself, exposed so tests can EXPLAIN exactly what production runs. */
  nearestQuery(options: Omit<NearestOptions, 'efSearch'>) {
    assertLimit(options.limit);
    const distance = sql<number>`embedding <=> ${toVectorLiteral(options.embedding)}::vector`;
    let knn = this.#db.selectFrom('images').select(['id', distance.as('distance')]).where('embedding', 'is not', null);
    if (options.excludeId) knn = knn.where('id', '!=', options.excludeId);
    // The index can only produce rows ordered by distance alone, so the id tie-break that keeps
    // equal distances in a stable order is applied outside, to the few rows the index returned.
    return this.#db
      .selectFrom(knn.orderBy(distance).limit(options.limit).as('knn'))
      .select(['knn.id', 'knn.distance'])
      .orderBy('knn.distance')
      .orderBy('knn.id');
  }

  /** Nearest ready images by cosine distance, through the HNSW index. */
  async nearest(options: NearestOptions): Promise<Neighbour[]> {
    const efSearch = options.efSearch ?? Math.max(options.limit, DEFAULT_EF_SEARCH);
    return this.#db.transaction().execute(async (trx) => {
      // SET LOCAL scopes the setting to this transaction, so pooled connections stay clean.
      await sql`set local hnsw.ef_search = ${sql.lit(Math.min(Math.max(Math.trunc(efSearch), 1), 1000))}`.execute(trx);
      const rows = await new ImageRepository(trx).nearestQuery(options).execute();
      return rows.map((row) => ({ id: row.id, distance: Number(row.distance) }));
    });
  }
}

function assertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
  }
}
