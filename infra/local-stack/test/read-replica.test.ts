import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyRepository, createDatabase, createReadDatabase, ImageRepository, serverRole, type Database, type Kysely } from '@sis/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, LocalStack } from '../src/index.js';

let dir: string;
let stack: LocalStack;
let primary: Kysely<Database>;
let reads: Kysely<Database>;
const moves: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sis-replica-'));
  await chmod(dir, 0o755);
  const ports = { postgres: await freePort(), 'postgres-replica': await freePort() };
  stack = await LocalStack.start({ dataDir: dir, ports, components: ['postgres', 'postgres-replica'], durable: false });
  primary = createDatabase({ url: stack.env.DATABASE_URL! });
  reads = createReadDatabase({ replicaUrl: stack.env.DATABASE_READ_URL!, primaryUrl: stack.env.DATABASE_URL!, poolSize: 2, onReadFrom: (server) => moves.push(server) });
}, 120_000);
afterAll(async () => {
  await Promise.all([primary?.destroy(), reads?.destroy()]);
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Whether the session answering is a standby: true on the replica, false on the primary. */
const answeredByReplica = async (db: Parameters<typeof serverRole>[0]) => (await serverRole(db)) === 'replica';

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a streaming replica of the local PostgreSQL, read through createReadDatabase', () => {
  it('is cloned from the migrated primary and follows what is written there', async () => {
    expect(stack.env.DATABASE_READ_URL).toMatch(/^postgres:\/\/sis@127\.0\.0\.1:\d+\/sis$/);
    expect(await answeredByReplica(reads)).toBe(true);
    const image = await new ImageRepository({ db: primary }).create({ object_key: 'images/replicated', content_type: 'image/png', declared_size: 10 });
    const seen = await until('the replica to show the new row', () => new ImageRepository({ db: reads }).findById(image.id), Boolean);
    expect(seen).toMatchObject({ id: image.id, object_key: 'images/replicated' });
  });

  it('writes nothing: every session is read-only, on the replica and on the primary alike', async () => {
    await expect(new ApiKeyRepository({ db: reads }).create({ name: 'x', prefix: 'p', secretHash: 'h'.repeat(64), scopes: ['read'] })).rejects.toMatchObject({ code: '25006' });
    await stack.stopComponent('postgres-replica');
    try {
      await expect(new ImageRepository({ db: reads }).create({ object_key: 'images/never', content_type: 'image/png', declared_size: 1 })).rejects.toMatchObject({ code: '25006' });
    } finally {
      await stack.startComponent('postgres-replica');
    }
  });

  it('reads from the primary while the replica is down, and from the replica again once it is back, saying so once each way', async () => {
    await until('reads to be on the replica', () => answeredByReplica(reads), Boolean);
    moves.length = 0;
    await stack.stopComponent('postgres-replica');
    expect(await answeredByReplica(reads)).toBe(false);
    expect(await answeredByReplica(reads)).toBe(false);
    await stack.startComponent('postgres-replica');
    expect(await until('reads to return to the replica', () => answeredByReplica(reads), Boolean)).toBe(true);
    expect(moves).toEqual(['primary', 'replica']);
  });

  it('runs a query again on the primary when its replica connection is lost, but never moves a transaction', async () => {
    await reads.connection().execute(async (connection) => {
      expect(await answeredByReplica(connection)).toBe(true);
      await stack.stopComponent('postgres-replica');
      expect(await answeredByReplica(connection)).toBe(false);
    });
    await stack.startComponent('postgres-replica');
    await until('reads to return to the replica', () => answeredByReplica(reads), Boolean);
    await expect(
      reads.transaction().execute(async (trx) => {
        expect(await answeredByReplica(trx)).toBe(true);
        await stack.stopComponent('postgres-replica');
        return answeredByReplica(trx);
      }),
    ).rejects.toMatchObject({ code: 'database_unavailable' });
    await stack.startComponent('postgres-replica');
  });
});
