import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, loadConfig, type Config } from '@sis/config';
import { createDatabase, ImageRepository, type Database, type ImageRecord, type Kysely } from '@sis/db';
import { startService } from '@sis/local-stack';
import { freshDatabase, settledImage } from '@sis/local-stack/testing';
import { createRedisConnection, EmbedQueue, type Redis } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { Agent } from 'undici';
import { inject } from 'vitest';
import { createApp } from '../src/app.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  key?: string | null;
  json?: unknown;
  /** A raw body, sent as is (for malformed JSON). */
  raw?: string;
  form?: FormData;
  headers?: Record<string, string>;
  /** A loopback address to call from, as another client would (127.0.0.2, say). */
  from?: string;
}

export interface Gateway {
  base: string;
  config: Config;
  db: Kysely<Database>;
  images: ImageRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  redis: Redis;
  /** Calls the gateway; `key` defaults to the configured admin token, null sends none. */
  api<T = any>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** Creates an API key with these scopes and returns its secret. */
  key(...scopes: ('read' | 'write' | 'admin')[]): Promise<string>;
  /** Presigns, PUTs and completes one upload, as a client would. */
  upload(bytes: Buffer, contentType: string, filename?: string): Promise<string>;
  /** Waits until an image is ready or failed. */
  settled(id: string, timeoutMs?: number): Promise<ImageRecord>;
  /** Everything the gateway logged, when started with `captureLogs`. */
  logs(): string;
  /** What the search service or the worker process has logged so far. */
  serviceLog(service: 'search' | 'worker'): Promise<string>;
  stop(): Promise<void>;
}

const listen = async (server: Server) => {
  await new Promise((resolve) => server.once('listening', resolve));
  const { address, port } = server.address() as AddressInfo;
  return `http://${address}:${port}`;
};

export interface StartGatewayOptions {
  worker?: boolean;
  captureLogs?: boolean;
  /** Where the gateway listens: a loopback address, and a port (a free one when 0). @defaultValue 127.0.0.1, 0 */
  listen?: { host: string; port: number };
}

/**
 * The gateway, in this process, wired to everything real: its own database (migrated), Redis
 * with its own key prefix, the S3 server, and the search service and embed worker as processes
 * of their own (their compiled entry points, as production runs them), on tiny-clip.
 */
export async function startGateway(settings: Record<string, string> = {}, options: StartGatewayOptions = {}): Promise<Gateway> {
  const databaseUrl = await freshDatabase(inject('stackEnv').DATABASE_URL!, 'gateway');
  const prefix = `gw-${randomUUID().slice(0, 8)}`;
  const env = {
    ...inject('stackEnv'),
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    // Tests send wrong keys on purpose; the limit on that is tested on its own.
    AUTH_FAILURES_PER_MINUTE: '0',
    LEGACY_WAIT_MS: '15000',
    SWEEP_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'warn',
    ...settings,
  };
  const logFile = (service: string) => join(inject('stackDataDir'), 'logs', `${prefix}-${service}.log`);
  // A test that points SEARCH_URL somewhere itself wants no search service.
  const [search, worker] = await Promise.all([
    settings.SEARCH_URL ? undefined : startService('search', { env, logFile: logFile('search') }),
    options.worker === false ? undefined : startService('worker', { env, logFile: logFile('worker') }),
  ]);
  const config = loadConfig({ envFile: false, env: { ...env, ...(search ? { SEARCH_URL: search.url } : {}) } });
  // The gateway's own logger, as main.ts makes it (secrets scrubbed), written here when asked for.
  const lines: string[] = [];
  const logger = createLogger({ ...config, logLevel: options.captureLogs ? 'debug' : 'silent', logFormat: 'json' }, 'gateway', { write: (line: string) => void lines.push(line) });
  const db = createDatabase({ url: databaseUrl, poolSize: 10 });
  const images = new ImageRepository({ db });
  const storage = new ObjectStorage(config.s3);
  const redis = createRedisConnection(config.redis.url);
  const queue = new EmbedQueue({ connection: redis, prefix: config.redis.queuePrefix });
  const server = createApp({ config, logger, db, storage, redis, queue }).listen(options.listen?.port ?? 0, options.listen?.host ?? '127.0.0.1');
  const base = await listen(server);

  const api: Gateway['api'] = async (method, path, { key = config.auth.adminToken, json, raw, form, headers = {}, from } = {}) => {
    const init: RequestInit & { dispatcher?: Agent } = { method, headers: { ...headers } };
    if (from) init.dispatcher = new Agent({ localAddress: from });
    if (key) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
    if (json !== undefined || raw !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = raw ?? JSON.stringify(json);
    }
    if (form) init.body = form;
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    await init.dispatcher?.close();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as never, headers: response.headers };
  };

  const gateway: Gateway = {
    base, config, db, images, storage, queue, redis, api,
    logs: () => lines.join(''),
    serviceLog: (service) => readFile(logFile(service), 'utf8'),
    async key(...scopes) {
      const { body } = await api('POST', '/v1/keys', { json: { name: `test ${scopes.join('+')}`, scopes } });
      return body.secret as string;
    },
    async upload(bytes, contentType, filename = 'photo') {
      const created = await api('POST', '/v1/uploads', { json: { filename, contentType, size: bytes.length } });
      if (created.status !== 201) throw new Error(`presign failed: ${JSON.stringify(created.body)}`);
      const put = await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes });
      if (!put.ok) throw new Error(`PUT failed: ${put.status}`);
      const completed = await api('POST', `/v1/uploads/${created.body.image.id}/complete`);
      if (completed.status !== 202) throw new Error(`complete failed: ${JSON.stringify(completed.body)}`);
      return created.body.image.id as string;
    },
    settled: (id, timeoutMs) => settledImage(images, id, timeoutMs),
    async stop() {
      server.close();
      await Promise.all([search?.process.stop('SIGTERM'), worker?.process.stop('SIGTERM')]);
      await queue.close();
      redis.disconnect();
      await db.destroy();
      storage.destroy();
    },
  };
  return gateway;
}
