import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { migrateDatabase } from './migrate.js';
import { isPortFree, PortInUseError } from './ports.js';
import { PostgresServer } from './postgres.js';
import { RedisServer } from './redis.js';
import { LOCAL_S3_CREDENTIALS, S3Server } from './s3.js';

/** `postgres-replica` is a streaming replica of `postgres`, for reads that tolerate lag; started only when asked for. */
export type StackComponent = 'postgres' | 'postgres-replica' | 'redis' | 's3';

/** Ports used when none are given; chosen away from the servers' usual ports. */
export const DEFAULT_STACK_PORTS: Readonly<Record<StackComponent, number>> = Object.freeze({ postgres: 55432, 'postgres-replica': 55433, redis: 56379, s3: 59000 });
/** The variable that overrides each port. */
export const STACK_PORT_SETTINGS: Readonly<Record<StackComponent, string>> = Object.freeze({ postgres: 'SIS_PG_PORT', 'postgres-replica': 'SIS_PG_REPLICA_PORT', redis: 'SIS_REDIS_PORT', s3: 'SIS_S3_PORT' });
export const DEFAULT_STACK_BUCKET = 'sis-images';

export interface LocalStackOptions {
  /** Folder holding every component's data; reused across starts. @defaultValue `.data` */
  dataDir?: string;
  ports?: Partial<Record<StackComponent, number>>;
  /** Which components to run; the others are expected to be configured elsewhere. A replica needs its primary. @defaultValue postgres, redis and s3 */
  components?: readonly StackComponent[];
  /** @defaultValue `sis-images` */
  bucket?: string;
  /** false trades crash safety for speed (fsync off), for throwaway test stacks. @defaultValue true */
  durable?: boolean;
}

/**
 * PostgreSQL with pgvector, Redis and an S3 server, private to this project: own data folders,
 * own ports, nothing shared with the system. `stop()` (or the process's Ctrl-C handler that
 * calls it) ends all of them.
 *
 * ### Examples
 * ```ts
 * const stack = await LocalStack.start({ dataDir: '.data' });
 * spawn('node', ['services/gateway/dist/main.js'], { env: { ...process.env, ...stack.env } });
 * await stack.stop();
 * ```
 */
export class LocalStack {
  /** Settings for the services, in the names packages/config reads. */
  readonly env: Readonly<Record<string, string>>;
  readonly #postgres: PostgresServer | undefined;
  readonly #replica: PostgresServer | undefined;
  readonly #redis: RedisServer | undefined;
  readonly #s3: S3Server | undefined;
  #migrations: string | undefined;

  private constructor(parts: { postgres?: PostgresServer; replica?: PostgresServer; redis?: RedisServer; s3?: S3Server; bucket: string }) {
    this.#postgres = parts.postgres;
    this.#replica = parts.replica;
    this.#redis = parts.redis;
    this.#s3 = parts.s3;
    const env: Record<string, string> = {};
    if (parts.postgres) env.DATABASE_URL = parts.postgres.url;
    if (parts.replica) env.DATABASE_READ_URL = parts.replica.url;
    if (parts.redis) env.REDIS_URL = parts.redis.url;
    if (parts.s3) {
      Object.assign(env, {
        S3_ENDPOINT: parts.s3.endpoint,
        S3_BUCKET: parts.bucket,
        S3_REGION: 'us-east-1',
        S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
        S3_FORCE_PATH_STYLE: 'true',
      });
    }
    this.env = Object.freeze(env);
  }

  /**
   * Starts the components, each only once its port is known to be free.
   * @throws PortInUseError when another process holds a port; nothing is left running.
   */
  static async start(options: LocalStackOptions = {}): Promise<LocalStack> {
    const dataDir = resolve(options.dataDir ?? '.data');
    const components = new Set<StackComponent>(options.components ?? ['postgres', 'redis', 's3']);
    const ports = { ...DEFAULT_STACK_PORTS, ...options.ports };
    const bucket = options.bucket ?? DEFAULT_STACK_BUCKET;
    if (components.has('postgres-replica') && !components.has('postgres')) throw new Error('a postgres-replica needs the stack\'s own postgres to follow');
    for (const component of components) {
      if (!(await isPortFree(ports[component]))) throw new PortInUseError(ports[component], component, STACK_PORT_SETTINGS[component]);
    }
    await mkdir(dataDir, { recursive: true });

    const postgres = components.has('postgres')
      ? new PostgresServer({ dir: join(dataDir, 'pg'), port: ports.postgres, durable: options.durable ?? true })
      : undefined;
    const replica =
      postgres && components.has('postgres-replica')
        ? new PostgresServer({ dir: join(dataDir, 'pg-replica'), port: ports['postgres-replica'], durable: options.durable ?? true, replicaOf: ports.postgres })
        : undefined;
    const redis = components.has('redis') ? new RedisServer({ dir: join(dataDir, 'redis'), port: ports.redis }) : undefined;
    const s3 = components.has('s3') ? new S3Server({ dir: join(dataDir, 's3'), port: ports.s3, bucket }) : undefined;
    const stack = new LocalStack({ postgres, replica, redis, s3, bucket });
    try {
      await Promise.all([postgres?.start(), redis?.start(), s3?.start()]);
      // A new cluster has no sis database yet: create it, then migrate, with @sis/db's own command.
      if (postgres) stack.#migrations = await migrateDatabase(postgres.url, { createDatabase: true });
      // Cloned after the migration, so the replica starts with the schema the services expect.
      await replica?.start();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  /** What the migrate command reported for the stack's own PostgreSQL; undefined when it runs none. */
  get migrations(): string | undefined {
    return this.#migrations;
  }

  /** The folder PostgreSQL keeps its cluster in: under the data folder, unless its user cannot enter it. */
  get postgresDir(): string | undefined {
    return this.#postgres?.dir;
  }

  /** Process ids of the servers running as child processes (s3rver runs in this process). */
  get pids(): number[] {
    return [this.#postgres?.pid, this.#replica?.pid, this.#redis?.pid].filter((pid): pid is number => pid !== undefined);
  }

  /** Stops every component; safe to call more than once. */
  async stop(): Promise<void> {
    await this.#replica?.stop().catch(() => undefined);
    await Promise.allSettled([this.#postgres?.stop(), this.#redis?.stop(), this.#s3?.stop()]);
  }

  /**
   * Stops one component, as an outage would (its data is kept): for fault tests.
   * @throws Error when this stack does not run that component.
   */
  async stopComponent(component: StackComponent): Promise<void> {
    await this.#component(component).stop();
  }

  /** Starts a stopped component again on the same port and data, and waits until it answers. */
  async startComponent(component: StackComponent): Promise<void> {
    await this.#component(component).start();
  }

  #component(component: StackComponent): { start(): Promise<void>; stop(): Promise<void> } {
    const server = { postgres: this.#postgres, 'postgres-replica': this.#replica, redis: this.#redis, s3: this.#s3 }[component];
    if (!server) throw new Error(`this stack does not run ${component}`);
    return server;
  }
}
