import { sql, type Kysely } from 'kysely';

/**
 * The original service's routes find an image by the name their listing shows, which for an
 * image uploaded through /v1 is its file name; this keeps that lookup an index scan.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index images_filename_idx on images ((metadata->>'filename'), created_at desc) where name is null`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('images_filename_idx').execute();
}
