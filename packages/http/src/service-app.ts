import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { errorHandler, notFound } from './error-handler.js';
import { healthRoutes, type HealthRoutesOptions } from './health.js';
import { requestMetrics } from './metrics.js';
import { requestId } from './request-id.js';
import { traceRequests } from './tracing.js';

export interface ServiceAppOptions extends HealthRoutesOptions {
  logger: Logger;
  /**
   * Runs first, before anything else here: for requests passed on to another server, whose
   * answers go back as that server sent them, without this service's security headers (helmet's
   * Cross-Origin-Resource-Policy would stop another origin's page from showing an image). Each
   * calls `next` for requests that are not its own. @defaultValue none
   */
  passThrough?: readonly RequestHandler[];
  /** Runs before the health routes and request timing (CORS, say, which answers preflights itself). @defaultValue none */
  middleware?: readonly RequestHandler[];
  /**
   * Origins besides this one that pages may show images from and send requests to (object
   * storage, which thumbnails and uploads go to directly). @defaultValue none
   */
  trustedOrigins?: readonly string[];
  /**
   * Continue the trace a caller names in `traceparent`: yes for internal services, which only sis
   * calls; no for the public gateway, where a client could otherwise pick trace ids or switch
   * tracing off for its requests (`sampled=0`). @defaultValue true
   */
  continueCallerTraces?: boolean;
  /** Mounts the service's own middleware and routes, after the shared ones and the health routes. */
  routes?: (app: Express) => void;
}

/** Probes and scrapes would drown the request log and the traces. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The express app every service starts from: request ids, a server span per request (when tracing
 * is on), request logs and metrics, the health routes, then the service's routes, then one JSON
 * 404 and one error handler. Explicit, so a service's app.ts shows only what is its own.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  for (const handler of options.passThrough ?? []) app.use(handler);
  app.use(securityHeaders(options.trustedOrigins ?? []));
  app.use(requestId());
  // Before the request log, so its lines carry the request's trace.
  app.use(traceRequests({ skip: (path) => QUIET_PATHS.has(path), continueCallerTraces: options.continueCallerTraces ?? true }));
  app.use(pinoHttp({ logger: options.logger, genReqId: (req) => (req as express.Request).requestId, autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') } }));
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use(requestMetrics(options.metrics));
  app.use(healthRoutes(options));
  options.routes?.(app);
  app.use(notFound());
  app.use(errorHandler(options.logger));
  return app;
}

/**
 * helmet's headers, with a content security policy that allows no inline script and no framing;
 * inline styles are allowed (Swagger UI and Bull Board set them), and images and requests may go
 * to `trustedOrigins` besides this origin.
 */
function securityHeaders(trustedOrigins: readonly string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...trustedOrigins],
        connectSrc: ["'self'", ...trustedOrigins],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
}
