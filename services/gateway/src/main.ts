import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createDatabase } from '@sis/db';
import { createRequestConnection, EmbedQueue } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { startTelemetry } from '@sis/telemetry';
import { createApp } from './app.js';

const config = loadConfig();
// First, so every span from here on is recorded (or, with no endpoint, is the API's no-op).
const telemetry = await startTelemetry({ service: 'gateway', endpoint: config.telemetry.otlpEndpoint });
const logger = createLogger(config, 'gateway');
if (!config.auth.adminToken) logger.warn('ADMIN_TOKEN is not set: nobody can create API keys or use admin routes');

const db = createDatabase({
  url: config.database.url,
  poolSize: config.database.poolSize,
  onConnectionError: (error) => logger.warn({ err: error }, 'a database connection was lost; the pool opens a new one when needed'),
});
const storage = new ObjectStorage(config.s3);
// Request paths must not wait on a Redis that is away: commands fail at once, and the rate
// limiter, enqueueing and operations each decide what that means.
const redis = createRequestConnection(config.redis.url);
redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error; reconnecting'));
const queue = new EmbedQueue({ connection: redis, prefix: config.redis.queuePrefix });
const server = createApp({ config, logger, db, storage, redis, queue }).listen(config.http.gatewayPort, config.http.host, () => {
  logger.info({ port: config.http.gatewayPort, host: config.http.host }, 'gateway listening');
});

stopOnSignals(logger, async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await queue.close();
  redis.disconnect();
  await db.destroy();
  storage.destroy();
  await telemetry.shutdown();
});
