import { RateLimitedError } from '@sis/contracts';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';

/** What the limiter needs of a Redis client: one raw command at a time (ioredis's `call`). */
export interface RedisCommander {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** What the limiter needs of a logger: a line when it falls back, one when it is back. */
interface WarnLogger {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
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
  logger: WarnLogger;
  /** How long, in ms, a Redis call may take before this replica counts on its own. @defaultValue 500 */
  redisTimeoutMs?: number;
}

/** The limits' window: a minute. */
const WINDOW_MS = 60_000;
/** What a limit set to 0 mounts. */
const pass: RequestHandler = (_req, _res, next) => next();

/** Requests per minute per caller, counted in Redis; over the budget, a 429 with Retry-After. */
export function rateLimitPerMinute(options: RateLimitOptions): RequestHandler {
  const { perMinute, principalId } = options;
  if (perMinute === 0) return pass;
  return perMinuteLimit(perMinute, new FallbackStore({ ...options, prefix: `${options.prefix}:ratelimit:` }), {
    keyGenerator: (req) => {
      const id = principalId(req);
      return id ? `key:${id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`;
    },
    refuse: (retryAfterSeconds) => new RateLimitedError('rate_limited', `more than ${perMinute} requests a minute; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }),
  });
}

export interface AuthFailureLimitOptions extends Omit<RateLimitOptions, 'principalId'> {
  /**
   * Whether a request carries credentials already proven from its own address (say, a key that
   * authenticated from there within the minute): it cannot be a guess, so it passes uncounted,
   * sparing the two Redis round trips of counting it and taking it back. Proof must be tied to
   * the address: otherwise an address past its budget could test guesses against credentials
   * proven elsewhere. @defaultValue every request is counted
   */
  proven?: (req: Parameters<RequestHandler>[0]) => boolean;
}

/**
 * Failed authentications (answers 401) per minute per client address; past the budget, every
 * request from that address is a 429 until the minute is over, so keys and passwords cannot be
 * guessed at speed. Mount it before authentication.
 *
 * Each request is counted before its key is checked, so guesses sent at once cannot overtake
 * the count, and taken back once it is answered with anything but 401. A request its client
 * abandons is taken back too: express-rate-limit takes requests back only when their answer
 * finishes, so every abandoned one stayed counted, and a client cancelling 20 searches in a
 * minute (as a search box does while the user types) locked its own address out.
 */
export function limitAuthFailures(options: AuthFailureLimitOptions): RequestHandler {
  const { perMinute } = options;
  if (perMinute === 0) return pass;
  const store = new FallbackStore({ ...options, prefix: `${options.prefix}:authfail:` });
  const keyGenerator = (req: Parameters<RequestHandler>[0]) => `ip:${ipKeyGenerator(req.ip ?? '')}`;
  const limit = perMinuteLimit(perMinute, store, {
    keyGenerator,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    refuse: (retryAfterSeconds) =>
      new RateLimitedError('too_many_failed_authentications', `more than ${perMinute} failed authentications a minute from this address; try again in ${retryAfterSeconds} s`, { retryAfterSeconds }),
  });
  return (req, res, next) => {
    if (options.proven?.(req)) return next();
    // Closed before its answer was written: the client saw nothing, so nothing was guessed.
    res.once('close', () => void (res.writableFinished || store.decrement(keyGenerator(req))));
    limit(req, res, next);
  };
}

/** One budget a minute, counted in `store`; past it, the error `refuse` makes for the seconds left, which the error handler answers 429. */
function perMinuteLimit(
  perMinute: number,
  store: Store,
  limit: Pick<Partial<Options>, 'keyGenerator' | 'skipSuccessfulRequests' | 'requestWasSuccessful'> & { refuse: (retryAfterSeconds: number) => RateLimitedError },
): RequestHandler {
  const { refuse, ...counting } = limit;
  return rateLimit({
    ...counting,
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store,
    handler: (_req, res, next) => next(refuse(Number(res.getHeader('retry-after') ?? 60))),
  });
}

/** How long, in ms, the limiter counts in-process before it tries Redis again. */
const RETRY_REDIS_AFTER_MS = 1000;

/**
 * Counts in Redis while Redis answers, and in this process while it does not: a request never
 * waits on Redis for longer than `redisTimeoutMs`, and never fails because of it. The in-process
 * budget is per replica, which is the best that can be done without the shared counter.
 */
class FallbackStore implements Store {
  readonly #options: Readonly<AuthFailureLimitOptions>;
  readonly #memory = new MemoryStore();
  #limiterOptions: Options | undefined;
  #redis: Promise<RedisStore> | undefined;
  /** When Redis was last found away; 0 while it answers. */
  #downSince = 0;

  /** @param options.prefix the whole prefix of the counters' Redis keys */
  constructor(options: AuthFailureLimitOptions) {
    this.#options = options;
  }

  init(options: Options): void {
    this.#limiterOptions = options;
    this.#memory.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (this.#downSince && Date.now() - this.#downSince < RETRY_REDIS_AFTER_MS) return this.#memory.increment(key);
    try {
      const result = await this.#withTimeout(this.#store().then((store) => store.increment(key)));
      if (this.#downSince) this.#options.logger.info({ downMs: Date.now() - this.#downSince }, 'rate limiter: Redis answers again; counting there');
      this.#downSince = 0;
      return result;
    } catch (error) {
      if (!this.#downSince) this.#options.logger.warn({ err: error }, 'rate limiter: Redis is not answering; counting in this process until it is back');
      this.#downSince = Date.now();
      // A store whose script never loaded stays broken: the next try starts a fresh one.
      this.#redis = undefined;
      return this.#memory.increment(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await this.#memory.decrement(key);
    if (!this.#downSince) await this.#withTimeout(this.#store().then((store) => store.decrement(key))).catch(() => undefined);
  }

  async resetKey(key: string): Promise<void> {
    await this.#memory.resetKey(key);
    if (!this.#downSince) await this.#withTimeout(this.#store().then((store) => store.resetKey(key))).catch(() => undefined);
  }

  #store(): Promise<RedisStore> {
    this.#redis ??= (async () => {
      const { redis, prefix } = this.#options;
      const store = new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never });
      await store.init(this.#limiterOptions!);
      return store;
    })();
    return this.#redis;
  }

  async #withTimeout<T>(work: Promise<T>): Promise<T> {
    const timeoutMs = this.#options.redisTimeoutMs ?? 500;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs)))]);
    } finally {
      clearTimeout(timer);
    }
  }
}
