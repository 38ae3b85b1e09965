import { sql, type Kysely } from 'kysely';
import { defineImageWords } from './0010-text-search.js';

/**
 * Metadata values are split on punctuation too, as every other field is and as queries are:
 * `jsonb_to_tsvector` kept `acme.com` or `scan-01.tiff` whole, so neither `acme` nor the whole
 * value (which a query splits) could find them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function sis_image_words(name text, metadata jsonb, exif jsonb) returns tsvector
    language sql immutable parallel safe as $$
      select to_tsvector('simple', regexp_replace(
          coalesce(name, '') || ' ' || coalesce(metadata->>'filename', '') || ' ' || coalesce(exif->>'Make', '') || ' ' ||
          coalesce(exif->>'Model', '') || ' ' || coalesce(exif->>'ImageDescription', '') || ' ' ||
          jsonb_path_query_array(coalesce(metadata, '{}') - 'filename', 'strict $.** ? (@.type() == "string")')::text,
          '[^[:alnum:]]+', ' ', 'g'))
    $$`.execute(db);
  await sql`reindex index images_words_idx`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await defineImageWords(db);
  await sql`reindex index images_words_idx`.execute(db);
}
