import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { ClipModel, QueryEncoder } from '@sis/clip';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { checkReadiness, createLogger, loadConfig, type Config } from '@sis/config';
import { createDatabase, ImageRepository, pingDatabase, type Database, type ImageRecord, type Kysely } from '@sis/db';
import { freshDatabase, settledImage } from '@sis/local-stack/testing';
import { createRedisConnection, EmbedQueue, type Redis } from '@sis/queue';
import { ObjectStorage } from '@sis/storage';
import { inject } from 'vitest';
// Test wiring only: the gateway's tests run the real search app and worker beside it.
// eslint-disable-next-line no-restricted-imports
import { createApp as createSearchApp } from '../../search/src/app.js';
// eslint-disable-next-line no-restricted-imports
import { SearchService } from '../../search/src/services/search.service.js';
// eslint-disable-next-line no-restricted-imports
import { createEmbedWorker, type EmbedWorker } from '../../worker/src/embed-worker.js';
import { createApp } from '../src/app.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

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
}

export interface Gateway {
  base: string;
  config: Config;
  db: Kysely<Database>;
  images: ImageRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  redis: Redis;
  clip: ClipModel;
  worker: EmbedWorker | undefined;
  /** Calls the gateway; `key` defaults to the configured admin token, null sends none. */
  api<T = any>(method: string, path: string, options?: RequestOptions): Promise<Reply<T>>;
  /** Creates an API key with these scopes and returns its secret. */
  key(...scopes: ('read' | 'write' | 'admin')[]): Promise<string>;
  /** Presigns, PUTs and completes one upload, as a client would. */
  upload(bytes: Buffer, contentType: string, filename?: string): Promise<string>;
  /** Waits until an image is ready or failed. */
  settled(id: string, timeoutMs?: number): Promise<ImageRecord>;
  stop(): Promise<void>;
}

const listen = async (server: Server) => {
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/**
 * The gateway wired to everything real: its own database (migrated), Redis with its own key
 * prefix, the S3 server, the search app and the embed worker in this process, tiny-clip.
 */
export async function startGateway(settings: Record<string, string> = {}, options: { worker?: boolean } = {}): Promise<Gateway> {
  const clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false });
  const databaseUrl = await freshDatabase(inject('stackEnv').DATABASE_URL!, 'gateway');
  const logger = createLogger({ logLevel: 'silent', logFormat: 'json' }, 'test');
  const db = createDatabase({ url: databaseUrl, poolSize: 10 });
  const images = new ImageRepository(db);

  const search = new SearchService({ images, encoder: new QueryEncoder(clip, 100), efSearch: 40 });
  const searchServer = createSearchApp({ logger, search, readiness: () => checkReadiness({ postgres: () => pingDatabase(db) }) }).listen(0, '127.0.0.1');
  const searchUrl = await listen(searchServer);

  const config = loadConfig({
    envFile: false,
    env: {
      ...inject('stackEnv'),
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: `gw-${randomUUID().slice(0, 8)}`,
      CLIP_MODEL: TINY_CLIP_DIR,
      ADMIN_TOKEN,
      SEARCH_URL: searchUrl,
      RATE_LIMIT_PER_MINUTE: '0',
      LEGACY_WAIT_MS: '15000',
      SWEEP_INTERVAL_MS: '3600000',
      ...settings,
    },
  });
  const storage = new ObjectStorage(config.s3);
  const redis = createRedisConnection(config.redis.url);
  const queue = new EmbedQueue(redis, config.redis.queuePrefix);
  const worker = options.worker === false ? undefined : createEmbedWorker({ config, logger, db, storage, redis, queue, clip });
  const server = createApp({ config, logger, db, storage, redis, queue }).listen(0, '127.0.0.1');
  const base = await listen(server);

  const api: Gateway['api'] = async (method, path, { key = config.auth.adminToken, json, raw, form, headers = {} } = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (key) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
    if (json !== undefined || raw !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = raw ?? JSON.stringify(json);
    }
    if (form) init.body = form;
    const response = await fetch(`${base}${path}`, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: body as never, headers: response.headers };
  };

  const gateway: Gateway = {
    base, config, db, images, storage, queue, redis, clip, worker, api,
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
      searchServer.close();
      await worker?.close();
      await queue.close();
      redis.disconnect();
      await db.destroy();
      storage.destroy();
      await clip.dispose();
    },
  };
  return gateway;
}
