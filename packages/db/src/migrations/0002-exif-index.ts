import { sql, type Kysely } from 'kysely';

/** Search filters match EXIF fields by containment (`exif @> '{"Make": "…"}'`), which this index serves. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index images_exif_idx on images using gin (exif jsonb_path_ops)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('images_exif_idx').execute();
}
