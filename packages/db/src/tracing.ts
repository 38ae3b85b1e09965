import { inSpan, SpanKind } from '@sis/telemetry';
import type { CompiledQuery, DatabaseConnection, Driver } from 'kysely';

/** The statement's verb and first table, as kysely writes them (`select … from "images"`). */
const VERB = /^\s*(\w+)/;
const TABLE = /\b(?:from|into|update)\s+"?(\w+)"?/i;

/**
 * Wraps a kysely driver so that every query runs in a client span named for what it does
 * (`SELECT images`), with its parameterised text (values are never recorded). The span is a child
 * of whatever is active: the request or job the query serves. No-op spans while tracing is off.
 */
export function traceDriver(driver: Driver): Driver {
  return forwarding(driver, 'acquireConnection', async () => traced(await driver.acquireConnection()));
}

function traced(connection: DatabaseConnection): DatabaseConnection {
  return forwarding(connection, 'executeQuery', <R>(query: CompiledQuery) => {
    const operation = (VERB.exec(query.sql)?.[1] ?? 'query').toUpperCase();
    const table = TABLE.exec(query.sql)?.[1];
    return inSpan(
      table ? `${operation} ${table}` : operation,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': query.sql, ...(table ? { 'db.collection.name': table } : {}) },
      },
      () => connection.executeQuery<R>(query),
    );
  });
}

/**
 * `target` with one method replaced. Every other method runs on `target` itself, whose private
 * fields (and kysely's symbol-keyed release method) a proxy as `this` would not reach.
 */
function forwarding<T extends object>(target: T, method: keyof T, replacement: unknown): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === method) return replacement;
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
