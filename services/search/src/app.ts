import express, { type Express } from 'express';
import type { Config, Logger } from '@sis/config';
import { healthRoutes } from './routes/health.routes.js';

export interface SearchDeps {
  config: Config;
  logger: Logger;
}

/** Builds the search service's express app from its dependencies; no module-level state. */
export function createApp(_deps: SearchDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes());
  return app;
}
