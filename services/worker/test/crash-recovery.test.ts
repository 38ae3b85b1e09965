import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '@sis/config';
import { createDatabase, ImageRepository } from '@sis/db';
import { holdVectorWrites } from '@sis/db/testing';
import { colourImage } from '@sis/image/testing';
import { startService, type ServerProcess } from '@sis/local-stack';
import { freshDatabase } from '@sis/local-stack/testing';
import { createRedisConnection, EmbedQueue } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { afterAll, describe, expect, inject, it } from 'vitest';

/**
 * The worker as it really runs (its compiled entry point, in a process of its own; the test run
 * builds first), killed with SIGKILL or stopped with SIGTERM in the middle of work.
 */
const prefix = `crash-${randomUUID().slice(0, 8)}`;
const env = {
  ...inject('stackEnv'),
  DATABASE_URL: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'crash'),
  QUEUE_PREFIX: prefix,
  EMBED_BATCH: '2',
  WORKER_CONCURRENCY: '4',
  WORKER_LOCK_MS: '1500',
  SWEEP_INTERVAL_MS: '3600000',
  LOG_LEVEL: 'warn',
};
const config = loadConfig({ env, envFile: false });
const db = createDatabase({ url: config.database.url });
const images = new ImageRepository({ db });
const storage = new ObjectStorage(config.s3);
const redis = createRedisConnection(config.redis.url);
const queue = new EmbedQueue({ connection: redis, prefix });
const workers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
  await queue.close();
  redis.disconnect();
  await db.destroy();
  storage.destroy();
});

/** A worker process, not waited for: it starts taking jobs as soon as its model is loaded. */
async function startWorker(): Promise<ServerProcess> {
  const logFile = join(inject('stackDataDir'), 'logs', `${prefix}-worker-${workers.length}.log`);
  const { process } = await startService('worker', { env, logFile, waitUntilReady: false });
  workers.push(process);
  return process;
}

async function submitMany(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = await colourImage(i % 3 ? 'blue' : 'yellow', { width: 1200 + i, height: 900 });
    const key = `crash/${randomUUID()}.jpg`;
    await storage.put(key, bytes, 'image/jpeg');
    const image = await images.create({ object_key: key, content_type: 'image/jpeg', declared_size: bytes.length, status: 'queued' });
    ids.push(image.id);
  }
  await queue.enqueueMany(ids.map((imageId) => ({ imageId })));
  return ids;
}

async function statuses(ids: string[]) {
  const rows = await images.findByIds(ids);
  return { rows, ready: rows.filter((r) => r.status === 'ready') };
}

describe('worker process', () => {
  it('after kill -9 mid-batch, a new worker finishes every image, writing each exactly once', async () => {
    const ids = await submitMany(60);
    const first = await startWorker();
    // Kill while the worker holds images: some finished, at least half still to do, and several
    // claimed but unwritten. Holding the final writes back makes sure of the last: a claimed image
    // could otherwise be written between this test looking and the signal landing.
    await expect.poll(async () => (await statuses(ids)).ready.length, { timeout: 30_000, interval: 10 }).toBeGreaterThan(0);
    const releaseWrites = await holdVectorWrites(db);
    try {
      await expect.poll(async () => (await statuses(ids)).rows.filter((r) => r.status === 'processing').length, { timeout: 30_000, interval: 10 }).toBeGreaterThanOrEqual(2);
      await first.stop('SIGKILL');
    } finally {
      await releaseWrites();
    }
    const before = await statuses(ids);
    const inFlight = before.rows.filter((r) => r.status === 'processing').map((r) => r.id);
    expect(inFlight.length, 'the kill should land mid-batch').toBeGreaterThanOrEqual(2);
    expect(before.ready.length).toBeLessThanOrEqual(ids.length / 2);
    const readyBefore = new Map(before.ready.map((r) => [r.id, r.ready_at?.getTime()]));

    const second = await startWorker();
    await expect.poll(async () => (await statuses(ids)).ready.length, { timeout: 60_000, interval: 100 }).toBe(ids.length);
    await second.stop('SIGTERM');
    const after = await statuses(ids);
    for (const row of after.rows) {
      expect(row.error).toBeNull();
      // An image written before the crash is not written again by the second worker.
      if (readyBefore.has(row.id)) expect(row.ready_at?.getTime()).toBe(readyBefore.get(row.id));
    }
    // What the dead worker had claimed was done again, by the second worker.
    for (const id of inFlight) expect(after.rows.find((r) => r.id === id)?.attempts).toBe(2);
  });

  it('on SIGTERM finishes the jobs in hand, exits 0, and leaves no image stuck in processing', async () => {
    const ids = await submitMany(24);
    const worker = await startWorker();
    await expect.poll(async () => (await statuses(ids)).ready.length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
    await worker.stop('SIGTERM');
    expect(await worker.exited()).toBe(0);
    const { rows } = await statuses(ids);
    expect(rows.filter((r) => r.status === 'processing')).toEqual([]);
    expect(rows.every((r) => r.status === 'ready' || r.status === 'queued')).toBe(true);
  });
});
