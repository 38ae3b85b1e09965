import { Redis, type RedisOptions } from 'ioredis';

/**
 * Opens a Redis connection fit for BullMQ. Workers block on Redis, so BullMQ requires
 * `maxRetriesPerRequest: null`; producers get the same so a short Redis outage delays an enqueue
 * instead of failing it.
 */
export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}
