import { ConflictError } from '@sis/contracts';
import { sql, type Insertable, type Kysely, type Updateable } from 'kysely';
import type { Database, ImagesTable, ImageStatus } from '../schema.js';
import { toVectorLiteral } from '../vector.js';
import { MODELS_LOCK, vectorTable } from '../vector-tables.js';
import { ModelRepository } from './model.repository.js';
import { assertLimit, RECORD_COLUMNS, type ImageRecord } from './image-record.js';

export type NewImage = Omit<Insertable<ImagesTable>, 'id' | 'status' | 'metadata' | 'exif'> & {
  /** Chosen by the caller when the object key must contain it. @defaultValue a new UUID */
  id?: string;
  status?: ImageStatus;
  metadata?: Record<string, unknown>;
};

export interface ImageListOptions {
  status?: ImageStatus;
  batchId?: string;
  /** Rows per page, 1 to 1000. */
  limit: number;
  /** Continue after this row (newest first): the last row of the previous page. */
  after?: { createdAt: Date; id: string };
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

/** One image for {@link ImageRepository.markReadyMany}: what the worker learned, and its vectors. */
export type ReadyImageWrite = ReadyImage & { id: string; vectors: readonly ModelVector[] };

/** {@link ReadyImage} as one row of the batch `markReadyMany` writes. */
interface ReadyFacts {
  id: string;
  model: string;
  sha256: string;
  width: number;
  height: number;
  actual_size: number;
  exif: string | null;
}

/** One model's vector of an image. */
export interface ModelVector {
  modelId: number;
  embedding: ArrayLike<number>;
}

export interface ImageRepositoryOptions {
  db: Kysely<Database>;
}

const insertable = (image: NewImage) => ({ ...image, metadata: JSON.stringify(image.metadata ?? {}) });

/**
 * Image records and their lifecycle: creation, lookups and listings, state transitions, and the
 * write of a finished image with its vector. The kNN queries are EmbeddingRepository's, the
 * counts ImageStatsRepository's.
 */
export class ImageRepository {
  readonly #db: Kysely<Database>;

  constructor(options: ImageRepositoryOptions) {
    this.#db = options.db;
  }

  /** @throws ConflictError `name_taken` when another image already has this name. */
  async create(image: NewImage): Promise<ImageRecord> {
    try {
      return await this.#db.insertInto('images').values(insertable(image)).returning(RECORD_COLUMNS).executeTakeFirstOrThrow();
    } catch (error) {
      // Names are unique by index, which settles two requests racing for one name.
      if ((error as { constraint?: string }).constraint === 'images_name_key') throw new ConflictError('name_taken', `an image named "${image.name}" exists already`, undefined, { cause: error });
      throw error;
    }
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

  /**
   * The image the original service's routes call `name`: its unique name, or else the file name
   * of an image that has none (a /v1 upload), the newest first, as their listing shows it.
   */
  async findByLegacyName(name: string): Promise<ImageRecord | undefined> {
    return (
      (await this.findByName(name)) ??
      this.#db
        .selectFrom('images')
        .select(RECORD_COLUMNS)
        .where('name', 'is', null)
        .where(sql<string>`metadata->>'filename'`, '=', name)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst()
    );
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
    changes: Updateable<Omit<ImagesTable, 'status' | 'exif' | 'metadata'>> = {},
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
   * Stores the vectors in their models' tables (one per model the worker holds) and what the
   * worker learned, and marks the image ready, in one transaction. Only an image still
   * `processing` is written, so a stale redelivery cannot write it twice; the write shares the
   * lock a model switch takes, so no image turns ready between a switch's coverage check and the
   * switch.
   */
  async markReady(id: string, result: ReadyImage & { vectors: readonly ModelVector[] }): Promise<ImageRecord | undefined> {
    const [image] = await this.markReadyMany([{ id, ...result }]);
    return image;
  }

  /**
   * {@link markReady} for many images in one transaction of a fixed number of statements
   * (the lock, one update, the model list, one insert per model), whatever their number: the
   * worker writes a whole model batch at once.
   * @returns for each image in order, its row, or undefined when it was not processing.
   */
  async markReadyMany(items: readonly ReadyImageWrite[]): Promise<(ImageRecord | undefined)[]> {
    if (items.length === 0) return [];
    const facts = JSON.stringify(items.map(({ id, model, sha256, width, height, actualSize, exif }) => ({ id, model, sha256, width, height, actual_size: actualSize, exif })));
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${MODELS_LOCK})`.execute(trx);
      const rows = await trx
        .updateTable('images')
        .from(
          sql<ReadyFacts>`(select * from jsonb_to_recordset(${facts}::jsonb)
            as f(id uuid, model text, sha256 text, width integer, height integer, actual_size bigint, exif jsonb))`.as('facts'),
        )
        .set((eb) => ({
          model: eb.ref('facts.model'),
          sha256: eb.ref('facts.sha256'),
          width: eb.ref('facts.width'),
          height: eb.ref('facts.height'),
          actual_size: eb.ref('facts.actual_size'),
          exif: eb.ref('facts.exif'),
          duplicate_of: null,
          status: 'ready',
          error: null,
          ready_at: sql`now()`,
          updated_at: sql`now()`,
        }))
        .whereRef('images.id', '=', 'facts.id')
        .where('images.status', '=', 'processing')
        .returning(RECORD_COLUMNS.map((column) => `images.${column}` as const))
        .execute();
      const written = new Map(rows.map((row) => [row.id, row]));
      // A model retired since the worker embedded with it has no table left to write to.
      const live = new Set((await new ModelRepository({ db: trx }).listLoaded()).map((model) => model.id));
      for (const modelId of live) {
        const vectors = items.flatMap(({ id, vectors }) => (written.has(id) ? vectors.filter((v) => v.modelId === modelId).map((v) => ({ id, literal: toVectorLiteral(v.embedding) })) : []));
        if (vectors.length === 0) continue;
        await sql`insert into ${vectorTable(modelId)} (image_id, embedding)
          select * from unnest(${vectors.map((v) => v.id)}::uuid[], ${vectors.map((v) => v.literal)}::vector[])
          on conflict (image_id) do update set embedding = excluded.embedding`.execute(trx);
      }
      return items.map(({ id }) => written.get(id));
    });
  }

  /**
   * Adds one model's vector to an image already ready (re-embedding a library with a new model).
   * Nothing is written for an image deleted or no longer ready, or for a model retired meanwhile.
   * @returns whether the vector was written.
   */
  async addVector(id: string, { modelId, embedding }: ModelVector): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${MODELS_LOCK})`.execute(trx);
      const live = await trx.selectFrom('models').select('id').where('id', '=', modelId).where('state', '<>', 'retired').where('dimension', 'is not', null).executeTakeFirst();
      if (!live) return false;
      const { numAffectedRows } = await sql`insert into ${vectorTable(modelId)} (image_id, embedding)
        select ${id}, ${toVectorLiteral(embedding)} where exists (select 1 from images where id = ${id} and status = 'ready')
        on conflict (image_id) do update set embedding = excluded.embedding`.execute(trx);
      return Number(numAffectedRows ?? 0) > 0;
    });
  }

  /** Whether the image has a vector from this model. */
  async hasVector(id: string, modelId: number): Promise<boolean> {
    const { rows } = await sql<{ found: boolean }>`select exists (select 1 from ${vectorTable(modelId)} where image_id = ${id}) as found`.execute(this.#db);
    return rows[0]!.found;
  }

  /** Marks an image ready with the vectors of an earlier image holding the same bytes, in every model that has them: no model call. */
  async markReadyAsDuplicate(id: string, result: Omit<ReadyImage, 'model'> & { duplicateOf: string }): Promise<ImageRecord | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${MODELS_LOCK})`.execute(trx);
      const source = trx.selectFrom('images as source').where('source.id', '=', result.duplicateOf);
      const image = await ready(trx, id, { ...result, model: '' }, { model: source.select('source.model'), duplicate_of: result.duplicateOf });
      if (image) {
        const models = await new ModelRepository({ db: trx }).listLoaded();
        for (const { id: modelId } of models) {
          await sql`insert into ${vectorTable(modelId)} (image_id, embedding)
            select ${id}, embedding from ${vectorTable(modelId)} where image_id = ${result.duplicateOf}
            on conflict (image_id) do nothing`.execute(trx);
        }
      }
      return image;
    });
  }

  /** Records a permanent failure and its reason, unless the image already finished. */
  async markFailed(id: string, reason: string, verifiedSha256: string | null = null): Promise<ImageRecord | undefined> {
    // Only a hash of bytes that were read stays with a failed image: a claimed one that was never
    // checked (or did not match) must not stand for the file it names.
    return this.transition(id, ['queued', 'processing'], 'failed', { error: reason.slice(0, 2000), sha256: verifiedSha256 });
  }

  /** A ready image with these bytes and a vector from each of `modelIds`, other than `excludeId`. */
  async findReadyBySha256(sha256: string, excludeId: string, modelIds: readonly number[]): Promise<{ id: string } | undefined> {
    let query = this.#db.selectFrom('images').select('id').where('sha256', '=', sha256).where('status', '=', 'ready').where('id', '!=', excludeId);
    for (const modelId of modelIds) query = query.where(sql<boolean>`exists (select 1 from ${vectorTable(modelId)} v where v.image_id = images.id)`);
    return query.orderBy('ready_at').limit(1).executeTakeFirst();
  }

  /** Deletes an image; with `onlyIf`, only while it is in one of those states. */
  async delete(id: string, onlyIf?: readonly ImageStatus[]): Promise<ImageRecord | undefined> {
    let query = this.#db.deleteFrom('images').where('id', '=', id);
    if (onlyIf) query = query.where('status', 'in', onlyIf);
    return query.returning(RECORD_COLUMNS).executeTakeFirst();
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

  /** Images of a batch still waiting for their upload. */
  async listPendingInBatch(batchId: string): Promise<ImageRecord[]> {
    return this.#db.selectFrom('images').select(RECORD_COLUMNS).where('batch_id', '=', batchId).where('status', '=', 'pending_upload').execute();
  }
}

/** Writes what the worker learned and marks the image ready, if it is still processing. */
async function ready(db: Kysely<Database>, id: string, result: ReadyImage, extra: Updateable<ImagesTable> | Record<string, unknown>): Promise<ImageRecord | undefined> {
  return db
    .updateTable('images')
    .set({
      model: result.model,
      sha256: result.sha256,
      width: result.width,
      height: result.height,
      actual_size: result.actualSize,
      exif: result.exif === null ? null : JSON.stringify(result.exif),
      ...extra,
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
