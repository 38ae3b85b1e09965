import { Command } from 'commander';
import { loadConfig } from '@sis/config';
import { createDatabase, migrateToLatest } from '@sis/db';

export function migrateCommand(): Command {
  return new Command('migrate')
    .summary('bring the database schema up to date')
    .description('Applies every pending migration to DATABASE_URL. Safe to run repeatedly and from several places at once.')
    .action(async () => {
      const config = loadConfig();
      const db = createDatabase({ url: config.database.url, poolSize: 1 });
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `applied: ${applied.map((m) => m.migrationName).join(', ')}` : 'database is up to date');
      } finally {
        await db.destroy();
      }
    });
}
