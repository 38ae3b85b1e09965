import { checkReadiness, type Config, type Logger, type Readiness } from '@sis/config';
import { errorHandler, notFound, requestId } from '@sis/contracts/http';
import { ApiKeyRepository, ImageRepository, IngestBatchRepository, pingDatabase, type Database, type Kysely } from '@sis/db';
import { WorkerRegistry, type EmbedQueue, type Redis } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
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

interface RouteGroupDeps {
  canRead: RequestHandler;
  canWrite: RequestHandler;
  isAdmin: RequestHandler;
  authenticate: RequestHandler;
  maxUploadBytes: number;
  readiness: () => Promise<Readiness>;
  metricsRegistry: Registry;
  logger: Logger;
  uploads: UploadService;
  imageService: ImageService;
  search: SearchClient;
  operations: OperationsService;
  keys: ApiKeyService;
  legacy: LegacyService;
}

/** Every documented route group. Building one only captures its dependencies; nothing is called. */
function routeGroups(d: RouteGroupDeps) {
  return {
    health: healthRoutes({ metrics: d.metricsRegistry, readiness: d.readiness }),
    uploads: uploadRoutes({ uploads: d.uploads, canWrite: d.canWrite, maxUploadBytes: d.maxUploadBytes }),
    images: imageRoutes({ images: d.imageService, search: d.search, canRead: d.canRead, canWrite: d.canWrite }),
    search: searchRoutes({ search: d.search, images: d.imageService, canRead: d.canRead }),
    operations: operationsRoutes({ operations: d.operations, canRead: d.canRead, isAdmin: d.isAdmin }),
    keys: keyRoutes({ keys: d.keys, isAdmin: d.isAdmin }),
    legacy: legacyRoutes({ legacy: d.legacy, authenticate: d.authenticate, maxUploadBytes: d.maxUploadBytes, logger: d.logger }),
  };
}

/**
 * The OpenAPI document on its own, with nothing connected: what the CLI's typed client is
 * generated from. Route groups only capture their dependencies, so placeholders do.
 */
export function describeApi(): object {
  const unused = undefined as never;
  // express checks that middleware are functions when a route is declared.
  const pass: RequestHandler = (_req, _res, next) => next();
  const groups = routeGroups({
    canRead: pass, canWrite: pass, isAdmin: pass, authenticate: pass, maxUploadBytes: 1, readiness: unused,
    metricsRegistry: unused, logger: unused, uploads: unused, imageService: unused, search: unused,
    operations: unused, keys: unused, legacy: unused,
  });
  return buildOpenApiDocument(Object.values(groups).map((g) => g.registry), API_VERSION);
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
  const groups = routeGroups({
    canRead: requireScope('read', publicRead),
    canWrite: requireScope('write'),
    isAdmin: requireScope('admin'),
    authenticate: authenticate(keys),
    maxUploadBytes: config.limits.maxUploadBytes,
    readiness: () => checkReadiness({ postgres: () => pingDatabase(db), redis: () => redis.ping(), storage: () => storage.ping(), search: () => search.ping() }),
    metricsRegistry: metrics.registry,
    logger,
    uploads,
    imageService,
    search,
    operations,
    keys,
    legacy,
  });
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
