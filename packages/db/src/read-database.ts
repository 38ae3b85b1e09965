import { Kysely, PostgresAdapter, PostgresDialect, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';
import { createPool, type DatabaseOptions } from './database.js';
import type { Database } from './schema.js';
import { traceDriver } from './tracing.js';
import { guardDriver, isDatabaseUnreachable } from './unavailable.js';

export interface ReadDatabaseOptions extends Omit<DatabaseOptions, 'url'> {
  /** The streaming replica reads go to first (DATABASE_READ_URL). */
  replicaUrl: string;
  /** The primary (DATABASE_URL), read from while the replica cannot be reached. */
  primaryUrl: string;
  /** Told when reads move to the primary because the replica cannot be reached, and back. @defaultValue ignored */
  onReadFrom?: (server: 'primary' | 'replica', error?: Error) => void;
}

/**
 * A read-only connection pool for a service that only reads (search): queries go to the replica,
 * and to the primary whenever the replica cannot be reached, so a replica restarting costs no
 * failed request. A query that loses its replica connection midway is run again on the primary
 * unless it was inside a transaction, which cannot move. Every session is
 * `default_transaction_read_only`, so the service cannot write through it by mistake.
 */
export function createReadDatabase(options: ReadDatabaseOptions): Kysely<Database> {
  const readOnly = { default_transaction_read_only: 'on' };
  const driverFor = (url: string) => new PostgresDialect({ pool: createPool(url, options, readOnly) }).createDriver();
  const driver = new ReplicaFirstDriver(driverFor(options.replicaUrl), driverFor(options.primaryUrl), options.onReadFrom ?? (() => undefined));
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => guardDriver(traceDriver(driver)),
      createQueryCompiler: () => new PostgresQueryCompiler(),
      createIntrospector: (db) => new PostgresIntrospector(db),
    },
  });
}

/**
 * A connection handed out by the replica: outside a transaction, a query that finds the replica
 * gone runs again on the primary. (kysely holds it behind the guard's and tracer's proxies, which pass
 * property reads, writes and instanceof through to it.)
 */
class ReplicaConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(
    readonly inner: DatabaseConnection,
    readonly onPrimary: <R>(query: CompiledQuery) => Promise<QueryResult<R>>,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      if (!isDatabaseUnreachable(error) || this.inTransaction) throw error;
      return this.onPrimary<R>(query);
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ReplicaFirstDriver implements Driver {
  /** Where the last connection came from, so each move is reported once. */
  #readingFrom: 'primary' | 'replica' = 'replica';

  constructor(
    readonly replica: Driver,
    readonly primary: Driver,
    readonly onReadFrom: (server: 'primary' | 'replica', error?: Error) => void,
  ) {}

  async init(): Promise<void> {
    await Promise.all([this.replica.init(), this.primary.init()]);
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    try {
      const connection = new ReplicaConnection(await this.replica.acquireConnection(), (query) => this.#onPrimary(query));
      this.#moveTo('replica');
      return connection;
    } catch (error) {
      if (!isDatabaseUnreachable(error)) throw error;
      this.#moveTo('primary', error as Error);
      return this.primary.acquireConnection();
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (connection instanceof ReplicaConnection) connection.inTransaction = true;
    await this.#call(connection, (driver, own) => driver.beginTransaction(own, settings));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#call(connection, (driver, own) => driver.commitTransaction(own));
    if (connection instanceof ReplicaConnection) connection.inTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.#call(connection, (driver, own) => driver.rollbackTransaction(own));
    if (connection instanceof ReplicaConnection) connection.inTransaction = false;
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.#call(connection, (driver, own) => driver.releaseConnection(own));
  }

  async destroy(): Promise<void> {
    await Promise.all([this.replica.destroy(), this.primary.destroy()]);
  }

  #moveTo(server: 'primary' | 'replica', error?: Error): void {
    if (this.#readingFrom === server) return;
    this.#readingFrom = server;
    this.onReadFrom(server, error);
  }

  /** Calls the driver that handed the connection out, with the connection it knows. */
  #call(connection: DatabaseConnection, call: (driver: Driver, own: DatabaseConnection) => Promise<void>): Promise<void> {
    return connection instanceof ReplicaConnection ? call(this.replica, connection.inner) : call(this.primary, connection);
  }

  async #onPrimary<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const connection = await this.primary.acquireConnection();
    try {
      return await connection.executeQuery<R>(query);
    } finally {
      await this.primary.releaseConnection(connection);
    }
  }
}
