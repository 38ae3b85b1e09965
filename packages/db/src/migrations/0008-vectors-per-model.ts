import { sql, type Kysely } from 'kysely';
import { createVectorIndex, createVectorTable, vectorTable } from '../vector-tables.js';

/**
 * Moves the vectors out of `images.embedding` into the first model's own table. A library that
 * has vectors gets its model registered as the active one (its source: the model most of them
 * name), so search answers exactly as before; an empty one gets its first model when a service
 * first starts. Then the old column and its index go.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ model: string | null }>`
    select model from images where embedding is not null group by model order by count(*) desc limit 1`.execute(db);
  if (rows.length > 0) {
    const { rows: inserted } = await sql<{ id: number }>`
      insert into models (source, dimension, state, activated_at) values (${rows[0]!.model ?? 'unknown'}, 512, 'active', now()) returning id`.execute(db);
    const id = inserted[0]!.id;
    await createVectorTable(db, id, 512, false);
    await sql`insert into ${vectorTable(id)} (image_id, embedding) select id, embedding from images where embedding is not null`.execute(db);
    await createVectorIndex(db, id);
  }
  await sql`drop index images_embedding_hnsw_idx`.execute(db);
  await db.schema.alterTable('images').dropColumn('embedding').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table images add column embedding vector(512)`.execute(db);
  const { rows } = await sql<{ id: number }>`select id from models where state = 'active' and dimension = 512`.execute(db);
  if (rows[0]) await sql`update images i set embedding = v.embedding from ${vectorTable(rows[0].id)} v where v.image_id = i.id`.execute(db);
  await sql`create index images_embedding_hnsw_idx on images using hnsw (embedding vector_cosine_ops) with (m = 24, ef_construction = 160)`.execute(db);
}
