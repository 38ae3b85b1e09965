import type { Kysely, Selectable } from 'kysely';
import type { Database, IngestBatchesTable } from '../schema.js';

export type IngestBatchRecord = Selectable<IngestBatchesTable>;

export interface IngestBatchRepositoryOptions {
  db: Kysely<Database>;
}

/** Every query on `ingest_batches`. Counts are maintained by a trigger on `images`. */
export class IngestBatchRepository {
  readonly #db: Kysely<Database>;

  constructor(options: IngestBatchRepositoryOptions) {
    this.#db = options.db;
  }

  async create(label: string | null = null): Promise<IngestBatchRecord> {
    return this.#db.insertInto('ingest_batches').values({ label }).returningAll().executeTakeFirstOrThrow();
  }

  async findById(id: string): Promise<IngestBatchRecord | undefined> {
    return this.#db.selectFrom('ingest_batches').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listRecent(limit: number): Promise<IngestBatchRecord[]> {
    return this.#db.selectFrom('ingest_batches').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  }
}
