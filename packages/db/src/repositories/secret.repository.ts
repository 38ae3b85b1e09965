import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** The keys every replica shares (migration 0012). Read only: they are made by the migration. */
export class SecretRepository {
  readonly #db: Kysely<Database>;

  constructor(options: { db: Kysely<Database> }) {
    this.#db = options.db;
  }

  /** @throws Error when there is no such key: the database has not been migrated. */
  async get(name: string): Promise<Buffer> {
    const row = await this.#db.selectFrom('secrets').select('value').where('name', '=', name).executeTakeFirst();
    if (!row) throw new Error(`no secret "${name}" in the database; run the migrations (pnpm migrate)`);
    return row.value;
  }
}
