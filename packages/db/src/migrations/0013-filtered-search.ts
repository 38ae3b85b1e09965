import { sql, type Kysely } from 'kysely';
import { storeVectorsInline, vectorTable } from '../vector-tables.js';

/**
 * What filtered search needs to choose its way and to rank few matches fast: an index on content
 * type, the one search filter without one (a filtered search counts its matches through the
 * filters' indexes), and every model's vectors kept inline in its table's rows rather than in
 * TOAST. Rows already written stay where they are until their table is rewritten (`VACUUM FULL`),
 * which a migration must not impose on a large library.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index images_content_type_idx on images (content_type)`.execute(db);
  const { rows } = await sql<{ id: number }>`select id from models where dimension is not null and state <> 'retired'`.execute(db);
  for (const { id } of rows) await storeVectorsInline(db, id);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index images_content_type_idx`.execute(db);
  const { rows } = await sql<{ id: number }>`select id from models where dimension is not null and state <> 'retired'`.execute(db);
  for (const { id } of rows) await sql`alter table ${vectorTable(id)} alter column embedding set storage external`.execute(db);
}
