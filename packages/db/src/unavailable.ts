import { ServiceUnavailableError } from '@sis/contracts';
import type { DatabaseConnection, Driver } from 'kysely';

/** What a client is told to wait before trying again while PostgreSQL is away, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Socket errors that mean the server is not there, rather than that the query was wrong. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs of a server that cannot take the query now: connection exceptions (class 08),
 * shutting down or starting up (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08|57P0[123]$|53300$)/;
/** node-postgres's own words for a connection that died or never came. */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed/i;

/** Whether an error from node-postgres means "the database is not reachable", not "this query failed". */
export function isDatabaseUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_STATES.test(e.code))) return true;
  return typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

function translate(error: unknown): unknown {
  if (!isDatabaseUnreachable(error)) return error;
  return new ServiceUnavailableError('database_unavailable', 'the database is not answering; try again shortly', { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS }, { cause: error });
}

/**
 * Wraps a kysely driver (and every connection it hands out) so that the database being away
 * surfaces as one domain error, ServiceUnavailableError `database_unavailable`, wherever a query
 * runs: every service then answers a fast 503 naming the database, and the worker postpones the
 * job instead of spending an attempt, without each caller recognising pg's error codes.
 */
export function guardDriver(driver: Driver): Driver {
  return guarded(driver);
}

function guarded<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = value.apply(object, args);
        } catch (error) {
          throw translate(error);
        }
        if (!(result instanceof Promise)) return result;
        return result.then(
          // acquireConnection's connection is guarded too, so its queries are.
          (resolved: unknown) => (isConnection(resolved) ? guarded(resolved) : resolved),
          (error: unknown) => {
            throw translate(error);
          },
        );
      };
    },
  });
}

function isConnection(value: unknown): value is DatabaseConnection {
  return typeof value === 'object' && value !== null && typeof (value as DatabaseConnection).executeQuery === 'function';
}
