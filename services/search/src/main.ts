import { ModelPool } from '@sis/clip';
import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createDatabase, createReadDatabase, ModelRepository, pingDatabase } from '@sis/db';
import { startTelemetry } from '@sis/telemetry';
import { createApp } from './app.js';
import { createSearchService } from './create-search-service.js';
import { SearchModels } from './search-models.js';

const config = loadConfig();
// First, so every span from here on is recorded (or, with no endpoint, is the API's no-op).
const telemetry = await startTelemetry({ service: 'search', endpoint: config.telemetry.otlpEndpoint });
const logger = createLogger(config, 'search');

// Connections start at the configured ef_search, so ordinary queries need no transaction.
// Search only reads: from the replica when there is one (the primary while it is away).
const poolOptions = {
  poolSize: config.database.poolSize,
  efSearch: config.search.efSearch,
  onConnectionError: (error: Error) => logger.warn({ err: error }, 'a database connection was lost; the pool opens a new one when needed'),
};
const db = config.database.readUrl
  ? createReadDatabase({
      ...poolOptions,
      replicaUrl: config.database.readUrl,
      primaryUrl: config.database.url,
      onReadFrom: (server, error) =>
        server === 'primary'
          ? logger.warn({ reason: error?.message }, 'the read replica cannot be reached; reading from the primary until it is back')
          : logger.info('reading from the read replica again'),
    })
  : createDatabase({ ...poolOptions, url: config.database.url });
// The text tower of every model a worker has loaded, so search follows a switch at once.
const pool = new ModelPool({
  base: { ...config.clip, towers: ['text'] },
  onLoaded: async (spec) => logger.info({ modelId: spec.id, source: spec.source }, 'text tower loaded'),
  onError: (spec, error) => logger.error({ err: error, modelId: spec.id, source: spec.source }, 'text tower failed to load; searches with this model answer 503 until it loads'),
});
// The image tower, for searches with a photo: loaded by the first one, not before.
const photos = new ModelPool({
  base: { ...config.clip, towers: ['vision'], maxPixels: config.limits.maxPixels },
  onLoaded: async (spec) => logger.info({ modelId: spec.id, source: spec.source }, 'image tower loaded, for searches with a photo'),
  onError: (spec, error) => logger.error({ err: error, modelId: spec.id, source: spec.source }, 'image tower failed to load; searches with a photo answer 503 until it loads'),
});
const models = new SearchModels({ models: new ModelRepository({ db }), pool, photos, cacheSize: config.search.cacheSize });
const search = createSearchService(db, { models, efSearch: config.search.efSearch, sessionEfSearch: config.search.efSearch });
// Loads the active model's text tower now rather than at the first search.
void models.resolve().catch((error: unknown) => logger.warn({ err: error }, 'cannot look up the active model yet'));
const app = createApp({ logger, search, readiness: { postgres: () => pingDatabase(db), model: async () => void (await models.resolve()) }, internalToken: config.http.internalToken, maxPhotoBytes: config.limits.maxUploadBytes });
const server = app.listen(config.http.searchPort, config.http.internalHost, () => {
  logger.info({ port: config.http.searchPort }, 'search listening');
});
stopOnSignals(logger, async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await db.destroy();
  await pool.dispose();
  await photos.dispose();
  await telemetry.shutdown();
});
