import type { Config, Logger } from '@sis/config';
import { ApiKeyRepository, ImageRepository, ImageStatsRepository, IngestBatchRepository, ModelRepository, pingDatabase, type Database, type Kysely } from '@sis/db';
import { createServiceApp, limitAuthFailures, MemoryBudget, rateLimitPerMinute, receiveFile, sameOriginWrites } from '@sis/http';
import { WorkerRegistry, type EmbedQueue, type Redis } from '@sis/queue';
import { forwardToStorage, type ObjectStorage } from '@sis/storage';
import cors from 'cors';
import type { Express, RequestHandler } from 'express';
import { GatewayMetrics } from './gateway-metrics.js';
import { authenticate, ProvenTokens, requireLegacyScope, requireScope } from './middleware/auth.middleware.js';
import { basicAdminAuth } from './middleware/basic-auth.middleware.js';
import { buildOpenApiDocument, type Guards } from './openapi.js';
import { docsRoutes } from './routes/docs.routes.js';
import { healthDocs } from './routes/health.routes.js';
import { imageRoutes } from './routes/images.routes.js';
import { keyRoutes } from './routes/keys.routes.js';
import { legacyErrors, legacyRoutes } from './routes/legacy.routes.js';
import { modelRoutes } from './routes/models.routes.js';
import { operationsRoutes } from './routes/operations.routes.js';
import { pageRoutes } from './routes/pages.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { uploadRoutes } from './routes/uploads.routes.js';
import { ApiKeyService } from './services/api-key.service.js';
import { ImageService } from './services/image.service.js';
import { LegacyService } from './services/legacy.service.js';
import { ModelService } from './services/model.service.js';
import { sharedImageStats } from './services/image-stats.js';
import { OperationsService } from './services/operations.service.js';
import { SearchClient } from './services/search.client.js';
import { SearchService } from './services/search.service.js';
import { UploadService } from './services/upload.service.js';

export const API_VERSION = '1.0.0';

export interface GatewayOptions {
  config: Config;
  logger: Logger;
  db: Kysely<Database>;
  storage: ObjectStorage;
  redis: Redis;
  queue: EmbedQueue;
}

/** What the route groups are built from: the services, and the guard each scope puts first. */
interface RouteGroupsOptions {
  guards: Guards;
  /** The original routes' guards: their own, answering the original's bare 401. */
  legacyGuards: Guards;
  /** Receives multipart files for both upload routes, within one memory budget. */
  receiveUpload: RequestHandler;
  /** Receives the photo of a multipart search, within the same budget. */
  receivePhoto: RequestHandler;
  logger: Logger;
  uploads: UploadService;
  images: ImageService;
  search: SearchService;
  operations: OperationsService;
  keys: ApiKeyService;
  models: ModelService;
  legacy: LegacyService;
}

/** Every documented route group. Building one only captures its dependencies; nothing is called. */
function routeGroups(o: RouteGroupsOptions) {
  const { guards } = o;
  return {
    uploads: uploadRoutes({ uploads: o.uploads, guards, receiveUpload: o.receiveUpload }),
    images: imageRoutes({ images: o.images, search: o.search, guards }),
    search: searchRoutes({ search: o.search, guards, receivePhoto: o.receivePhoto }),
    operations: operationsRoutes({ operations: o.operations, guards }),
    keys: keyRoutes({ keys: o.keys, guards }),
    models: modelRoutes({ models: o.models, guards }),
    legacy: legacyRoutes({ legacy: o.legacy, guards: o.legacyGuards, receiveUpload: o.receiveUpload, logger: o.logger }),
  };
}

function openApiDocument(groups: ReturnType<typeof routeGroups>): object {
  return buildOpenApiDocument([healthDocs(), ...Object.values(groups).map((group) => group.registry)], API_VERSION);
}

/**
 * The OpenAPI document on its own, with nothing connected: what the CLI's typed client is
 * generated from. Route groups only capture their dependencies, so placeholders do.
 */
export function describeApi(): object {
  const unused = undefined as never;
  // express checks that middleware are functions when a route is declared.
  const pass: RequestHandler = (_req, _res, next) => next();
  const guards = { read: pass, write: pass, admin: pass };
  return openApiDocument(
    routeGroups({
      guards, legacyGuards: guards, receiveUpload: pass, receivePhoto: pass, logger: unused,
      uploads: unused, images: unused, search: unused, operations: unused, keys: unused, models: unused, legacy: unused,
    }),
  );
}

/** Builds the gateway: every service wired from its dependencies, no module-level state. */
export function createApp(options: GatewayOptions): Express {
  const { config, logger, db, storage, redis, queue } = options;
  const imageRecords = new ImageRepository({ db });
  const stats = sharedImageStats(new ImageStatsRepository({ db }));
  const batches = new IngestBatchRepository({ db });
  const metrics = new GatewayMetrics({ queue, stats });
  const searchClient = new SearchClient({ urls: config.http.searchUrls, timeoutMs: config.search.timeoutMs, internalToken: config.http.internalToken });
  const keys = new ApiKeyService({ keys: new ApiKeyRepository({ db }), adminToken: config.auth.adminToken });
  const proven = new ProvenTokens();
  const images = new ImageService({ images: imageRecords, storage, queue, metrics });
  const uploads = new UploadService({ images: imageRecords, batches, storage, queue, imageService: images, limits: config.limits, metrics, logger });
  const workers = new WorkerRegistry({ redis, prefix: config.redis.queuePrefix });
  // Files received through the gateway, uploads and photos searched with alike, share one budget.
  const memory = new MemoryBudget(config.limits.directUploadMemoryBytes);
  const groups = routeGroups({
    guards: { read: requireScope('read', { publicRead: config.http.publicRead }), write: requireScope('write'), admin: requireScope('admin') },
    legacyGuards: {
      // The original listed every image to anyone; LEGACY_PUBLIC_READ=false asks for a key.
      read: config.http.legacyPublicRead ? (_req, _res, next) => next() : requireLegacyScope('read', authenticate(keys, proven)),
      write: requireLegacyScope('write', authenticate(keys, proven)),
    },
    receiveUpload: receiveFile({ field: 'file', maxBytes: config.limits.maxUploadBytes, memory }),
    receivePhoto: receiveFile({ field: 'image', maxBytes: config.limits.maxUploadBytes, memory }),
    logger,
    uploads,
    images,
    search: new SearchService({ client: searchClient, images, limits: config.limits }),
    operations: new OperationsService({ images: imageRecords, stats, batches, queue, workers, imageService: images }),
    keys,
    models: new ModelService({ models: new ModelRepository({ db }) }),
    legacy: new LegacyService({ images: imageRecords, storage, uploads, imageService: images, search: searchClient, waitMs: config.limits.legacyWaitMs }),
  });
  const document = openApiDocument(groups);

  const { endpoint, gatewayPath } = config.s3;
  return createServiceApp({
    service: 'gateway',
    logger,
    // Public: a client's traceparent would let it choose trace ids or turn tracing off.
    continueCallerTraces: false,
    // Presigned URLs point here when storage is reachable from this machine only (S3_VIA_GATEWAY).
    passThrough: endpoint && gatewayPath ? [forwardToStorage({ endpoint, bucket: storage.bucket, path: gatewayPath })] : [],
    metrics: metrics.registry,
    readiness: { postgres: () => pingDatabase(db), redis: () => redis.ping(), storage: () => storage.ping(), search: () => searchClient.ping() },
    // Thumbnails and uploads go straight to storage, so the pages must be allowed to reach it.
    trustedOrigins: [storage.urlOrigin],
    middleware: [
      cors({
        origin: config.http.allowedOrigins.includes('*') ? true : config.http.allowedOrigins,
        exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
        maxAge: 600,
      }),
    ],
    routes: (app) => {
      // Only the proxies the operator names may say who the client is (X-Forwarded-For): from
      // anyone else it would be a fresh rate-limit budget per made-up address.
      app.set('trust proxy', config.http.trustProxy);
      app.use(docsRoutes(document));
      const authFailures = limitAuthFailures({
        perMinute: config.auth.failuresPerMinute,
        redis,
        prefix: config.redis.queuePrefix,
        logger,
        proven: (req) => proven.has(req),
      });
      app.use('/admin/queues', authFailures);
      // The browser sends Bull Board's Basic credentials by itself, so another site could make it
      // add or remove jobs: its writes must come from its own pages.
      app.use('/admin/queues', sameOriginWrites());
      app.use(pageRoutes({ queue, adminAuth: basicAdminAuth(keys) }));

      app.use(['/v1', '/images'], authFailures);
      app.use('/v1', authenticate(keys, proven));
      const perMinute = config.limits.rateLimitPerMinute;
      app.use(['/v1', '/images'], rateLimitPerMinute({ perMinute, redis, prefix: config.redis.queuePrefix, principalId: (req) => req.principal?.id, logger }));
      // The limits' 429s on the original's routes come in the original's shape, like its other errors.
      app.use('/images', legacyErrors(logger));
      for (const group of Object.values(groups)) app.use(group.router);
    },
  });
}
