import { sql, type Kysely } from 'kysely';
import type { Database, ImageStatus } from '../schema.js';
import { vectorTable, vectorTableName } from '../vector-tables.js';

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

  /**
   * Images made ready and images failed, per minute, over the last `minutes`: ingest throughput.
   * One range scan per series (ready_at's index; failed images are few), grouped by minute,
   * rather than two counts per minute: the dashboard asks every few seconds.
   */
  async throughput(minutes: number): Promise<{ minute: Date; ready: number; failed: number }[]> {
    const { rows } = await sql<{ minute: Date; ready: string; failed: string }>`
      with window_start as (select date_trunc('minute', now()) - make_interval(mins => ${minutes - 1}) as since),
      ready as (
        select date_trunc('minute', ready_at) as minute, count(*) as n from images, window_start
        where ready_at >= window_start.since group by 1
      ),
      failed as (
        select date_trunc('minute', updated_at) as minute, count(*) as n from images, window_start
        where status = 'failed' and updated_at >= window_start.since group by 1
      )
      select m.minute, coalesce(ready.n, 0) as ready, coalesce(failed.n, 0) as failed
      from window_start, generate_series(window_start.since, date_trunc('minute', now()), interval '1 minute') as m(minute)
      left join ready on ready.minute = m.minute
      left join failed on failed.minute = m.minute
      order by m.minute`.execute(this.#db);
    return rows.map((r) => ({ minute: r.minute, ready: Number(r.ready), failed: Number(r.failed) }));
  }

  /** How many vectors the active model has stored, and how large its HNSW index is on disk; zero before any model. */
  async vectorIndexStats(): Promise<{ vectors: number; indexBytes: number }> {
    const active = await this.#db.selectFrom('models').select('id').where('state', '=', 'active').where('dimension', 'is not', null).executeTakeFirst();
    if (!active) return { vectors: 0, indexBytes: 0 };
    const { rows } = await sql<{ vectors: string; index_bytes: string }>`
      select (select count(*) from ${vectorTable(active.id)}) as vectors,
             pg_relation_size(${`${vectorTableName(active.id)}_hnsw_idx`}::regclass) as index_bytes`.execute(this.#db);
    return { vectors: Number(rows[0]!.vectors), indexBytes: Number(rows[0]!.index_bytes) };
  }
}
