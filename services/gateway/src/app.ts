import type { Config, Logger } from '@sis/config';
import { ApiKeyRepository, ImageRepository, ImageStatsRepository, IngestBatchRepository, pingDatabase, type Database, type Kysely } from '@sis/db';
import { WorkerRegistry, type EmbedQueue, type Redis } from '@sis/queue';
import type { ObjectStorage } from '@sis/storage';
import { createServiceApp, rateLimitPerMinute } from '@sis/http';
import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import { GatewayMetrics } from './gateway-metrics.js';
import { authenticate, requireScope } from './middleware/auth.middleware.js';
import { basicAdminAuth } from './middleware/basic-auth.middleware.js';
import { buildOpenApiDocument } from './openapi.js';
import { docsRoutes } from './routes/docs.routes.js';
import { healthDocs } from './routes/health.routes.js';
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
    canRead: pass, canWrite: pass, isAdmin: pass, authenticate: pass, maxUploadBytes: 1, logger: unused,
    uploads: unused, imageService: unused, search: unused, operations: unused, keys: unused, legacy: unused,
  });
  return buildOpenApiDocument([healthDocs(), ...Object.values(groups).map((g) => g.registry)], API_VERSION);
}

/** Builds the gateway: every service wired from its dependencies, no module-level state. */
export function createApp(deps: GatewayDeps): Express {
  const { config, logger, db, storage, redis, queue } = deps;
  const images = new ImageRepository({ db });
  const stats = new ImageStatsRepository({ db });
  const batches = new IngestBatchRepository({ db });
  const metrics = new GatewayMetrics({ queue, stats });
  const search = new SearchClient(config.http.searchUrl, config.search.timeoutMs);
  const keys = new ApiKeyService(new ApiKeyRepository({ db }), config.auth.adminToken);
  const imageService = new ImageService({ images, storage, queue, metrics });
  const uploads = new UploadService({ images, batches, storage, queue, imageService, limits: config.limits, metrics, logger });
  const operations = new OperationsService({ images, stats, batches, queue, workers: new WorkerRegistry(redis, config.redis.queuePrefix), imageService });
  const legacy = new LegacyService({ images, storage, uploads, imageService, search, waitMs: config.limits.legacyWaitMs });

  const publicRead = { publicRead: config.http.publicRead };
  const groups = routeGroups({
    canRead: requireScope('read', publicRead),
    canWrite: requireScope('write'),
    isAdmin: requireScope('admin'),
    authenticate: authenticate(keys),
    maxUploadBytes: config.limits.maxUploadBytes,
    logger,
    uploads,
    imageService,
    search,
    operations,
    keys,
    legacy,
  });
  const openApiDocument = buildOpenApiDocument([healthDocs(), ...Object.values(groups).map((g) => g.registry)], API_VERSION);

  return createServiceApp({
    service: 'gateway',
    logger,
    metrics: metrics.registry,
    readiness: { postgres: () => pingDatabase(db), redis: () => redis.ping(), storage: () => storage.ping(), search: () => search.ping() },
    routes: (app) => {
      app.set('trust proxy', 'loopback, linklocal, uniquelocal');
      app.use(
        cors({
          origin: config.http.allowedOrigins.includes('*') ? true : config.http.allowedOrigins,
          exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
          maxAge: 600,
        }),
      );
      app.use(docsRoutes(openApiDocument));
      app.use(pageRoutes({ queue, adminAuth: basicAdminAuth(keys) }));

      app.use(['/v1', '/images'], express.json({ limit: '1mb' }));
      app.use('/v1', authenticate(keys));
      app.use(['/v1', '/images'], rateLimitPerMinute({ perMinute: config.limits.rateLimitPerMinute, redis, prefix: config.redis.queuePrefix, principalId: (req) => req.principal?.id }));
      for (const group of Object.values(groups)) app.use(group.router);
    },
  });
}
