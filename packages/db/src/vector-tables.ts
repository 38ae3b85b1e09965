import { sql, type Kysely } from 'kysely';

/** The transaction-scoped advisory lock a model switch takes alone and every vector write shares. */
export const MODELS_LOCK = sql`hashtext('sis.models')`;

/** pgvector's HNSW index takes vectors of up to 2,000 dimensions. */
export const MAX_INDEXED_DIMENSION = 2000;

/**
 * Whether a query failed because a model's vector table is gone (SQLSTATE 42P01): the model was
 * retired after the caller last looked, and the caller should look again.
 */
export function isRetiredModelTable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  return e?.code === '42P01' && typeof e.message === 'string' && /"image_vectors_\d+"/.test(e.message);
}

/** The name of one model's vector table. Built from the model's integer id, never from input. */
export function vectorTableName(modelId: number): `image_vectors_${number}` {
  if (!Number.isSafeInteger(modelId) || modelId < 1) throw new Error(`not a model id: ${modelId}`);
  return `image_vectors_${modelId}`;
}

/** The table of one model's vectors, safe to splice into SQL. */
export function vectorTable(modelId: number) {
  return sql.table(vectorTableName(modelId));
}

/**
 * Creates a model's vector table and its HNSW index if they do not exist. Deleting an image
 * deletes its vector in every model.
 * @param index false to leave the index for {@link createVectorIndex}, after a bulk load: one
 * build is far cheaper than inserting row by row into the graph.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createVectorTable(db: Kysely<any>, modelId: number, dimension: number, index = true): Promise<void> {
  if (!Number.isSafeInteger(dimension) || dimension < 1 || dimension > MAX_INDEXED_DIMENSION) {
    throw new RangeError(`a model's vectors must have 1 to ${MAX_INDEXED_DIMENSION} dimensions, not ${dimension}`);
  }
  await sql`create table if not exists ${vectorTable(modelId)} (
      image_id uuid primary key references images (id) on delete cascade,
      embedding vector(${sql.lit(dimension)}) not null,
      created_at timestamptz(3) not null default now())`.execute(db);
  await storeVectorsInline(db, modelId);
  if (index) await createVectorIndex(db, modelId);
}

/**
 * Keeps a model's vectors in its table's own rows. A vector over about 500 dimensions is past
 * PostgreSQL's 2 kB threshold and would go to the TOAST table, where reading each one back costs
 * an index lookup and two more page reads: an exact ranking of 10,000 filtered rows took 82 ms
 * that way at 100k, 36 ms inline. The widest indexed vector (2,000 dimensions, 8 kB) still fits
 * a page. Only rows written after this are inline; `VACUUM FULL` rewrites the older ones.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function storeVectorsInline(db: Kysely<any>, modelId: number): Promise<void> {
  // ALTER TABLE takes the strictest lock, behind every running search: only when it changes something.
  const { rows } = await sql<{ storage: string }>`select attstorage as storage from pg_attribute where attrelid = ${vectorTableName(modelId)}::regclass and attname = 'embedding'`.execute(db);
  if (rows[0]?.storage === 'p') return;
  await sql`alter table ${vectorTable(modelId)} alter column embedding set storage plain`.execute(db);
}

/**
 * The indexes of a model's vectors: HNSW cosine (m 24 and ef_construction 160, as 0004 chose for
 * the first model), and one on `created_at`, which the rate a model fills in at is counted from.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function createVectorIndex(db: Kysely<any>, modelId: number): Promise<void> {
  await sql`create index if not exists ${sql.id(`${vectorTableName(modelId)}_hnsw_idx`)} on ${vectorTable(modelId)} using hnsw (embedding vector_cosine_ops) with (m = 24, ef_construction = 160)`.execute(db);
  await sql`create index if not exists ${sql.id(`${vectorTableName(modelId)}_created_at_idx`)} on ${vectorTable(modelId)} (created_at)`.execute(db);
}
