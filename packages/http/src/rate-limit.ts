import { RateLimitedError } from '@sis/contracts';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';

/** What the limiter needs of a Redis client: one raw command at a time (ioredis's `call`). */
export interface RedisCommander {
  call(command: string, ...args: string[]): Promise<unknown>;
}

export interface RateLimitOptions {
  /** Requests a minute per API key, or per client address for anonymous calls; 0 turns limiting off. */
  perMinute: number;
  /** Where the counts live, so every replica enforces the same budget. */
  redis: RedisCommander;
  /** Prefix of the counters' Redis keys (QUEUE_PREFIX). */
  prefix: string;
  /** The caller's identity, when a key was sent; anonymous calls are counted by address. */
  principalId: (req: Parameters<RequestHandler>[0]) => string | undefined;
}

/** Requests per minute per caller, counted in Redis; over the budget, a 429 with Retry-After. */
export function rateLimitPerMinute(options: RateLimitOptions): RequestHandler {
  const { perMinute, redis, prefix, principalId } = options;
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const id = principalId(req);
      return id ? `key:${id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    store: new RedisStore({
      prefix: `${prefix}:ratelimit:`,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never,
    }),
    handler: (_req, res, next) => {
      const retryAfterSeconds = Number(res.getHeader('retry-after') ?? 60);
      next(new RateLimitedError('rate_limited', `more than ${perMinute} requests a minute; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }));
    },
  });
}
