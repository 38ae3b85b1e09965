import { sql, type Kysely } from 'kysely';
import type { Database, ImageStatus } from '../schema.js';

export interface ImageStatsRepositoryOptions {
  db: Kysely<Database>;
}

/** Counts over the images table, for the dashboard, the metrics and the sweeper. */
export class ImageStatsRepository {
  readonly #db: Kysely<Database>;

  constructor(options: ImageStatsRepositoryOptions) {
    this.#db = options.db;
  }

  async countByStatus(): Promise<Record<ImageStatus, number>> {
    const rows = await this.#db.selectFrom('images').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('status').execute();
    const counts: Record<ImageStatus, number> = { pending_upload: 0, queued: 0, processing: 0, ready: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /** Images made ready and images failed, per minute, over the last `minutes`: ingest throughput. */
  async throughput(minutes: number): Promise<{ minute: Date; ready: number; failed: number }[]> {
    const { rows } = await sql<{ minute: Date; ready: string; failed: string }>`
      with minutes as (
        select generate_series(date_trunc('minute', now()) - make_interval(mins => ${minutes - 1}), date_trunc('minute', now()), interval '1 minute') as minute
      )
      select m.minute,
             (select count(*) from images where ready_at >= m.minute and ready_at < m.minute + interval '1 minute') as ready,
             (select count(*) from images where status = 'failed' and updated_at >= m.minute and updated_at < m.minute + interval '1 minute') as failed
      from minutes m order by m.minute`.execute(this.#db);
    return rows.map((r) => ({ minute: r.minute, ready: Number(r.ready), failed: Number(r.failed) }));
  }

  /** How many vectors are stored and how large the HNSW index is on disk. */
  async vectorIndexStats(): Promise<{ vectors: number; indexBytes: number }> {
    const { rows } = await sql<{ vectors: string; index_bytes: string }>`
      select (select count(*) from images where embedding is not null) as vectors,
             pg_relation_size('images_embedding_hnsw_idx') as index_bytes`.execute(this.#db);
    return { vectors: Number(rows[0]!.vectors), indexBytes: Number(rows[0]!.index_bytes) };
  }
}
