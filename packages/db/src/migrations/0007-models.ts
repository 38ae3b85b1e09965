import { sql, type Kysely } from 'kysely';

/**
 * Models side by side: one row per embedding model sis has been asked to run. Each model's
 * vectors live in a table of their own, `image_vectors_<id>`, created when a service has loaded
 * the model and knows its dimension (pgvector fixes one dimension per column). At most one model
 * is active, the one search answers from; switching is a change of that one row.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('models')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('dtype', 'text')
    .addColumn('dimension', 'integer')
    .addColumn('preprocessing_hash', 'char(64)')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('building').check(sql`state in ('building', 'active', 'standby', 'retired')`))
    .addColumn('activate_when_complete', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('error', 'text')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('activated_at', sql`timestamptz(3)`)
    .addColumn('retired_at', sql`timestamptz(3)`)
    .execute();
  await sql`create unique index models_one_active on models ((true)) where state = 'active'`.execute(db);
  // One live row per model and variant, so that two services registering it at once agree.
  await sql`create unique index models_live_source on models (source, coalesce(dtype, '')) where state <> 'retired'`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ id: number }>`select id from models where dimension is not null`.execute(db);
  for (const { id } of rows) await sql`drop table if exists ${sql.table(`image_vectors_${id}`)}`.execute(db);
  await db.schema.dropTable('models').execute();
}
