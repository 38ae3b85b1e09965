import { sql, type Kysely, type Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../schema.js';

/** An API key as listed: never the secret, not even its hash. */
export type ApiKeyRecord = Omit<Selectable<ApiKeysTable>, 'secret_hash'>;

/** How fresh `last_used_at` is kept, in ms: it says "used lately", not "used at this instant". */
export const LAST_USED_RESOLUTION_MS = 60_000;

const KEY_COLUMNS = ['id', 'name', 'prefix', 'scopes', 'created_at', 'last_used_at', 'revoked_at'] as const;

export interface ApiKeyRepositoryOptions {
  db: Kysely<Database>;
}

/** Every query on `api_keys`. Secrets arrive already hashed; hashing is the caller's rule. */
export class ApiKeyRepository {
  readonly #db: Kysely<Database>;

  constructor(options: ApiKeyRepositoryOptions) {
    this.#db = options.db;
  }

  async create(key: { name: string; prefix: string; secretHash: string; scopes: string[] }): Promise<ApiKeyRecord> {
    return this.#db
      .insertInto('api_keys')
      .values({ name: key.name, prefix: key.prefix, secret_hash: key.secretHash, scopes: key.scopes })
      .returning(KEY_COLUMNS)
      .executeTakeFirstOrThrow();
  }

  /**
   * The key with this hash if it exists and is not revoked; records the use, at most once a
   * minute per key, so authenticating (every request) is a read, not a row write.
   */
  async useByHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const key = await this.#db.selectFrom('api_keys').select(KEY_COLUMNS).where('secret_hash', '=', secretHash).where('revoked_at', 'is', null).executeTakeFirst();
    if (!key || (key.last_used_at && Date.now() - key.last_used_at.getTime() < LAST_USED_RESOLUTION_MS)) return key;
    return this.#db.updateTable('api_keys').set({ last_used_at: sql`now()` }).where('id', '=', key.id).where('revoked_at', 'is', null).returning(KEY_COLUMNS).executeTakeFirst();
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.#db.selectFrom('api_keys').select(KEY_COLUMNS).orderBy('created_at', 'desc').orderBy('id').execute();
  }

  /** @returns the revoked key, or undefined when no such key exists. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#db
      .updateTable('api_keys')
      .set({ revoked_at: sql`coalesce(revoked_at, now())` })
      .where('id', '=', id)
      .returning(KEY_COLUMNS)
      .executeTakeFirst();
  }
}
