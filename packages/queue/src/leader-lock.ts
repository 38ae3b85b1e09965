import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface LeaderLockOptions {
  redis: Redis;
  /** What the lock guards; the Redis key is `<name>:leader`. */
  name: string;
  /** How long, in ms, the lock outlives its holder's last renewal. */
  ttlMs: number;
}

/**
 * Leader election for singleton chores (the sweeper): whoever holds the key leads until it
 * stops renewing, so a crashed leader is replaced within one `ttlMs`. Losing Redis's data loses
 * the lock too; the next `tryAcquire` simply elects again.
 */
export class LeaderLock {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #token = randomUUID();

  constructor(options: LeaderLockOptions) {
    if (options.ttlMs < 1) throw new Error('ttlMs must be at least 1');
    this.#redis = options.redis;
    this.#key = `${options.name}:leader`;
    this.#ttlMs = options.ttlMs;
  }

  /** Takes the lock if it is free, or renews it if this process holds it. @returns whether this process leads. */
  async tryAcquire(): Promise<boolean> {
    // Compare-and-renew must be atomic, or a lock that expired in between could be extended by
    // a process that no longer owns it.
    const result = await this.#redis.eval(
      `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
       return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`,
      1,
      this.#key,
      this.#token,
      String(this.#ttlMs),
    );
    return result === 1;
  }

  /** Gives the lock up if this process holds it. */
  async release(): Promise<void> {
    await this.#redis.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`, 1, this.#key, this.#token);
  }
}
