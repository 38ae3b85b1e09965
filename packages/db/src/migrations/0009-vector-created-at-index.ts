import { sql, type Kysely } from 'kysely';
import { createVectorIndex } from '../vector-tables.js';

/** Gives every live model's vectors the `created_at` index new tables now get: the model list counts its fill-in rate from it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ id: number }>`select id from models where state <> 'retired' and dimension is not null`.execute(db);
  for (const { id } of rows) await createVectorIndex(db, id);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ id: number }>`select id from models where state <> 'retired' and dimension is not null`.execute(db);
  for (const { id } of rows) await sql`drop index if exists ${sql.id(`image_vectors_${id}_created_at_idx`)}`.execute(db);
}
