import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens a Redis connection for a BullMQ Worker, which blocks on Redis: BullMQ requires
 * `maxRetriesPerRequest: null`, so commands wait through an outage until Redis is back.
 */
export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/** How long, in ms, a command on a request path waits for Redis before it counts as away. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;

/**
 * Opens a Redis connection for request paths (the gateway's producer, rate limiter and
 * operations): while Redis is away a command fails at once instead of waiting in ioredis's
 * offline queue, and a stuck one fails after {@link REDIS_COMMAND_TIMEOUT_MS}, so a request can
 * answer 503 (or carry on without Redis) rather than hang. ioredis keeps reconnecting.
 */
export function createRequestConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, ...options });
}
