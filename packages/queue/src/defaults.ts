import type { DefaultJobOptions } from 'bullmq';

/**
 * Retry and retention for every job, in one place. Transient failures (storage or database
 * hiccups) retry with exponential backoff, 1 s, 2 s, 4 s, 8 s, each randomly shortened by up to
 * half so that jobs failing together do not retry together. Permanent failures (an image that
 * cannot be decoded) are thrown as UnrecoverableError by the handler and do not retry.
 * Finished jobs are trimmed so Redis stays small; Postgres is the record of every image.
 */
export const DEFAULT_JOB_OPTIONS: Readonly<DefaultJobOptions> = Object.freeze({
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
});
