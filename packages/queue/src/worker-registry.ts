import type { Redis } from 'ioredis';

/** What a worker says about itself, refreshed every few seconds while it runs. */
export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  model: string;
  batch: number;
  concurrency: number;
  startedAt: string;
  /** Jobs this worker finished since it started, by outcome. */
  jobs: Record<string, number>;
}

/**
 * Workers announce themselves under keys that expire, so the list shows exactly the workers
 * that announced within the last `ttlMs`: a crashed worker drops off on its own.
 */
export class WorkerRegistry {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(redis: Redis, prefix: string, ttlMs = 15_000) {
    this.#redis = redis;
    this.#prefix = `${prefix}:workers:`;
    this.#ttlMs = ttlMs;
  }

  async announce(info: WorkerInfo): Promise<void> {
    await this.#redis.set(this.#prefix + info.id, JSON.stringify(info), 'PX', this.#ttlMs);
  }

  async remove(id: string): Promise<void> {
    await this.#redis.del(this.#prefix + id);
  }

  async list(): Promise<WorkerInfo[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.#redis.scan(cursor, 'MATCH', `${this.#prefix}*`, 'COUNT', 100);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.#redis.mget(...keys);
    return values.flatMap((value) => (value ? [JSON.parse(value) as WorkerInfo] : [])).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
