import { randomUUID } from 'node:crypto';
import { createDatabase, ensureDatabaseExists, migrateToLatest } from '@sis/db';

/**
 * Creates and migrates a database of its own next to the one in `baseUrl`, so a test file sees
 * only its own rows. Test runs are throwaway clusters; nothing cleans these up.
 * @returns the new database's URL.
 */
export async function freshDatabase(baseUrl: string, label = 'test'): Promise<string> {
  const url = new URL(baseUrl);
  url.pathname = `/${label}_${randomUUID().slice(0, 8)}`;
  await ensureDatabaseExists(url.toString());
  const db = createDatabase({ url: url.toString(), poolSize: 1 });
  await migrateToLatest(db).finally(() => db.destroy());
  return url.toString();
}
