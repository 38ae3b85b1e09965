#!/usr/bin/env node
/**
 * `sis-migrate` (`pnpm migrate` at the repository root): brings the database named by DATABASE_URL
 * to the newest schema. Run by docker compose, the local stack, the tests and the benchmarks.
 * Safe to run repeatedly and from several places at once.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadDatabaseConfig } from '@sis/config';
import { createDatabase } from '../database.js';
import { ensureDatabaseExists, migrateToLatest } from '../migrate.js';

const USAGE = `usage: sis-migrate [--create-database]

Applies every pending migration to the database named by DATABASE_URL (or SQLALCHEMY_DATABASE_URI).
  --create-database  create that database first when the server does not have it yet`;

try {
  const { values } = parseArgs({ options: { 'create-database': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
  } else {
    const { url } = loadDatabaseConfig();
    if (values['create-database']) await ensureDatabaseExists(url);
    const db = createDatabase({ url, poolSize: 1 });
    try {
      const applied = await migrateToLatest(db);
      console.log(applied.length ? `migrations applied: ${applied.map((m) => m.migrationName).join(', ')}` : 'database is up to date');
    } finally {
      await db.destroy();
    }
  }
} catch (error) {
  const usage = error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  console.error(`sis-migrate: ${(error as Error).message}${usage ? `\n\n${USAGE}` : ''}`);
  process.exitCode = usage ? 2 : 1;
}
