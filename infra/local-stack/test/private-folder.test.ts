import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, ImageRepository } from '@sis/db';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/index.js';
import { migrateDatabase } from '../src/migrate.js';
import { PostgresServer } from '../src/postgres.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('PostgreSQL in a private folder', () => {
  it('starts, and finds its data again after a restart, when the data folder is private (mode 700, as a clone under /root)', async () => {
    // mkdtemp makes a mode-700 folder: under root the postgres user cannot enter it.
    const home = await mkdtemp(join(tmpdir(), 'sis-private-'));
    const reachable = await mkdtemp(join(tmpdir(), 'sis-fallback-'));
    await chmod(reachable, 0o755); // as /var/lib is
    const fallbackRoot = join(reachable, 'postgres');
    dirs.push(home, reachable);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
    const dir = join(home, 'checkout', '.data', 'pg');
    const port = await freePort();
    const options = { dir, port, durable: false, fallbackRoot };

    const first = new PostgresServer(options);
    await first.start();
    const underRoot = process.getuid?.() === 0;
    // Only root has to move it; anyone else runs PostgreSQL as themselves, in the folder asked for.
    expect(first.dir.startsWith(fallbackRoot)).toBe(underRoot);
    if (underRoot) expect(await readFile(join(dir, 'WHERE-IS-THE-DATA.txt'), 'utf8')).toContain(first.dir);
    await migrateDatabase(first.url, { createDatabase: true });
    let db = createDatabase({ url: first.url });
    const kept = await new ImageRepository({ db }).create({ object_key: 'k/kept', content_type: 'image/png', declared_size: 1 });
    await db.destroy();
    await first.stop();

    const second = new PostgresServer(options);
    await second.start();
    expect(second.dir).toBe(first.dir);
    db = createDatabase({ url: second.url });
    const found = await new ImageRepository({ db }).findById(kept.id);
    await db.destroy();
    await second.stop();
    expect(found?.object_key).toBe('k/kept');
  });
});
