import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { ClipModel } from '@sis/clip';
import type { Config, Logger } from '@sis/config';
import { ImageRepository, ImageStatsRepository, type Database, type Kysely } from '@sis/db';
import { LeaderLock, QUEUE_NAMES, WorkerRegistry, type EmbedImageJob, type EmbedQueue, type Redis } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import { EmbedBatcher } from './embed-batcher.js';
import { EmbedImageHandler, type JobOutcome } from './handlers/embed-image.handler.js';
import { Sweeper } from './sweeper.js';
import type { WorkerMetrics } from './worker-metrics.js';

export interface EmbedWorkerDeps {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  storage: ObjectStorage;
  /** Redis for BullMQ (which opens its own blocking connection from it) and the leader lock. */
  redis: Redis;
  queue: EmbedQueue;
  clip: ClipModel;
  /** Where the worker counts its jobs; made before the model loads, so /metrics answers from the start. */
  metrics: WorkerMetrics;
}

/** The worker's moving parts, wired: BullMQ consumer, micro-batcher, handler and sweeper. */
export interface EmbedWorker {
  worker: Worker<EmbedImageJob, JobOutcome>;
  sweeper: Sweeper;
  /** Stops taking jobs, lets the jobs in hand finish, stops the sweeper. */
  close(): Promise<void>;
}

export function createEmbedWorker(deps: EmbedWorkerDeps): EmbedWorker {
  const { config, logger, clip, metrics } = deps;
  const images = new ImageRepository({ db: deps.db });
  const batcher = new EmbedBatcher({
    embed: (batch) => clip.embedPixels(batch),
    maxBatch: config.worker.embedBatch,
    maxWaitMs: config.worker.embedBatchWaitMs,
    onBatch: (size, seconds) => {
      metrics.batchSize.observe(size);
      metrics.inferSeconds.observe(seconds);
    },
  });
  const handler = new EmbedImageHandler({
    images,
    storage: deps.storage,
    batcher,
    preprocessor: clip.preprocessor,
    modelId: clip.modelId,
    maxPixels: config.limits.maxPixels,
    metrics,
    logger,
  });
  const worker = new Worker<EmbedImageJob, JobOutcome>(QUEUE_NAMES.embed, (job) => handler.handle(job), {
    connection: deps.redis,
    concurrency: config.worker.concurrency,
    prefix: config.redis.queuePrefix,
    lockDuration: config.worker.lockMs,
    // Check for jobs whose worker died as often as a lock can expire, not BullMQ's default 30 s.
    stalledInterval: config.worker.lockMs,
  });
  worker.on('completed', (_job, outcome) => metrics.jobs.inc({ outcome }));
  worker.on('failed', () => metrics.jobs.inc({ outcome: 'failed' }));
  worker.on('error', (error) => logger.error({ err: error }, 'queue connection error'));

  const sweeper = new Sweeper({
    images,
    stats: new ImageStatsRepository({ db: deps.db }),
    storage: deps.storage,
    queue: deps.queue,
    lock: new LeaderLock(deps.redis, `${config.redis.queuePrefix}:sweeper`, Math.max(config.worker.sweepIntervalMs * 3, 10_000)),
    intervalMs: config.worker.sweepIntervalMs,
    graceMs: config.worker.sweepGraceMs,
    pendingExpirySeconds: config.limits.presignExpiresSeconds + config.worker.uploadExpiryMarginSeconds,
    logger,
  });
  sweeper.start();

  // Announce this worker for the dashboard every few seconds; the entry expires if it dies.
  const registry = new WorkerRegistry(deps.redis, config.redis.queuePrefix);
  const self = { id: randomUUID(), host: hostname(), pid: process.pid, model: clip.modelId, batch: config.worker.embedBatch, concurrency: config.worker.concurrency, startedAt: new Date().toISOString() };
  const announce = async () => {
    const { values } = await metrics.jobs.get();
    const jobs = Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
    await registry.announce({ ...self, jobs }).catch((error: unknown) => logger.warn({ err: error }, 'could not announce worker'));
  };
  void announce();
  const heartbeat = setInterval(() => void announce(), 5_000);
  heartbeat.unref();

  return {
    worker,
    sweeper,
    async close() {
      clearInterval(heartbeat);
      await sweeper.stop();
      await worker.close();
      await registry.remove(self.id).catch(() => undefined);
    },
  };
}
