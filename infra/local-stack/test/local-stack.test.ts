import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, ImageRepository } from '@sis/db';
import { ObjectStorage } from '@sis/storage';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree, LocalStack, PortInUseError } from '../src/index.js';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sis-stack-'));
  await chmod(dir, 0o755);
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function ports() {
  return { postgres: await freePort(), redis: await freePort(), s3: await freePort() };
}

describe('LocalStack', () => {
  it('starts all three servers, keeps their data across restarts, and stops them all', async () => {
    const dir = await dataDir();
    const p = await ports();
    const first = await LocalStack.start({ dataDir: dir, ports: p, durable: false });
    expect(first.env).toMatchObject({
      DATABASE_URL: `postgres://sis@127.0.0.1:${p.postgres}/sis`,
      REDIS_URL: `redis://127.0.0.1:${p.redis}`,
      S3_ENDPOINT: `http://127.0.0.1:${p.s3}`,
      S3_BUCKET: 'sis-images',
    });
    expect(first.migrations).toMatch(/^migrations applied: 0001-initial, /);
    const db = createDatabase({ url: first.env.DATABASE_URL! });
    const image = await new ImageRepository({ db }).create({ object_key: 'k/1', content_type: 'image/png', declared_size: 10 });
    await db.destroy();
    const redis = new Redis(first.env.REDIS_URL!);
    await redis.set('kept', 'yes');
    redis.disconnect();
    const storage = new ObjectStorage({ bucket: 'sis-images', region: 'us-east-1', endpoint: first.env.S3_ENDPOINT, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await storage.put('kept.txt', Buffer.from('yes'), 'text/plain');

    const pids = first.pids;
    expect(pids).toHaveLength(2);
    await first.stop();
    for (const pid of pids) expect(alive(pid), `pid ${pid} still running`).toBe(false);
    for (const port of Object.values(p)) expect(await isPortFree(port)).toBe(true);

    const second = await LocalStack.start({ dataDir: dir, ports: p, durable: false });
    expect(second.migrations).toBe('database is up to date');
    const db2 = createDatabase({ url: second.env.DATABASE_URL! });
    expect((await new ImageRepository({ db: db2 }).findById(image.id))?.object_key).toBe('k/1');
    await db2.destroy();
    const redis2 = new Redis(second.env.REDIS_URL!);
    expect(await redis2.get('kept')).toBe('yes');
    redis2.disconnect();
    expect(await storage.head('kept.txt')).toMatchObject({ size: 3 });
    storage.destroy();
    await second.stop();
    await second.stop();
  });

  it('refuses a port held by another process, naming it, and starts nothing', async () => {
    const p = await ports();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(p.redis, '127.0.0.1', resolve));
    const error = await LocalStack.start({ dataDir: await dataDir(), ports: p, durable: false }).catch((e: unknown) => e);
    squatter.close();
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as Error).message).toBe(
      `port ${p.redis} for redis is already in use by another process; stop that process or choose another port with SIS_REDIS_PORT`,
    );
    expect(await isPortFree(p.postgres)).toBe(true);
    expect(await isPortFree(p.s3)).toBe(true);
  });

  it('runs only the components asked for', async () => {
    const p = await ports();
    const stack = await LocalStack.start({ dataDir: await dataDir(), ports: p, components: ['redis'] });
    expect(Object.keys(stack.env)).toEqual(['REDIS_URL']);
    expect(await isPortFree(p.postgres)).toBe(true);
    await stack.stop();
  });
});
