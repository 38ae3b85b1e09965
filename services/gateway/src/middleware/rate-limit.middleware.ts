import { RateLimitedError } from '@sis/contracts';
import type { Redis } from '@sis/queue';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';

/**
 * Requests per minute per API key, or per client address for anonymous calls, counted in Redis
 * so every gateway replica enforces the same budget. 0 turns limiting off.
 */
export function rateLimitPerMinute(limit: number, redis: Redis, prefix: string): RequestHandler {
  if (limit === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => (req.principal ? `key:${req.principal.id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    store: new RedisStore({
      prefix: `${prefix}:ratelimit:`,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never,
    }),
    handler: (_req, res, next) => {
      const retryAfterSeconds = Number(res.getHeader('retry-after') ?? 60);
      next(new RateLimitedError('rate_limited', `more than ${limit} requests a minute; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }));
    },
  });
}
