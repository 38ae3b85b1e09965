import { checkReadiness, type Config, type Logger } from '@sis/config';
import { errorHandler, notFound, requestId } from '@sis/contracts/http';
import { ApiKeyRepository, ImageRepository, IngestBatchRepository, pingDatabase, type Database, type Kysely } from '@sis/db';
import { WorkerRegistry, type EmbedQueue, type Redis } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import cors from 'cors';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { GatewayMetrics } from './gateway-metrics.js';
import { authenticate, requireScope } from './middleware/auth.middleware.js';
import { basicAdminAuth } from './middleware/basic-auth.middleware.js';
import { rateLimitPerMinute } from './middleware/rate-limit.middleware.js';
import { buildOpenApiDocument } from './openapi.js';
import { docsRoutes } from './routes/docs.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { imageRoutes } from './routes/images.routes.js';
import { keyRoutes } from './routes/keys.routes.js';
import { legacyRoutes } from './routes/legacy.routes.js';
import { operationsRoutes } from './routes/operations.routes.js';
import { pageRoutes } from './routes/pages.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { uploadRoutes } from './routes/uploads.routes.js';
import { ApiKeyService } from './services/api-key.service.js';
import { ImageService } from './services/image.service.js';
import { LegacyService } from './services/legacy.service.js';
import { OperationsService } from './services/operations.service.js';
import { SearchClient } from './services/search.client.js';
import { UploadService } from './services/upload.service.js';

export const API_VERSION = '1.0.0';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  storage: ObjectStorage;
  redis: Redis;
  queue: EmbedQueue;
}

/** Builds the gateway: every service wired from its dependencies, no module-level state. */
export function createApp(deps: GatewayDeps): Express {
  const { config, logger, db, storage, redis, queue } = deps;
  const images = new ImageRepository(db);
  const batches = new IngestBatchRepository(db);
  const metrics = new GatewayMetrics({ queue, images });
  const search = new SearchClient(config.http.searchUrl, config.search.timeoutMs);
  const keys = new ApiKeyService(new ApiKeyRepository(db), config.auth.adminToken);
  const imageService = new ImageService({ images, storage, queue, metrics });
  const uploads = new UploadService({ images, batches, storage, queue, imageService, limits: config.limits, metrics, logger });
  const operations = new OperationsService({ images, batches, queue, workers: new WorkerRegistry(redis, config.redis.queuePrefix), imageService });
  const legacy = new LegacyService({ images, storage, uploads, imageService, search, waitMs: config.limits.legacyWaitMs });

  const publicRead = { publicRead: config.http.publicRead };
  const canRead = requireScope('read', publicRead);
  const canWrite = requireScope('write');
  const isAdmin = requireScope('admin');
  const maxUploadBytes = config.limits.maxUploadBytes;

  const groups = {
    health: healthRoutes({
      metrics: metrics.registry,
      readiness: () =>
        checkReadiness({ postgres: () => pingDatabase(db), redis: () => redis.ping(), storage: () => storage.ping(), search: () => search.ping() }),
    }),
    uploads: uploadRoutes({ uploads, canWrite, maxUploadBytes }),
    images: imageRoutes({ images: imageService, search, canRead, canWrite }),
    search: searchRoutes({ search, images: imageService, canRead }),
    operations: operationsRoutes({ operations, canRead, isAdmin }),
    keys: keyRoutes({ keys, isAdmin }),
    legacy: legacyRoutes({ legacy, authenticate: authenticate(keys), maxUploadBytes, logger }),
  };
  const openApiDocument = buildOpenApiDocument(Object.values(groups).map((g) => g.registry), API_VERSION);

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.use(requestId());
  app.use(pinoHttp({ logger, genReqId: (req) => (req as express.Request).requestId, autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' } }));
  app.use(
    cors({
      origin: config.http.allowedOrigins.includes('*') ? true : config.http.allowedOrigins,
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
      maxAge: 600,
    }),
  );
  app.use((req, res, next) => {
    const end = metrics.httpSeconds.startTimer({ method: req.method });
    res.on('finish', () => end({ route: req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched', status: String(res.statusCode) }));
    next();
  });

  app.use(groups.health.router);
  app.use(docsRoutes(openApiDocument));
  app.use(pageRoutes({ queue, adminAuth: basicAdminAuth(keys) }));

  app.use(['/v1', '/images'], express.json({ limit: '1mb' }));
  app.use('/v1', authenticate(keys));
  app.use(['/v1', '/images'], rateLimitPerMinute(config.limits.rateLimitPerMinute, redis, config.redis.queuePrefix));
  for (const group of [groups.uploads, groups.images, groups.search, groups.operations, groups.keys, groups.legacy]) app.use(group.router);

  app.use(notFound());
  app.use(errorHandler(logger));
  return app;
}
