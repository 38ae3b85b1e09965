import { Kysely, PostgresDialect, sql, type Driver } from 'kysely';
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
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    ...(options.efSearch ? { options: `-c hnsw.ef_search=${Math.trunc(options.efSearch)}` } : {}),
  });
  // pg-pool listens on idle connections only; one that errors while checked out (the server
  // ending it between two queries) would emit an unhandled 'error' and take the process down.
  // pg hangs the whole client (settings, buffers, queues) on these errors: pass on only what a
  // log needs, so one lost connection is one readable line.
  const onError = (error: Error & { code?: string }) => options.onConnectionError?.(Object.assign(new Error(error.message), { code: error.code }));
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return new Kysely<Database>({ dialect: new GuardedPostgresDialect({ pool }) });
}

/** Resolves when the database answers a trivial query; for readiness checks. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
