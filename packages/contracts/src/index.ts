export { HealthResponseSchema, type HealthResponse } from './health.js';
