import { randomUUID } from 'node:crypto';
import { ServiceUnavailableError } from '@sis/contracts';
import { Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Registry } from 'prom-client';
import { createRedisConnection, DEFAULT_JOB_OPTIONS, EmbedQueue, JOB_NAMES, jobProcessor, LeaderLock, QUEUE_NAMES, registerQueueMetrics, WorkerRegistry, type JobHandler } from '../src/index.js';

const redisUrl = inject('stackEnv').REDIS_URL!;
// Each test gets a key prefix of its own, so queues never see each other's jobs.
const connection = createRedisConnection(redisUrl);
const queues: EmbedQueue[] = [];
const freshQueue = () => {
  const queue = new EmbedQueue({ connection, prefix: `test-${randomUUID().slice(0, 8)}` });
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

  it('exports its counts and the age of the oldest waiting job as gauges, read from Redis at each scrape', async () => {
    const queue = freshQueue();
    const registry = new Registry();
    registerQueueMetrics(registry, queue);
    const scrape = async () => {
      const text = await registry.metrics();
      const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
      return { waiting: value('sis_queue_jobs{state="waiting"}'), age: value('sis_queue_oldest_waiting_seconds') };
    };
    expect(await scrape()).toEqual({ waiting: 0, age: 0 });
    const enqueuedAt = Date.now();
    await queue.enqueueMany([{ imageId: randomUUID() }, { imageId: randomUUID() }]);
    await new Promise((r) => setTimeout(r, 300));
    await queue.enqueue({ imageId: randomUUID() });
    const { waiting, age } = await scrape();
    expect(waiting).toBe(3);
    // The oldest job's age, not the newest's: at least the 300 ms between them.
    expect(age).toBeGreaterThanOrEqual(0.3);
    expect(age).toBeLessThanOrEqual((Date.now() - enqueuedAt) / 1000 + 0.01);
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
    const queue = new EmbedQueue({ connection, prefix });
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

describe('jobProcessor', () => {
  const handler = (handle: (job: Job) => Promise<string> = async (job) => `done ${job.data.imageId}`): JobHandler<string> => ({ jobName: JOB_NAMES.embedImage, handle });
  const reembed: JobHandler<string> = { jobName: JOB_NAMES.reembedImage, handle: async (job) => `re-embedded ${job.data.imageId} with model ${job.data.modelId}` };

  it('refuses at start-up a job name with no handler, two handlers, or a handler for no job', () => {
    expect(() => jobProcessor({ handlers: [] })).toThrow('every job name needs exactly one handler: "embed-image" has 0 handlers; "reembed-image" has 0 handlers');
    expect(() => jobProcessor({ handlers: [handler(), handler(), reembed] })).toThrow('"embed-image" has 2 handlers');
    expect(() => jobProcessor({ handlers: [handler(), reembed, { jobName: 'resize-image' as never, handle: async () => 'x' }] })).toThrow('"resize-image" is not a job name');
  });

  it('runs every upload before any re-embedding job, whatever the order they came in', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const queue = new EmbedQueue({ connection, prefix });
    queues.push(queue);
    const old = [randomUUID(), randomUUID(), randomUUID()];
    await queue.enqueueReembed(7, old);
    // Enqueued again while waiting: still one job per model and image.
    await queue.enqueueReembed(7, old.slice(0, 1));
    const uploads = [randomUUID(), randomUUID()];
    for (const imageId of uploads) await queue.enqueue({ imageId });
    expect(await queue.counts()).toMatchObject({ waiting: 2, prioritized: 3 });
    // What the sweeper weighs against Postgres: uploads only.
    expect(await queue.unfinishedUploads()).toBe(2);
    const order: string[] = [];
    const worker = new Worker(
      QUEUE_NAMES.embed,
      jobProcessor({ handlers: [handler(async (job) => (order.push(job.data.imageId), 'done')), { ...reembed, handle: async (job) => (order.push(job.data.imageId), 'done') }] }),
      { connection: createRedisConnection(redisUrl), prefix, concurrency: 1 },
    );
    try {
      await expect.poll(() => order.length, { timeout: 10_000 }).toBe(5);
      expect(order).toEqual([...uploads, ...old]);
      expect((await queue.queue.getJob(`reembed-7-${old[0]}`))?.returnvalue).toBe('done');
    } finally {
      await worker.close();
    }
  });

  it('hands each job to its handler, and fails a job of no known name or with a bad payload for good', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const queue = new EmbedQueue({ connection, prefix });
    queues.push(queue);
    const imageId = randomUUID();
    const worker = new Worker(QUEUE_NAMES.embed, jobProcessor({ handlers: [handler(), reembed] }), { connection: createRedisConnection(redisUrl), prefix });
    try {
      const good = await queue.enqueue({ imageId });
      // Written past the producer's checks, as another release or a person at redis-cli might.
      const stranger = await queue.queue.add('resize-image' as never, { imageId: randomUUID() });
      const broken = await queue.queue.add(JOB_NAMES.embedImage, { imageId: 'not-a-uuid' } as never, { jobId: randomUUID() });
      const settled = async (id: string) => {
        await expect.poll(async () => ['completed', 'failed'].includes(await queue.state(id)), { timeout: 10_000 }).toBe(true);
        return (await queue.getJob(id))!;
      };
      expect((await settled(good.id!)).returnvalue).toBe(`done ${imageId}`);
      const unknownJob = await settled(stranger.id!);
      expect(unknownJob.failedReason).toBe('no handler for job "resize-image"');
      expect(unknownJob.attemptsMade).toBe(1);
      const badJob = await settled(broken.id!);
      expect(badJob.failedReason).toMatch(/^job "embed-image" has an invalid payload: imageId: /);
      expect(badJob.attemptsMade).toBe(1);
    } finally {
      await worker.close();
    }
  });
});

describe('jobProcessor during an outage', () => {
  it('postpones a job whose dependency is away without spending its attempts, then runs it', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const queue = new EmbedQueue({ connection, prefix });
    queues.push(queue);
    let calls = 0;
    const outages: string[] = [];
    const handler: JobHandler<string> = {
      jobName: JOB_NAMES.embedImage,
      handle: async () => {
        if (++calls <= 3) throw new ServiceUnavailableError('database_unavailable', 'the database is not answering');
        return 'done';
      },
    };
    const reembed: JobHandler<string> = { jobName: JOB_NAMES.reembedImage, handle: async () => 'unused' };
    const processor = jobProcessor({ handlers: [handler, reembed], outageDelayMs: 50, onOutage: (error) => outages.push(error.code) });
    const worker = new Worker(QUEUE_NAMES.embed, processor, { connection: createRedisConnection(redisUrl), prefix });
    try {
      const job = await queue.enqueue({ imageId: randomUUID() });
      await expect.poll(() => queue.state(job.id!), { timeout: 10_000 }).toBe('completed');
      const done = (await queue.getJob(job.id!))!;
      expect(done.returnvalue).toBe('done');
      // Five attempts are allowed; three outages spent none of them.
      expect(done.attemptsMade).toBe(1);
      expect(outages).toEqual(['database_unavailable', 'database_unavailable', 'database_unavailable']);
    } finally {
      await worker.close();
    }
  });
});

describe('EmbedQueue.retry', () => {
  it('gives a job whose attempts ran out all of them again', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const queue = new EmbedQueue({ connection, prefix });
    queues.push(queue);
    let calls = 0;
    // Fails three times, then works: two attempts run out, a retry with fresh attempts gets there.
    const worker = new Worker(QUEUE_NAMES.embed, async () => {
      if (++calls <= 3) throw new Error('storage hiccup');
      return 'done';
    }, { connection: createRedisConnection(redisUrl), prefix });
    try {
      const imageId = randomUUID();
      await queue.queue.add(JOB_NAMES.embedImage, { imageId }, { jobId: imageId, attempts: 2 });
      await expect.poll(() => queue.state(imageId), { timeout: 10_000 }).toBe('failed');
      expect(calls).toBe(2);
      expect(await queue.retry(imageId)).toBe('retried');
      await expect.poll(() => queue.state(imageId), { timeout: 10_000 }).toBe('completed');
      expect(calls).toBe(4);
    } finally {
      await worker.close();
    }
  });
});

describe('LeaderLock', () => {
  it('lets one holder lead, renews for it, and frees the lock on release or when it lapses', async () => {
    const name = `test-${randomUUID().slice(0, 8)}`;
    const a = new LeaderLock({ redis: connection, name, ttlMs: 300 });
    const b = new LeaderLock({ redis: connection, name, ttlMs: 300 });
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(await a.tryAcquire()).toBe(true);
    await a.release();
    expect(await b.tryAcquire()).toBe(true);
    // b stops renewing, as a crashed leader does: a leads once the lock lapses.
    await expect.poll(() => a.tryAcquire(), { timeout: 5000, interval: 50 }).toBe(true);
    expect(() => new LeaderLock({ redis: connection, name, ttlMs: 0 })).toThrow('ttlMs must be at least 1');
  });
});

describe('WorkerRegistry', () => {
  it('lists workers that announced themselves, oldest first, until they leave or lapse', async () => {
    const registry = new WorkerRegistry({ redis: connection, prefix: `test-${randomUUID().slice(0, 8)}`, ttlMs: 300 });
    const info = (id: string, startedAt: string) => ({ id, host: 'h', pid: 1, model: 'm', batch: 8, concurrency: 16, startedAt, jobs: {} });
    await registry.announce(info('late', '2026-01-02T00:00:00.000Z'));
    await registry.announce(info('early', '2026-01-01T00:00:00.000Z'));
    expect((await registry.list()).map((w) => w.id)).toEqual(['early', 'late']);
    await registry.remove('late');
    expect((await registry.list()).map((w) => w.id)).toEqual(['early']);
    await expect.poll(async () => (await registry.list()).length, { timeout: 5000, interval: 50 }).toBe(0);
  });
});
