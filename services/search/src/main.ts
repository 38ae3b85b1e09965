import { ClipModel, QueryEncoder } from '@sis/clip';
import { createLogger, loadConfig, stopOnSignals } from '@sis/config';
import { createDatabase, createReadDatabase, EmbeddingRepository, ImageRepository, ModelRepository, pingDatabase } from '@sis/db';
import { startTelemetry } from '@sis/telemetry';
import { createApp } from './app.js';
import { activeModelId } from './active-model.js';
import { SearchService } from './services/search.service.js';

const config = loadConfig();
// First, so every span from here on is recorded (or, with no endpoint, is the API's no-op).
const telemetry = await startTelemetry({ service: 'search', endpoint: config.telemetry.otlpEndpoint });
const logger = createLogger(config, 'search');

let clip: ClipModel;
try {
  logger.info({ model: config.clip.model }, 'loading CLIP text tower');
  clip = await ClipModel.load({ ...config.clip, towers: ['text'] });
} catch (error) {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'search failed to start');
  process.exit(1);
}

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
const search = new SearchService({
  images: new ImageRepository({ db }),
  embeddings: new EmbeddingRepository({ db, sessionEfSearch: config.search.efSearch }),
  encoder: new QueryEncoder({ model: clip, cacheSize: config.search.cacheSize }),
  efSearch: config.search.efSearch,
  vectorModel: activeModelId(new ModelRepository({ db }), { source: config.clip.model, dtype: config.clip.dtype ?? null }),
});
const app = createApp({ logger, search, readiness: { postgres: () => pingDatabase(db) }, internalToken: config.http.internalToken });
const server = app.listen(config.http.searchPort, config.http.internalHost, () => {
  logger.info({ port: config.http.searchPort, model: clip.modelId }, 'search listening');
});
stopOnSignals(logger, async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await db.destroy();
  await clip.dispose();
  await telemetry.shutdown();
});
