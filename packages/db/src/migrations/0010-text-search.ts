import { sql, type Kysely } from 'kysely';

/**
 * Words to find an image by, besides its pixels: its name, the file name it was uploaded with,
 * every text value of its metadata, and the EXIF fields people search for (camera make and
 * model, description). The `simple` configuration, without stemming or stop words: these are
 * names and identifiers in any language. Punctuation splits words, so "invoice-2024.png" is
 * found by "invoice". One immutable function, so the GIN index and the query use the same words.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await defineImageWords(db);
  await sql`create index images_words_idx on images using gin (sis_image_words(name, metadata, exif))`.execute(db);
}

/** This migration's `sis_image_words`, also what 0011 goes back to when undone. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function defineImageWords(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function sis_image_words(name text, metadata jsonb, exif jsonb) returns tsvector
    language sql immutable parallel safe as $$
      select to_tsvector('simple', regexp_replace(
          coalesce(name, '') || ' ' || coalesce(metadata->>'filename', '') || ' ' || coalesce(exif->>'Make', '') || ' ' ||
          coalesce(exif->>'Model', '') || ' ' || coalesce(exif->>'ImageDescription', ''),
          '[^[:alnum:]]+', ' ', 'g'))
        || jsonb_to_tsvector('simple', coalesce(metadata, '{}') - 'filename', '["string"]')
    $$`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index images_words_idx`.execute(db);
  await sql`drop function sis_image_words(text, jsonb, jsonb)`.execute(db);
}
