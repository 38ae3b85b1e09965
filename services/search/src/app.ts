import { registerPeakMemory, type Logger, type Readiness } from '@sis/config';
import { errorHandler, notFound, requestId } from '@sis/contracts/http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { healthRoutes } from './routes/health.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import type { SearchService } from './services/search.service.js';

export interface SearchAppDeps {
  logger: Logger;
  search: SearchService;
  readiness: () => Promise<Readiness>;
}

/** Builds the search service's express app from its dependencies; no module-level state. */
export function createApp(deps: SearchAppDeps): Express {
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, prefix: 'sis_search_' });
  registerPeakMemory(metrics, 'sis_search_');
  const duration = new Histogram({
    name: 'sis_search_request_seconds',
    help: 'Search requests by outcome.',
    labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestId());
  app.use(pinoHttp({ logger: deps.logger, genReqId: (req) => (req as express.Request).requestId, autoLogging: { ignore: (req) => req.url?.startsWith('/healthz') ?? false } }));
  app.use(healthRoutes({ readiness: deps.readiness, metrics }));
  app.use(express.json({ limit: '64kb' }));
  app.use((req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => end({ status: String(res.statusCode) }));
    next();
  });
  app.use(searchRoutes(deps.search));
  app.use(notFound());
  app.use(errorHandler(deps.logger));
  return app;
}
