import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { assertLimit, RECORD_COLUMNS, type ImageRecord } from './image-record.js';
import { filterConditions, type SearchFilterOptions } from './search-filters.js';

export interface MatchingOptions {
  words: string;
  limit: number;
  filters?: SearchFilterOptions;
  /** Where the previous page ended: only matches after it in (rank descending, id) order. */
  after?: { rank: number; id: string };
}

export interface WordMatch {
  image: ImageRecord;
  /** PostgreSQL's ts_rank_cd: higher is a better match; not comparable with a cosine score. */
  rank: number;
}

/**
 * Finding ready images by the words they carry (name, file name, metadata, camera, description:
 * `sis_image_words`, migration 0010), through its GIN index. Every word of the query must match;
 * punctuation splits words as it does in what is indexed.
 */
export class TextSearchRepository {
  readonly #db: Kysely<Database>;

  constructor(options: { db: Kysely<Database> }) {
    this.#db = options.db;
  }

  async matching(options: MatchingOptions): Promise<WordMatch[]> {
    const { rows } = await this.matchingQuery(options).execute(this.#db);
    return rows.map(({ rank, ...image }) => ({ image: image as ImageRecord, rank: Number(rank) }));
  }

  /** The word search itself. */
  matchingQuery(options: MatchingOptions): RawBuilder<ImageRecord & { rank: number }> {
    assertLimit(options.limit);
    const query = sql`plainto_tsquery('simple', regexp_replace(${options.words}, '[^[:alnum:]]+', ' ', 'g'))`;
    const words = sql`sis_image_words(i.name, i.metadata, i.exif)`;
    const rank = sql`ts_rank_cd(${words}, ${query})`;
    const conditions = [sql`i.status = 'ready'`, sql`${words} @@ ${query}`, ...filterConditions(options.filters ?? {})];
    // Ranks are reals: the previous page's is compared as one, so it equals itself exactly.
    const { after } = options;
    if (after) conditions.push(sql`(${rank} < ${after.rank}::real or (${rank} = ${after.rank}::real and i.id > ${after.id}::uuid))`);
    return sql<ImageRecord & { rank: number }>`
      select ${sql.join(RECORD_COLUMNS.map((column) => sql.ref(`i.${column}`)))}, ${rank} as rank
      from images i where ${sql.join(conditions, sql` and `)}
      order by rank desc, i.id limit ${options.limit}`;
  }
}
