import { sql, type Kysely } from 'kysely';
import { IMAGE_STATUSES } from '../schema.js';

/** The one vector column's width, until 0008 gave each model a table of its own. */
const EMBEDDING_DIMENSION = 512;

/**
 * Images, API keys and ingest batches, with the HNSW index for cosine kNN.
 *
 * Batch counts are kept by a trigger on `images` so the dashboard reads one row per batch
 * instead of counting a batch's images on every poll. Timestamps keep milliseconds, the precision
 * of a JavaScript Date, so a (created_at, id) page cursor round-trips exactly.
 */
// Migrations must not depend on the evolving Database type, hence Kysely<any>.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists vector`.execute(db);
  await sql`create type image_status as enum (${sql.join(IMAGE_STATUSES.map((s) => sql.lit(s)))})`.execute(db);

  await db.schema
    .createTable('ingest_batches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('label', 'text')
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pending_upload', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('queued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('processing', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ready', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.unique())
    .addColumn('status', sql`image_status`, (c) => c.notNull().defaultTo('pending_upload'))
    .addColumn('object_key', 'text', (c) => c.notNull().unique())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('declared_size', 'bigint', (c) => c.notNull().check(sql`declared_size > 0`))
    .addColumn('actual_size', 'bigint')
    .addColumn('sha256', 'char(64)')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('exif', 'jsonb')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duplicate_of', 'uuid', (c) => c.references('images.id').onDelete('set null'))
    .addColumn('model', 'text')
    .addColumn('embedding', sql`vector(${sql.lit(EMBEDDING_DIMENSION)})`)
    .addColumn('batch_id', 'uuid', (c) => c.references('ingest_batches.id').onDelete('set null'))
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ready_at', sql`timestamptz(3)`)
    .execute();

  // Listings page newest first with an id tie-break; status listings feed the dashboard and the
  // sweeper that re-enqueues what Redis lost.
  await db.schema.createIndex('images_created_at_idx').on('images').columns(['created_at desc', 'id desc']).execute();
  await db.schema.createIndex('images_status_created_at_idx').on('images').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('images_batch_status_idx').on('images').columns(['batch_id', 'status']).where('batch_id', 'is not', null).execute();
  await db.schema.createIndex('images_sha256_idx').on('images').column('sha256').where('sha256', 'is not', null).execute();
  await sql`create index images_embedding_hnsw_idx on images using hnsw (embedding vector_cosine_ops)`.execute(db);

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'char(64)', (c) => c.notNull().unique())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', sql`timestamptz(3)`)
    .addColumn('revoked_at', sql`timestamptz(3)`)
    .execute();

  await sql`
    create function ingest_batches_count() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') and old.batch_id is not null then
        execute format('update ingest_batches set %I = %I - 1, total = total - 1, updated_at = now() where id = $1', old.status, old.status)
          using old.batch_id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and new.batch_id is not null then
        execute format('update ingest_batches set %I = %I + 1, total = total + 1, updated_at = now() where id = $1', new.status, new.status)
          using new.batch_id;
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger images_batch_counts
    after insert or delete or update of status, batch_id on images
    for each row execute function ingest_batches_count()`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('images').execute();
  await sql`drop function ingest_batches_count`.execute(db);
  await db.schema.dropTable('api_keys').execute();
  await db.schema.dropTable('ingest_batches').execute();
  await sql`drop type image_status`.execute(db);
}
