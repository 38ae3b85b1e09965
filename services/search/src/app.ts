import type { Logger } from '@sis/config';
import { createMetricsRegistry, createServiceApp, requireInternalToken, type ReadinessChecks } from '@sis/http';
import express, { type Express } from 'express';
import { searchRoutes } from './routes/search.routes.js';
import type { SearchService } from './services/search.service.js';

export interface SearchAppOptions {
  logger: Logger;
  search: SearchService;
  /** What /readyz checks. */
  readiness: ReadinessChecks;
  /** The secret the gateway must show (INTERNAL_TOKEN); none needed when unset (loopback only). */
  internalToken?: string;
  /** Largest photo a search takes, in bytes: MAX_UPLOAD_BYTES, as for uploads. */
  maxPhotoBytes: number;
}

/** Builds the search service's express app from its dependencies; no module-level state. */
export function createApp(options: SearchAppOptions): Express {
  return createServiceApp({
    service: 'search',
    logger: options.logger,
    metrics: createMetricsRegistry('search'),
    readiness: options.readiness,
    routes: (app) => {
      if (options.internalToken) app.use('/search', requireInternalToken(options.internalToken));
      app.use(express.json({ limit: '64kb' }));
      app.use(searchRoutes(options.search, { maxPhotoBytes: options.maxPhotoBytes }));
    },
  });
}
