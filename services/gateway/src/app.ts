import express, { type Express } from 'express';
import type { Config, Logger } from '@sis/config';
import { healthRoutes } from './routes/health.routes.js';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
}

/** Builds the gateway's express app from its dependencies; no module-level state. */
export function createApp(_deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(healthRoutes());
  return app;
}
