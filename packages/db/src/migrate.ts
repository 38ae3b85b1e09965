import { Migrator, sql, type Kysely, type MigrationResult } from 'kysely';
import pg from 'pg';
import { MIGRATIONS } from './migrations/index.js';

/** Thrown when a migration fails; carries what ran before the failure. */
export class MigrationError extends Error {
  constructor(
    readonly results: readonly MigrationResult[],
    options?: ErrorOptions,
  ) {
    super(`database migration failed: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`, options);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the schema to the newest migration. Safe to call from several processes at once:
 * kysely's Migrator holds a lock table while it runs.
 * @returns the migrations that ran now (empty when already up to date).
 * @throws MigrationError when one fails; earlier ones stay applied.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts a Kysely of any schema
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw new MigrationError(results, { cause: error });
  return results;
}

/**
 * Creates the database named in `url` when it does not exist, connecting to the server's
 * `postgres` database to do it. Used by the local stack and tests; production databases are
 * created by whoever runs PostgreSQL.
 */
export async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

/** The extensions and server version, for readiness checks and benchmark reports. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- accepts a Kysely of any schema
export async function describeServer(db: Kysely<any>): Promise<{ postgres: string; pgvector: string | null }> {
  const { rows } = await sql<{ postgres: string; pgvector: string | null }>`
    select current_setting('server_version') as postgres,
           (select extversion from pg_extension where extname = 'vector') as pgvector`.execute(db);
  return rows[0]!;
}
