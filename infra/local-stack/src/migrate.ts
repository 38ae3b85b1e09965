import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** @sis/db's migrate command, compiled; this package sits at infra/local-stack in the repository. */
const MIGRATE_COMMAND = fileURLToPath(new URL('../../../packages/db/dist/bin/migrate.js', import.meta.url));

export interface MigrateOptions {
  /** Create the database first when the server does not have it. @defaultValue false */
  createDatabase?: boolean;
}

/**
 * Runs @sis/db's own migrate command (`sis-migrate`) against `databaseUrl`, as docker compose does,
 * so that everything that starts sis (`sis up`, the benchmarks, the tests) migrates the same way,
 * and the CLI, which starts the local stack, never loads database code itself.
 * @returns what the command printed: which migrations it applied, or that the database is up to date.
 * @throws Error with the command's own message when it fails.
 */
export async function migrateDatabase(databaseUrl: string, options: MigrateOptions = {}): Promise<string> {
  const args = [MIGRATE_COMMAND, ...(options.createDatabase ? ['--create-database'] : [])];
  try {
    const { stdout } = await run(process.execPath, args, { env: { ...process.env, DATABASE_URL: databaseUrl } });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || `migrating ${databaseUrl} failed: ${(error as Error).message}`, { cause: error });
  }
}
