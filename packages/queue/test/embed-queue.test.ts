import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedisConnection, DEFAULT_JOB_OPTIONS, EmbedQueue, QUEUE_NAMES } from '../src/index.js';

const redisUrl = inject('stackEnv').REDIS_URL!;
// Each test gets a key prefix of its own, so queues never see each other's jobs.
const connection = createRedisConnection(redisUrl);
const queues: EmbedQueue[] = [];
const freshQueue = () => {
  const queue = new EmbedQueue(connection, `test-${randomUUID().slice(0, 8)}`);
  queues.push(queue);
  return queue;
};
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  connection.disconnect();
});

describe('EmbedQueue', () => {
  it('uses the image id as job id, so enqueueing an image twice adds one job', async () => {
    const queue = freshQueue();
    const imageId = randomUUID();
    const first = await queue.enqueue({ imageId, requestId: 'req-1' });
    const second = await queue.enqueue({ imageId, requestId: 'req-2' });
    expect(first.id).toBe(imageId);
    expect(second.id).toBe(imageId);
    expect((await queue.counts()).waiting).toBe(1);
    expect((await queue.getJob(imageId))?.data).toEqual({ imageId, requestId: 'req-1' });
    expect(await queue.state(imageId)).toBe('waiting');
  });

  it('dedupes within and across bulk enqueues', async () => {
    const queue = freshQueue();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await queue.enqueueMany(ids.map((imageId) => ({ imageId })));
    await queue.enqueueMany([{ imageId: ids[0]! }, { imageId: randomUUID() }]);
    expect((await queue.counts()).waiting).toBe(4);
  });

  it('applies the shared retry and retention defaults to every job', async () => {
    const job = await freshQueue().enqueue({ imageId: randomUUID() });
    expect(job.opts).toMatchObject({ attempts: DEFAULT_JOB_OPTIONS.attempts, backoff: DEFAULT_JOB_OPTIONS.backoff });
  });

  it('refuses a payload that is not an image id', async () => {
    await expect(freshQueue().enqueue({ imageId: 'not-a-uuid' })).rejects.toThrow(/imageId/);
  });

  it('removes a waiting job, and reports unknown ones', async () => {
    const queue = freshQueue();
    const imageId = randomUUID();
    await queue.enqueue({ imageId });
    expect(await queue.remove(imageId)).toBe(true);
    expect(await queue.remove(imageId)).toBe(false);
    expect(await queue.state(imageId)).toBe('unknown');
  });

  it('hands jobs to a worker on the same queue name and prefix', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const queue = new EmbedQueue(connection, prefix);
    queues.push(queue);
    const imageId = randomUUID();
    const seen = new Promise<string>((resolve) => {
      const worker = new Worker(QUEUE_NAMES.embed, async (job) => {
        resolve(job.data.imageId as string);
        await worker.close();
      }, { connection: createRedisConnection(redisUrl), prefix });
    });
    await queue.enqueue({ imageId });
    expect(await seen).toBe(imageId);
  });
});
