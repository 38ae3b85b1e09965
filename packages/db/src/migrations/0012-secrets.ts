import { sql, type Kysely } from 'kysely';

/**
 * Keys every replica of a service must share, made once here rather than configured: the search
 * service signs its page cursors with `search_cursor`, so a cursor one replica issued is good on
 * every other, and across restarts. 32 bytes from two random UUIDs' 244 random bits.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table secrets (name text primary key, value bytea not null, created_at timestamptz not null default now())`.execute(db);
  await sql`insert into secrets (name, value) values ('search_cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table secrets`.execute(db);
}
