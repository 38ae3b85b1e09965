export { createRedisConnection } from './connection.js';
export { DEFAULT_JOB_OPTIONS } from './defaults.js';
export { EmbedQueue, type EmbedJob, type QueueCounts } from './embed-queue.js';
export { JOB_NAMES, QUEUE_NAMES, type JobName, type QueueName } from './names.js';
export { embedImageJobSchema, type EmbedImageJob } from './payloads.js';
export { LeaderLock } from './leader-lock.js';
export type { Redis } from 'ioredis';
export { WorkerRegistry, type WorkerInfo } from './worker-registry.js';
