import { ClipModel } from '@sis/clip';
import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createDatabase, ModelRepository, pingDatabase } from '@sis/db';
import { createServiceApp } from '@sis/http';
import { createRedisConnection, EmbedQueue } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { startTelemetry } from '@sis/telemetry';
import { createEmbedWorker, type EmbedWorker } from './embed-worker.js';
import { registerModel } from './register-model.js';
import { WorkerMetrics } from './worker-metrics.js';

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

// The worker has no API; its health, readiness and metrics answer from the start, and /readyz
// says ready once the model is loaded.
const server = createServiceApp({
  service: 'worker',
  logger,
  metrics: metrics.registry,
  readiness: {
    model: async () => {
      if (!embedWorker) throw new Error('model still loading');
    },
    postgres: () => pingDatabase(db),
    redis: () => redis.ping(),
    storage: () => storage.ping(),
  },
}).listen(config.http.workerPort, config.http.internalHost);

stopOnSignals(logger, async () => {
  await embedWorker?.close();
  await queue.close();
  redis.disconnect();
  await db.destroy();
  storage.destroy();
  server.close();
  await telemetry.shutdown();
});

try {
  logger.info({ model: config.clip.model }, 'loading CLIP image tower');
  const clip = await ClipModel.load({ ...config.clip, towers: ['vision'], maxPixels: config.limits.maxPixels });
  const model = await registerModel(new ModelRepository({ db }), clip, { source: config.clip.model, dtype: config.clip.dtype ?? null }, logger);
  embedWorker = createEmbedWorker({ config, logger, db, storage, redis, queue, clip, model: { id: model.id, source: model.source }, metrics });
  logger.info({ model: clip.modelId, batch: config.worker.embedBatch, concurrency: config.worker.concurrency }, 'worker ready');
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'worker failed to start');
  process.exit(1);
}
