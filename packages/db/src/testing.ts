import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { MODELS_LOCK } from './vector-tables.js';

/**
 * Takes the lock a model switch takes, on a connection of its own, and holds it until released:
 * meanwhile every image's final write waits, so a test can stop a worker with images caught
 * between claim and write rather than hope to. @returns the release.
 */
export async function holdVectorWrites(db: Kysely<Database>): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const taken = new Promise<void>((resolve) => (locked = resolve));
  const held = db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MODELS_LOCK})`.execute(connection);
    locked();
    await released;
    await sql`select pg_advisory_unlock(${MODELS_LOCK})`.execute(connection);
  });
  await Promise.race([taken, held]);
  return async () => {
    release();
    await held;
  };
}
