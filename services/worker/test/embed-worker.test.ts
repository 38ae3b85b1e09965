import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipModel } from '@sis/clip';
import { generateTinyClip, TINY_CLIP_DIR, writeModelFiles } from '@sis/clip/fixtures';
import { colourImage, pngClaimingSize } from '@sis/image/testing';
import { createLogger, loadConfig } from '@sis/config';
import { createDatabase, EmbeddingRepository, ImageRepository, ModelRepository, type ImageRecord } from '@sis/db';
import { freshDatabase, settledImage } from '@sis/local-stack/testing';
import { createRedisConnection, EmbedQueue } from '@sis/queue';
import { ObjectStorage, stagingKey, thumbnailKey } from '@sis/storage';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEmbedWorker, type EmbedWorker } from '../src/embed-worker.js';
import { registerModelSetting } from '../src/register-model.js';
import { WorkerMetrics } from '../src/worker-metrics.js';
import { WorkerModels } from '../src/worker-models.js';

const prefix = `test-${randomUUID().slice(0, 8)}`;
// A database of its own, so searches here see only this file's images.
const config = loadConfig({
  envFile: false,
  env: {
    ...inject('stackEnv'),
    DATABASE_URL: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'worker'),
    QUEUE_PREFIX: prefix,
    // A bucket of its own: this file's sweeper deletes staged uploads its database knows nothing of.
    S3_BUCKET: prefix,
    EMBED_BATCH: '4',
    EMBED_BATCH_WAIT_MS: '20',
    SWEEP_INTERVAL_MS: '3600000',
    SWEEP_GRACE_MS: '0',
    PRESIGN_EXPIRES_SECONDS: '1',
    UPLOAD_EXPIRY_MARGIN_SECONDS: '0',
    MAX_PIXELS: '20000000',
  },
});
const logger = createLogger({ logLevel: 'silent', logFormat: 'json' }, 'worker');
const db = createDatabase({ url: config.database.url });
const images = new ImageRepository({ db });
const storage = new ObjectStorage(config.s3);
const redis = createRedisConnection(config.redis.url);
const queue = new EmbedQueue({ connection: redis, prefix });
let clip: ClipModel;
let running: EmbedWorker;
let model: { id: number; source: string };
let workerModels: WorkerModels;
const metrics = new WorkerMetrics();
const modelRepository = new ModelRepository({ db });

/** What the worker's main does: the models it holds, from the ones Postgres lists. */
async function holdModels(workerMetrics: WorkerMetrics): Promise<WorkerModels> {
  const held = new WorkerModels({
    models: modelRepository,
    base: { model: TINY_CLIP_DIR, allowRemoteModels: false, towers: ['vision'], maxPixels: config.limits.maxPixels },
    maxBatch: config.worker.embedBatch,
    maxWaitMs: config.worker.embedBatchWaitMs,
    metrics: workerMetrics,
    logger,
  });
  await held.refresh();
  return held;
}

beforeAll(async () => {
  await storage.ensureBucket();
  clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false });
  model = (await registerModelSetting(modelRepository, { source: TINY_CLIP_DIR, dtype: null }, logger))!;
  workerModels = await holdModels(metrics);
  running = createEmbedWorker({ config, logger, db, storage, redis, queue, models: workerModels, metrics });
});
afterAll(async () => {
  await running?.close();
  await workerModels?.stop();
  await queue.close();
  redis.disconnect();
  await db.destroy();
  storage.destroy();
  await clip?.dispose();
});

/** Stores bytes as an upload would and queues the image, as completing an upload does. */
async function submit(bytes: Buffer, contentType: string, options: { declaredSize?: number; enqueue?: boolean; upload?: boolean; sha256?: string } = {}): Promise<string> {
  const key = `test/${randomUUID()}`;
  if (options.upload ?? true) await storage.put(key, bytes, contentType);
  const image = await images.create({ object_key: key, content_type: contentType, declared_size: options.declaredSize ?? bytes.length, status: 'queued', sha256: options.sha256 ?? null });
  if (options.enqueue ?? true) await queue.enqueue({ imageId: image.id, requestId: 'test' });
  return image.id;
}

const settled = (id: string): Promise<ImageRecord> => settledImage(images, id);

async function imagesThroughModel(): Promise<number> {
  const { values } = await metrics.batchSize.get();
  return values.find((v) => v.metricName === 'sis_worker_batch_size_sum')?.value ?? 0;
}

describe('embed worker', () => {
  it('embeds images of every accepted type, storing size, dimensions, hash, EXIF and model', async () => {
    const jpeg = await colourImage('red', { exif: { Make: 'TestCam', Model: 'T1000' } });
    const id = await submit(jpeg, 'image/jpeg');
    const image = await settled(id);
    expect(image).toMatchObject({ status: 'ready', width: 640, height: 480, actual_size: jpeg.length, model: TINY_CLIP_DIR, error: null, attempts: 1 });
    expect(image.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(image.exif).toMatchObject({ Make: 'TestCam', Model: 'T1000' });
    expect(await storage.head(thumbnailKey(id))).toMatchObject({ contentType: 'image/webp' });

    for (const format of ['png', 'webp', 'gif', 'avif', 'tiff'] as const) {
      const other = await settled(await submit(await colourImage('blue', { format, width: 120, height: 90 }), `image/${format}`));
      expect(other.status, format).toBe('ready');
    }
  });

  it('makes vectors that put each colour query nearest its colour', async () => {
    const ids: Record<string, string> = {};
    for (const colour of ['green', 'yellow', 'purple']) ids[colour] = await submit(await colourImage(colour, { band: 'white' }), 'image/jpeg');
    for (const id of Object.values(ids)) await settled(id);
    for (const [colour, id] of Object.entries(ids)) {
      const [best] = await new EmbeddingRepository({ db }).nearest({ modelId: model.id, query: { embedding: await clip.embedText(`a ${colour} photo`) }, limit: 1, filters: { createdAfter: new Date(Date.now() - 60_000) } });
      expect(best?.image.id, colour).toBe(id);
    }
  });

  it('batches images that arrive together into shared model calls', async () => {
    const before = await imagesThroughModel();
    const { values: beforeCalls } = await metrics.batchSize.get();
    const callsBefore = beforeCalls.find((v) => v.metricName === 'sis_worker_batch_size_count')?.value ?? 0;
    const ids = await Promise.all(Array.from({ length: 12 }, async (_, i) => submit(await colourImage(i % 2 ? 'pink' : 'brown', { width: 200 + i, height: 150 }), 'image/jpeg')));
    for (const id of ids) expect((await settled(id)).status).toBe('ready');
    const { values } = await metrics.batchSize.get();
    const calls = (values.find((v) => v.metricName === 'sis_worker_batch_size_count')?.value ?? 0) - callsBefore;
    expect((await imagesThroughModel()) - before).toBe(12);
    expect(calls).toBeLessThan(12);
  });

  it('reuses the vector of identical bytes without a second model call', async () => {
    const bytes = await colourImage('orange', { width: 300, height: 200 });
    const first = await settled(await submit(bytes, 'image/jpeg'));
    const through = await imagesThroughModel();
    const second = await settled(await submit(bytes, 'image/jpeg'));
    expect(second).toMatchObject({ status: 'ready', duplicate_of: first.id, sha256: first.sha256, model: first.model });
    expect(await imagesThroughModel()).toBe(through);
  });

  it('fails each kind of bad upload with a reason, and the next good image still succeeds', async () => {
    const good = await colourImage('white', { width: 100, height: 80 });
    const truncated = (await colourImage('red', { width: 1200, height: 900 })).subarray(0, 4000);
    const cases: [string, Buffer, string, { declaredSize?: number; upload?: boolean; sha256?: string }, RegExp][] = [
      ['text declared as JPEG', Buffer.from('this is not a picture, just words'), 'image/jpeg', {}, /not an image/],
      ['truncated JPEG', truncated, 'image/jpeg', {}, /cannot decode image/],
      ['PNG declaring 100000² pixels', pngClaimingSize(100_000, 100_000), 'image/png', {}, /100000×100000 = 10000000000 pixels, over the limit of 20000000/],
      ['PNG declared as JPEG', await colourImage('red', { format: 'png', width: 50, height: 50 }), 'image/jpeg', {}, /is image\/png but was declared as image\/jpeg/],
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), 'image/jpeg', {}, /not an image|not an accepted/],
      ['bigger than declared', good, 'image/jpeg', { declaredSize: good.length - 10 }, /larger than the declared/],
      ['smaller than declared', good, 'image/jpeg', { declaredSize: good.length + 10 }, /is \d+ bytes, not the declared/],
      ['never uploaded', good, 'image/jpeg', { upload: false }, /missing from storage/],
      ['bytes other than the declared hash', good, 'image/jpeg', { sha256: 'f'.repeat(64) }, /SHA-256 is [0-9a-f]{64}, not the declared f{64}/],
    ];
    for (const [index, [what, bytes, type, options, reason]] of cases.entries()) {
      const failed = await settled(await submit(bytes, type, options));
      expect(failed.status, what).toBe('failed');
      expect(failed.error, what).toMatch(reason);
      expect(failed.attempts, `${what} is not retried`).toBe(1);
      // A different size each time, so the good image is never a duplicate of the last one.
      const next = await settled(await submit(await colourImage('black', { width: 64 + index, height: 48 }), 'image/jpeg'));
      expect(next.status, `good image after ${what}`).toBe('ready');
    }
  });

  it('skips a job whose image was deleted or already finished', async () => {
    const id = await submit(await colourImage('gray', { width: 70, height: 70 }), 'image/jpeg', { enqueue: false });
    await images.delete(id);
    await queue.enqueue({ imageId: id });
    await expect.poll(async () => (await queue.getJob(id))?.returnvalue, { timeout: 10_000 }).toBe('skipped');
  });
});

describe('a second model, of another width, filling in', () => {
  it('embeds new uploads with both, fills in the rest at low priority, switches once complete, and lets the old one go when retired', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tiny-clip-256-'));
    await writeModelFiles(dir, generateTinyClip({ dimension: 256 }));
    const text256 = await ClipModel.load({ model: dir, allowRemoteModels: false, towers: ['text'] });
    try {
      const older = await settled(await submit(await colourImage('purple', { width: 81, height: 61 }), 'image/jpeg'));
      const second = await modelRepository.register({ source: dir, dtype: null, activateWhenComplete: true });
      await workerModels.refresh();
      // The active model first: it names the image.
      expect(workerModels.held().map(({ id }) => id)).toEqual([model.id, second.id]);
      expect(await modelRepository.findById(second.id)).toMatchObject({ state: 'building', dimension: 256 });

      const fresh = await settled(await submit(await colourImage('red', { width: 83, height: 67 }), 'image/jpeg'));
      expect(fresh).toMatchObject({ status: 'ready', model: TINY_CLIP_DIR });
      expect([await images.hasVector(fresh.id, model.id), await images.hasVector(fresh.id, second.id)]).toEqual([true, true]);
      expect(await images.hasVector(older.id, second.id)).toBe(false);

      // An image deleted before its turn comes is skipped, and leaves nothing behind.
      const doomed = await settled(await submit(await colourImage('brown', { width: 85, height: 61 }), 'image/jpeg'));
      await images.delete(doomed.id);
      await queue.enqueueReembed(second.id, [doomed.id]);
      await expect.poll(async () => (await queue.queue.getJob(`reembed-${second.id}-${doomed.id}`))?.returnvalue, { timeout: 10_000 }).toBe('skipped');

      const { ready } = await modelRepository.coverage(second.id);
      await expect.poll(async () => (await running.reembedder.pass(), (await modelRepository.findById(second.id))?.state), { timeout: 60_000, interval: 250 }).toBe('active');
      expect(await modelRepository.coverage(second.id)).toMatchObject({ embedded: ready, ready });
      expect(await modelRepository.findById(model.id)).toMatchObject({ state: 'standby' });
      // The new model's vectors mean what its text tower means.
      const ranked = (await new EmbeddingRepository({ db }).nearest({ modelId: second.id, query: { embedding: await text256.embedText('a purple photo') }, limit: 100 })).map(({ image }) => image.id);
      expect(ranked.indexOf(older.id)).toBeGreaterThanOrEqual(0);
      expect(ranked.indexOf(older.id)).toBeLessThan(ranked.indexOf(fresh.id));

      await modelRepository.retire(model.id);
      await workerModels.refresh();
      expect(workerModels.held().map(({ id }) => id)).toEqual([second.id]);
      const after = await settled(await submit(await colourImage('green', { width: 87, height: 61 }), 'image/jpeg'));
      expect(after).toMatchObject({ status: 'ready', model: dir });
      expect(await images.hasVector(after.id, second.id)).toBe(true);
    } finally {
      await text256.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sweeper', () => {
  it('re-enqueues every queued image after Redis loses its jobs', async () => {
    await running.worker.pause();
    const ids = await Promise.all(Array.from({ length: 5 }, async (_, i) => submit(await colourImage('green', { width: 90 + i, height: 60 }), 'image/jpeg')));
    expect(await queue.state(ids[0]!)).toBe('waiting');
    // What a Redis restarted without persistence looks like: every key of this queue gone.
    const keys = await redis.keys(`${prefix}:*`);
    await redis.del(...keys);
    expect(await queue.state(ids[0]!)).toBe('unknown');
    running.worker.resume();

    const result = await running.sweeper.sweep();
    expect(result.requeued).toBe(5);
    for (const id of ids) expect((await settled(id)).status).toBe('ready');
    expect((await running.sweeper.sweep()).requeued).toBe(0);
  });

  it('retries a transient storage failure with backoff, then succeeds', async () => {
    let failures = 1;
    // Storage whose first read fails the way a dropped connection does; everything else is real.
    const flaky = new Proxy(storage, {
      get(target, property) {
        if (property === 'get') {
          return async (key: string) => {
            if (failures-- > 0) throw new Error('ECONNRESET: storage hiccup');
            return target.get(key);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const retryQueue = new EmbedQueue({ connection: redis, prefix: `${prefix}-retry` });
    const retrying = createEmbedWorker({ config: { ...config, redis: { ...config.redis, queuePrefix: `${prefix}-retry` } }, logger, db, storage: flaky, redis, queue: retryQueue, models: workerModels, metrics: new WorkerMetrics() });
    try {
      const key = `test/${randomUUID()}`;
      const bytes = await colourImage('yellow', { width: 55, height: 55 });
      await storage.put(key, bytes, 'image/jpeg');
      const image = await images.create({ object_key: key, content_type: 'image/jpeg', declared_size: bytes.length, status: 'queued' });
      await retryQueue.enqueue({ imageId: image.id });
      const done = await settled(image.id);
      expect(done).toMatchObject({ status: 'ready', attempts: 2, error: null });
    } finally {
      await retrying.close();
      await retryQueue.close();
    }
  });

  it('deletes uploads never completed once their URL has expired, object included', async () => {
    const key = `test/${randomUUID()}`;
    await storage.put(key, Buffer.from('abandoned'), 'image/jpeg');
    const pending = await images.create({ object_key: key, content_type: 'image/jpeg', declared_size: 9 });
    const fresh = await images.create({ object_key: `test/${randomUUID()}`, content_type: 'image/jpeg', declared_size: 9 });
    // Sweep until the abandoned upload (its URL lives 1 s here) has expired, touching the fresh
    // one before each sweep so it never is.
    await expect
      .poll(async () => {
        await images.transition(fresh.id, ['pending_upload'], 'pending_upload');
        await running.sweeper.sweep();
        return images.findById(pending.id);
      }, { timeout: 10_000, interval: 100 })
      .toBeUndefined();
    expect(await storage.head(key)).toBeUndefined();
    expect(await images.findById(fresh.id)).toBeDefined();
  });

  it('deletes staged uploads nothing waits for any more, and keeps those still awaited', async () => {
    const awaited = await images.create({ object_key: `test/${randomUUID()}`, content_type: 'image/png', declared_size: 1 });
    const done = await images.create({ object_key: `test/${randomUUID()}`, content_type: 'image/png', declared_size: 1, status: 'ready' });
    const keys = { awaited: stagingKey(awaited.id, 'image/png'), done: stagingKey(done.id, 'image/png'), deleted: stagingKey(randomUUID(), 'image/jpeg'), odd: 'uploads/not-an-id.gif' };
    for (const key of Object.values(keys)) await storage.put(key, Buffer.from('x'), 'image/png');
    // Staged objects count once older than an upload URL lives (1 s here).
    await expect
      .poll(async () => {
        await images.transition(awaited.id, ['pending_upload'], 'pending_upload');
        await running.sweeper.sweep();
        return storage.head(keys.deleted);
      }, { timeout: 10_000, interval: 200 })
      .toBeUndefined();
    expect(await storage.head(keys.done)).toBeUndefined();
    expect(await storage.head(keys.odd)).toBeUndefined();
    expect(await storage.head(keys.awaited)).toBeDefined();
  });
});

describe('pixel limit before decoding', () => {
  it('refuses a large real image from its header without decoding it', async () => {
    const big = await colourImage('blue', { width: 6000, height: 4000 });
    const failed = await settled(await submit(big, 'image/jpeg'));
    expect(failed.error).toBe('the image is 6000×4000 = 24000000 pixels, over the limit of 20000000');
  });
});

describe('a worker without the active model', () => {
  it('holds new uploads back, spending no attempt, until it has the model search answers from', async () => {
    const active = (await modelRepository.findActive())!;
    // Loaded by some other worker (its table exists), but not loadable here.
    const elsewhere = await modelRepository.register({ source: '/nonexistent/elsewhere-model', dtype: null, activateWhenComplete: false });
    await modelRepository.completeRegistration(elsewhere.id, { dimension: 8, preprocessingHash: null });
    await modelRepository.activate(elsewhere.id, { force: true });
    let id = '';
    try {
      await workerModels.refresh();
      expect(workerModels.activeMissing()?.id).toBe(elsewhere.id);
      expect(workerModels.errorOf(elsewhere.id)).toMatch(/elsewhere-model/);
      id = await submit(await colourImage('white', { width: 91, height: 77 }), 'image/jpeg');
      await expect.poll(() => queue.state(id), { timeout: 10_000 }).toBe('delayed');
      expect((await images.findById(id))?.status).toBe('processing');
    } finally {
      await modelRepository.activate(active.id, { force: true });
      await modelRepository.retire(elsewhere.id);
      await workerModels.refresh();
    }
    expect(workerModels.activeMissing()).toBeUndefined();
    expect((await settled(id)).status).toBe('ready');
    // Postponed, not failed: the attempt that embedded it is its first.
    expect((await queue.getJob(id))?.attemptsMade).toBe(1);
  });
});
