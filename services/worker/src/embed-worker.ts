import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Config, Logger } from '@sis/config';
import { ImageRepository, ImageStatsRepository, ModelRepository, type Database, type Kysely } from '@sis/db';
import { jobProcessor, LeaderLock, OUTAGE_DELAY_MS, QUEUE_NAMES, WorkerRegistry, type EmbedQueue, type Redis } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import { EmbedImageHandler, type JobOutcome } from './handlers/embed-image.handler.js';
import { ReembedImageHandler } from './handlers/reembed-image.handler.js';
import { ReadyWriter } from './ready-writer.js';
import { Reembedder } from './reembedder.js';
import { Sweeper } from './sweeper.js';
import type { WorkerMetrics } from './worker-metrics.js';
import type { WorkerModels } from './worker-models.js';

export interface EmbedWorkerOptions {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  storage: ObjectStorage;
  /** Redis for BullMQ (which opens its own blocking connection from it) and the leader lock. */
  redis: Redis;
  queue: EmbedQueue;
  /** Every live model, loaded: new uploads get a vector from each, re-embedding jobs from one. */
  models: WorkerModels;
  /** Where the worker counts its jobs; made before the model loads, so /metrics answers from the start. */
  metrics: WorkerMetrics;
}

/** The worker's moving parts, wired: BullMQ consumer, handlers, sweeper and re-embedding. */
export interface EmbedWorker {
  worker: Worker;
  sweeper: Sweeper;
  reembedder: Reembedder;
  /** Stops taking jobs, lets the jobs in hand finish, stops the sweeper. */
  close(): Promise<void>;
}

/** How often, in ms, the worker tells the dashboard it is alive. */
const ANNOUNCE_INTERVAL_MS = 5_000;
/** How often, in ms, the re-embedding leader tops up the backlog, and how many jobs it keeps waiting. */
const REEMBED_INTERVAL_MS = 2_000;
const REEMBED_BACKLOG = 2_000;

export function createEmbedWorker(options: EmbedWorkerOptions): EmbedWorker {
  const { config, logger, models, metrics, redis } = options;
  const images = new ImageRepository({ db: options.db });
  const handlers = [
    new EmbedImageHandler({ images, ready: new ReadyWriter(images, config.worker.concurrency), storage: options.storage, models: () => models.held(), activeMissing: () => models.activeMissing(), maxPixels: config.limits.maxPixels, metrics, logger }),
    new ReembedImageHandler({ images, storage: options.storage, model: (id) => models.require(id), maxPixels: config.limits.maxPixels, logger }),
  ];
  // Checks that every job name has exactly one handler before a job is taken.
  const processor = jobProcessor<JobOutcome>({ handlers, onOutage: (error) => pauseForOutage(error) });
  const worker = new Worker(QUEUE_NAMES.embed, processor, {
    connection: redis,
    concurrency: config.worker.concurrency,
    prefix: config.redis.queuePrefix,
    lockDuration: config.worker.lockMs,
    // Check for jobs whose worker died as often as a lock can expire, not BullMQ's default 30 s.
    stalledInterval: config.worker.lockMs,
  });
  worker.on('completed', (_job, outcome: JobOutcome) => metrics.jobs.inc({ outcome }));
  worker.on('failed', () => metrics.jobs.inc({ outcome: 'failed' }));
  worker.on('error', (error) => logger.error({ err: error }, 'queue connection error'));
  // While a dependency is away, take no new jobs for a while: each would only be postponed too.
  let outageTimer: NodeJS.Timeout | undefined;
  const pauseForOutage = (error: Error) => {
    if (outageTimer) return;
    logger.warn({ err: error }, `a dependency is unavailable; jobs wait ${OUTAGE_DELAY_MS / 1000} s without spending attempts`);
    worker.pause(true);
    outageTimer = setTimeout(() => {
      outageTimer = undefined;
      if (!worker.closing) worker.resume();
    }, OUTAGE_DELAY_MS);
  };

  const sweeper = new Sweeper({
    images,
    stats: new ImageStatsRepository({ db: options.db }),
    storage: options.storage,
    queue: options.queue,
    lock: new LeaderLock({ redis, name: `${config.redis.queuePrefix}:sweeper`, ttlMs: Math.max(config.worker.sweepIntervalMs * 3, 10_000) }),
    intervalMs: config.worker.sweepIntervalMs,
    graceMs: config.worker.sweepGraceMs,
    pendingExpirySeconds: config.limits.presignExpiresSeconds + config.worker.uploadExpiryMarginSeconds,
    logger,
  });
  sweeper.start();
  const reembedder = new Reembedder({
    models: new ModelRepository({ db: options.db }),
    queue: options.queue,
    lock: new LeaderLock({ redis, name: `${config.redis.queuePrefix}:reembed`, ttlMs: REEMBED_INTERVAL_MS * 5 }),
    intervalMs: REEMBED_INTERVAL_MS,
    maxBacklog: REEMBED_BACKLOG,
    logger,
  });
  reembedder.start();

  // Announce this worker for the dashboard every few seconds; the entry expires if it dies.
  const registry = new WorkerRegistry({ redis, prefix: config.redis.queuePrefix });
  const self = { id: randomUUID(), host: hostname(), pid: process.pid, batch: config.worker.embedBatch, concurrency: config.worker.concurrency, startedAt: new Date().toISOString() };
  const announce = async () => {
    const { values } = await metrics.jobs.get();
    const jobs = Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
    await registry.announce({ ...self, model: models.held().map(({ source }) => source).join(', '), jobs }).catch((error: unknown) => logger.warn({ err: error }, 'could not announce worker'));
  };
  void announce();
  const heartbeat = setInterval(() => void announce(), ANNOUNCE_INTERVAL_MS);
  heartbeat.unref();

  return {
    worker,
    sweeper,
    reembedder,
    async close() {
      clearInterval(heartbeat);
      clearTimeout(outageTimer);
      await Promise.all([sweeper.stop(), reembedder.stop()]);
      await worker.close();
      await registry.remove(self.id).catch(() => undefined);
    },
  };
}
