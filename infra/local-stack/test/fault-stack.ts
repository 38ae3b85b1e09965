import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LocalStack, startService, type RunningService, type ServiceName } from '../src/index.js';
import { inject } from 'vitest';

export const ADMIN_TOKEN = `fault-test-${randomUUID()}`;

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
  /** How long the request took, in ms. */
  ms: number;
}

/**
 * All of sis on a stack of its own (its own PostgreSQL, Redis and S3 server, so stopping one
 * cannot disturb other test files), each service a real process of its own, as production runs.
 */
export interface FaultStack {
  stack: LocalStack;
  /** The settings every service was started with, to start one again. */
  env: Record<string, string>;
  /** Starts a service again (after it was stopped), with the same settings and log. */
  restart(service: ServiceName): Promise<RunningService>;
  /** What a service has logged so far. */
  log(service: ServiceName): Promise<string>;
  services: Record<ServiceName, RunningService>;
  /** Calls the gateway as the admin; a request never waits longer than `timeoutMs`. */
  api(method: string, path: string, options?: { json?: unknown; timeoutMs?: number }): Promise<Reply>;
  /** GET /readyz of one service. */
  readiness(service: ServiceName): Promise<Reply>;
  /** Presigns, PUTs and completes one upload; returns the image id. */
  upload(bytes: Buffer, contentType?: string, filename?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startFaultStack(settings: Record<string, string> = {}): Promise<FaultStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sis-faults-'));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user under root
  const stack = await LocalStack.start({ dataDir, durable: false, ports: { postgres: await freePort(), redis: await freePort(), s3: await freePort() } });
  const env = {
    ...stack.env,
    CLIP_MODEL: inject('stackEnv').CLIP_MODEL!,
    ALLOW_REMOTE_MODELS: 'false',
    ADMIN_TOKEN,
    // On, so the limiter's own behaviour during an outage is part of what is tested.
    RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
    ...settings,
  };
  const logFile = (service: string) => join(dataDir, 'logs', `${service}.log`);
  const [search, worker] = await Promise.all([startService('search', { env, logFile: logFile('search') }), startService('worker', { env, logFile: logFile('worker') })]);
  const gateway = await startService('gateway', { env: { ...env, SEARCH_URL: search.url }, logFile: logFile('gateway') });
  const services: Record<ServiceName, RunningService> = { gateway, search, worker };

  const call = async (url: string, method: string, options: { json?: unknown; timeoutMs?: number } = {}): Promise<Reply> => {
    const started = performance.now();
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(options.json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.json === undefined ? undefined : JSON.stringify(options.json),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers, ms: performance.now() - started };
  };
  const api: FaultStack['api'] = (method, path, options) => call(`${gateway.url}${path}`, method, options);

  return {
    stack,
    env,
    async restart(service) {
      services[service] = await startService(service, { env: service === 'gateway' ? { ...env, SEARCH_URL: services.search.url } : env, logFile: logFile(service) });
      return services[service];
    },
    log: (service) => readFile(logFile(service), 'utf8'),
    services,
    api,
    readiness: (service) => call(`${services[service].url}/readyz`, 'GET'),
    async upload(bytes, contentType = 'image/jpeg', filename = 'photo.jpg') {
      const created = await api('POST', '/v1/uploads', { json: { filename, contentType, size: bytes.length } });
      if (created.status !== 201) throw new Error(`presign failed: ${JSON.stringify(created.body)}`);
      const put = await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes, signal: AbortSignal.timeout(30_000) });
      if (!put.ok) throw new Error(`PUT failed: ${put.status}`);
      const completed = await api('POST', `/v1/uploads/${created.body.image.id}/complete`);
      if (completed.status !== 202) throw new Error(`complete failed: ${JSON.stringify(completed.body)}`);
      return created.body.image.id as string;
    },
    async stop() {
      // A service that died on its own is the story of a failing test: show how it ended.
      for (const [name, service] of Object.entries(services)) {
        if (!service.process.running) console.error(`${name} had stopped (exit ${await service.process.exited()}); the end of its log:\n${(await readFile(logFile(name), 'utf8')).slice(-4000)}`);
      }
      await Promise.all(Object.values(services).map((service) => service.process.stop('SIGTERM')));
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it holds; returns how long that took, in ms. */
export async function msUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check().catch(() => false)) return Math.round(performance.now() - started);
    if (performance.now() - started > timeoutMs) throw new Error(`still not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
