import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../src/index.js';
import { MIGRATIONS } from '../src/migrations/index.js';

const run = promisify(execFile);
/** The command as compose and the local stack run it: the compiled bin. */
const COMMAND = fileURLToPath(new URL('../dist/bin/migrate.js', import.meta.url));

async function migrate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  // Nothing from this process's environment or a .env file may stand in for what the test gives.
  const options = { env: { PATH: process.env.PATH, ...env }, cwd: '/' };
  return run(process.execPath, [COMMAND, ...args], options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('sis-migrate', () => {
  it('creates the database when asked, applies every migration, then has nothing left to do', async () => {
    const url = new URL(inject('stackEnv').DATABASE_URL!);
    url.pathname = `/migrate_cmd_${randomUUID().slice(0, 8)}`;
    const first = await migrate(['--create-database'], { DATABASE_URL: url.toString() });
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, stdout: `migrations applied: ${Object.keys(MIGRATIONS).join(', ')}\n` });
    const db = createDatabase({ url: url.toString(), poolSize: 1 });
    try {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(db);
      expect(rows[0]!.n).toBe(Object.keys(MIGRATIONS).length);
    } finally {
      await db.destroy();
    }
    // The original service's variable name works too.
    const again = await migrate([], { SQLALCHEMY_DATABASE_URI: url.toString().replace(/^postgres:/, 'postgresql+psycopg2:') });
    expect(again).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
  });

  it('exits 2 naming the missing setting, or the unknown option, with its usage', async () => {
    const missing = await migrate([], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/DATABASE_URL: missing; PostgreSQL \(with pgvector\) connection URL\. \(or SQLALCHEMY_DATABASE_URI\)/);
    expect(missing.stderr).toMatch(/usage: sis-migrate/);
    const unknown = await migrate(['--drop-everything'], { DATABASE_URL: inject('stackEnv').DATABASE_URL! });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--drop-everything'/);
  });

  it('exits 1 with the reason when the database cannot be reached', async () => {
    const url = new URL(inject('stackEnv').DATABASE_URL!);
    url.pathname = `/never_created_${randomUUID().slice(0, 8)}`;
    const result = await migrate([], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sis-migrate: .*does not exist/);
  });
});
