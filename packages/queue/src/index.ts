export { createRedisConnection } from './connection.js';
export { DEFAULT_JOB_OPTIONS } from './defaults.js';
export { EmbedQueue, type EmbedJob, type EmbedQueueOptions, type QueueCounts } from './embed-queue.js';
export { JOB_NAMES, QUEUE_NAMES, type JobName, type QueueName } from './names.js';
export { embedImageJobSchema, JOB_PAYLOADS, type EmbedImageJob } from './payloads.js';
export { jobProcessor, OUTAGE_DELAY_MS, type JobHandler, type JobProcessor, type JobProcessorOptions } from './job-processor.js';
export { LeaderLock, type LeaderLockOptions } from './leader-lock.js';
export type { Redis } from 'ioredis';
export { DEFAULT_WORKER_TTL_MS, WorkerRegistry, type WorkerInfo, type WorkerRegistryOptions } from './worker-registry.js';
