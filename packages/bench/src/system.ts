import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LocalStack, migrateDatabase, startLocal, type Replicas } from '@sis/local-stack';

export const BENCH_ADMIN_TOKEN = `bench-${randomUUID()}`;

/** The three services running against one database, as `sis up` runs them. */
export interface RunningServices {
  url: string;
  searchUrl: string;
  workerUrl: string;
  /** Every worker's, the first being `workerUrl`. */
  workerUrls: string[];
  stop(): Promise<void>;
}

/**
 * Everything the benchmarks run on, private and throwaway: PostgreSQL + pgvector, Redis and S3
 * on free ports in a temporary folder, and the services started and stopped per section.
 */
export class BenchSystem {
  readonly #stack: LocalStack;
  readonly #dataDir: string;

  private constructor(parts: { stack: LocalStack; dataDir: string }) {
    this.#stack = parts.stack;
    this.#dataDir = parts.dataDir;
  }

  static async start(): Promise<BenchSystem> {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-bench-'));
    await chmod(dataDir, 0o755); // PostgreSQL runs as its own user under root
    const stack = await LocalStack.start({ dataDir, durable: false, ports: { postgres: await freePort(), redis: await freePort(), s3: await freePort() } });
    return new BenchSystem({ stack, dataDir });
  }

  /** A new, migrated database of its own. @returns its URL. */
  async database(name: string): Promise<string> {
    const url = new URL(this.#stack.env.DATABASE_URL!);
    url.pathname = `/${name}`;
    await migrateDatabase(url.toString(), { createDatabase: true });
    return url.toString();
  }

  /**
   * Starts gateway, search and worker (compiled) on this database with these settings; with
   * `replicas`, as `sis up --replicas` runs them (haproxy in front of the gateways).
   */
  async services(databaseUrl: string, settings: Record<string, string>, replicas?: Replicas): Promise<RunningServices> {
    const ports = { gateway: await freePort(), search: await freePort(), worker: await freePort() };
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...this.#stack.env,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: `bench-${randomUUID().slice(0, 8)}`,
      GATEWAY_PORT: String(ports.gateway),
      SEARCH_PORT: String(ports.search),
      WORKER_PORT: String(ports.worker),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      ...settings,
    };
    // Its own data folder: the record of the gateway `sis up` keeps must not replace a real one's.
    const run = await startLocal({ dataDir: this.#dataDir, env, quiet: true, say: () => undefined, replicas });
    if (!(await run.ready)) {
      await run.stop();
      throw new Error('the services stopped while starting');
    }
    const workerUrls = Object.entries(run.urls).filter(([name]) => name.startsWith('worker')).map(([, url]) => url);
    return { url: run.url, searchUrl: run.urls.search ?? run.urls['search-1']!, workerUrl: workerUrls[0]!, workerUrls, stop: () => run.stop() };
  }

  async stop(): Promise<void> {
    await this.#stack.stop();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}

/** Reads one sample from Prometheus text, e.g. metric(text, 'x_sum', { stage: 'fetch' }). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[3]?.split(',') ?? [];
    if (wanted.every((label) => have.includes(label))) return Number(match[4]);
  }
  return NaN;
}

export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}
