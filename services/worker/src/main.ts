import { setFlagsFromString } from 'node:v8';
import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createDatabase, ModelRepository, pingDatabase } from '@sis/db';
import { createServiceApp } from '@sis/http';
import { createRedisConnection, EmbedQueue } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { startTelemetry } from '@sis/telemetry';
import { createEmbedWorker, type EmbedWorker } from './embed-worker.js';
import { registerModelSetting } from './register-model.js';
import { WorkerMetrics } from './worker-metrics.js';
import { WorkerModels } from './worker-models.js';

// Each image passes megabytes of short-lived buffers (decoded pixels, tensors) that V8 counts
// toward its next full collection. At V8's default growth the worker's ~45 MB heap was marked in
// full every five images (58 full and 47 young collections for 300 photos, 4 ms of the main
// thread per image); letting the heap grow to four times its live size first cut that to 14 full
// collections. Set here rather than on every command line that starts the worker; V8 reads it
// whenever it sizes the heap.
setFlagsFromString('--heap-growing-percent=300');

const config = loadConfig();
// First, so every span from here on is recorded (or, with no endpoint, is the API's no-op).
const telemetry = await startTelemetry({ service: 'worker', endpoint: config.telemetry.otlpEndpoint });
const logger = createLogger(config, 'worker');
const db = createDatabase({
  url: config.database.url,
  poolSize: config.database.poolSize,
  onConnectionError: (error) => logger.warn({ err: error }, 'a database connection was lost; the pool opens a new one when needed'),
});
const storage = new ObjectStorage(config.s3);
const redis = createRedisConnection(config.redis.url);
redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error; reconnecting'));
const queue = new EmbedQueue({ connection: redis, prefix: config.redis.queuePrefix });
const metrics = new WorkerMetrics();
let embedWorker: EmbedWorker | undefined;
const models = new ModelRepository({ db });
const workerModels = new WorkerModels({
  models,
  // The tower runs in a thread of its own: in this one, each batch stopped the event loop for as
  // long as it ran (p99 0.37-0.49 s at EMBED_BATCH 8 and 32 in the bench), health checks and
  // lock renewals included.
  base: { ...config.clip, towers: ['vision'], maxPixels: config.limits.maxPixels, spin: false, visionThread: true },
  maxBatch: config.worker.embedBatch,
  maxWaitMs: config.worker.embedBatchWaitMs,
  metrics,
  logger,
});

// The worker has no API; its health, readiness and metrics answer from the start, and /readyz
// says ready once its models are loaded.
const server = createServiceApp({
  service: 'worker',
  logger,
  metrics: metrics.registry,
  readiness: {
    model: async () => {
      if (!embedWorker) throw new Error('models still loading');
    },
    postgres: () => pingDatabase(db),
    redis: () => redis.ping(),
    storage: () => storage.ping(),
  },
}).listen(config.http.workerPort, config.http.internalHost);

stopOnSignals(logger, async () => {
  await embedWorker?.close();
  await workerModels.stop();
  await queue.close();
  redis.disconnect();
  await db.destroy();
  storage.destroy();
  server.close();
  await telemetry.shutdown();
});

try {
  const setting = { source: config.clip.model, dtype: config.clip.dtype ?? null };
  const own = await registerModelSetting(models, setting, logger);
  if (!own) logger.warn(setting, 'the model CLIP_MODEL names was retired; the worker embeds with the live models only (register it again with POST /v1/models)');
  logger.info({ model: config.clip.model }, 'loading the image tower of every live model');
  await workerModels.refresh();
  // The model the settings name must load: a typo in CLIP_MODEL stops the worker with the reason.
  if (own && !workerModels.held().some(({ id }) => id === own.id)) throw new Error(workerModels.errorOf(own.id) ?? `model ${own.id} did not load`);
  if (workerModels.held().length === 0) throw new Error('no live model to embed with: register one with POST /v1/models');
  workerModels.start();
  embedWorker = createEmbedWorker({ config, logger, db, storage, redis, queue, models: workerModels, metrics });
  logger.info({ models: workerModels.held().map(({ id, source }) => ({ id, source })), batch: config.worker.embedBatch, concurrency: config.worker.concurrency }, 'worker ready');
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'worker failed to start');
  process.exit(1);
}
