import type { Redis } from 'ioredis';
import { callRedis } from './unavailable.js';

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

export interface WorkerRegistryOptions {
  redis: Redis;
  /** Prefix of the registry's Redis keys (QUEUE_PREFIX). */
  prefix: string;
  /** How long, in ms, an announcement stays listed without being renewed. @defaultValue 15,000 */
  ttlMs?: number;
}

/** How long, in ms, a worker stays listed after its last announcement. */
export const DEFAULT_WORKER_TTL_MS = 15_000;

/**
 * Workers announce themselves under keys that expire, so the list shows exactly the workers
 * that announced within the last `ttlMs`: a crashed worker drops off on its own.
 */
export class WorkerRegistry {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #ttlMs: number;

  constructor(options: WorkerRegistryOptions) {
    this.#redis = options.redis;
    this.#prefix = `${options.prefix}:workers:`;
    this.#ttlMs = options.ttlMs ?? DEFAULT_WORKER_TTL_MS;
  }

  async announce(info: WorkerInfo): Promise<void> {
    await callRedis(() => this.#redis.set(this.#prefix + info.id, JSON.stringify(info), 'PX', this.#ttlMs));
  }

  async remove(id: string): Promise<void> {
    await callRedis(() => this.#redis.del(this.#prefix + id));
  }

  async list(): Promise<WorkerInfo[]> {
    return callRedis(() => this.#list());
  }

  async #list(): Promise<WorkerInfo[]> {
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
