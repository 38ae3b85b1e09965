import { sql, type Kysely } from 'kysely';

/** The dashboard counts images made ready per minute; this keeps that a range scan. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index images_ready_at_idx on images (ready_at) where ready_at is not null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('images_ready_at_idx').execute();
}
