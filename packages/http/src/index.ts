export { errorHandler, notFound, v1ErrorBody, type ErrorBodyFormat, type ErrorHandlerOptions } from './error-handler.js';
export { healthRoutes, type HealthRoutesOptions } from './health.js';
export { createMetricsRegistry, requestMetrics } from './metrics.js';
export { parse } from './parse.js';
export { limitAuthFailures, rateLimitPerMinute, type AuthFailureLimitOptions, type RateLimitOptions, type RedisCommander } from './rate-limit.js';
export { checkReadiness, READINESS_TIMEOUT_MS, type ReadinessChecks } from './readiness.js';
export { requestId } from './request-id.js';
export { createServiceApp, type ServiceAppOptions } from './service-app.js';
export { receivedFile, receiveFile, type ReceivedFile, type ReceiveFileOptions } from './upload.js';
