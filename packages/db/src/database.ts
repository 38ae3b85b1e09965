import { Kysely, PostgresDialect, sql, type Driver, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { traceDriver } from './tracing.js';
import { guardDriver } from './unavailable.js';

export interface DatabaseOptions {
  /** PostgreSQL connection URL. */
  url: string;
  /** Most connections this process opens. @defaultValue 10 */
  poolSize?: number;
  /**
   * HNSW candidate list size every connection starts with. Queries that want this value then
   * need no transaction around them to set it (see EmbeddingRepository.nearest).
   */
  efSearch?: number;
  /**
   * How long, in ms, a query waits for a connection before the database counts as unavailable,
   * so a request fails fast instead of hanging while PostgreSQL is away. @defaultValue 2000
   */
  connectTimeoutMs?: number;
  /**
   * Told about errors of pooled connections, idle or in use (PostgreSQL restarting, say); the pool
   * replaces a broken connection. Without a listener such an error ends the process.
   * @defaultValue ignored
   */
  onConnectionError?: (error: Error) => void;
}

/**
 * A PostgreSQL dialect whose driver reports an unreachable database as one domain error, and
 * runs every query in a span (the raw driver error is what the span records).
 */
class GuardedPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return guardDriver(traceDriver(super.createDriver()));
  }
}

// int8 (bigint) columns hold byte sizes and counts, far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Opens a connection pool to PostgreSQL. Call `destroy()` on the result to close it.
 *
 * ### Examples
 * ```ts
 * const db = createDatabase({ url: config.database.url, poolSize: config.database.poolSize });
 * ```
 */
export function createDatabase(options: DatabaseOptions): Kysely<Database> {
  return new Kysely<Database>({ dialect: new GuardedPostgresDialect({ pool: createPool(options.url, options) }) });
}

/** A node-postgres pool with sis's settings; `settings` are given to every session (`-c name=value`). */
export function createPool(url: string, options: Omit<DatabaseOptions, 'url'>, settings: Record<string, string | number> = {}): pg.Pool {
  const sessionSettings = { ...(options.efSearch ? { 'hnsw.ef_search': Math.trunc(options.efSearch) } : {}), ...settings };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    ...(Object.keys(sessionSettings).length ? { options: Object.entries(sessionSettings).map(([name, value]) => `-c ${name}=${value}`).join(' ') } : {}),
  });
  // pg-pool listens on idle connections only; one that errors while checked out (the server
  // ending it between two queries) would emit an unhandled 'error' and take the process down.
  // pg hangs the whole client (settings, buffers, queues) on these errors: pass on only what a
  // log needs, so one lost connection is one readable line.
  const onError = (error: Error & { code?: string }) => options.onConnectionError?.(Object.assign(new Error(error.message), { code: error.code }));
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

/** Resolves when the database answers a trivial query; for readiness checks. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

/** Which server a session reached: a standby answers `replica`. For readiness details and tests. */
export async function serverRole(db: Kysely<Database> | Transaction<Database>): Promise<'primary' | 'replica'> {
  const { rows } = await sql<{ standby: boolean }>`select pg_is_in_recovery() as standby`.execute(db);
  return rows[0]!.standby ? 'replica' : 'primary';
}
