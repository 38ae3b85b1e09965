import type { Kysely } from 'kysely';

/**
 * The trace an upload started in: the W3C traceparent of the request that created the image, so
 * that its completion, a request of its own, hands the embed job that trace and presign to vector
 * reads as one trace. Null when tracing was off.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('images').addColumn('traceparent', 'text').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('images').dropColumn('traceparent').execute();
}
