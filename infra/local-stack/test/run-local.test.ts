import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { componentsToStart, findLocalGateway, freePort, isPortFree, runLocal, storageViaGateway } from '../src/index.js';

describe('componentsToStart', () => {
  it('starts every server when the environment names none', () => {
    expect(componentsToStart({})).toEqual(['postgres', 'redis', 's3']);
  });

  it('leaves out the servers the environment points elsewhere, original names included', () => {
    expect(componentsToStart({ DATABASE_URL: 'postgres://db/sis' })).toEqual(['redis', 's3']);
    expect(componentsToStart({ SQLALCHEMY_DATABASE_URI: 'postgresql+psycopg2://db/sis', REDIS_URL: 'redis://r' })).toEqual(['s3']);
    expect(componentsToStart({ AWS_ACCESS_KEY: 'AKIA', REDIS_URL: ' ' })).toEqual(['postgres', 'redis']);
    expect(componentsToStart({ S3_ENDPOINT: 'http://minio:9000' })).toEqual(['postgres', 'redis']);
  });
});

describe('storageViaGateway', () => {
  const all = ['postgres', 'redis', 's3'] as const;

  it('sends clients through the gateway to the local S3 once PUBLIC_URL is set', () => {
    expect(storageViaGateway({ PUBLIC_URL: 'http://photos.lan:8000' }, all)).toBe(true);
    expect(storageViaGateway({}, all)).toBe(false);
    expect(storageViaGateway({ PUBLIC_URL: ' ' }, all)).toBe(false);
  });

  it("leaves an S3 it does not run, and the operator's own choice, alone", () => {
    expect(storageViaGateway({ PUBLIC_URL: 'http://photos.lan:8000', S3_ENDPOINT: 'http://minio:9000' }, ['postgres', 'redis'])).toBe(false);
    expect(storageViaGateway({ PUBLIC_URL: 'http://photos.lan:8000', S3_PUBLIC_ENDPOINT: 'http://photos.lan:9000' }, all)).toBe(false);
    expect(storageViaGateway({ PUBLIC_URL: 'http://photos.lan:8000', S3_VIA_GATEWAY: 'false' }, all)).toBe(false);
  });
});

describe('runLocal', () => {
  it('says it is up once all three services are ready, then stops every process it started', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-up-'));
    await chmod(dataDir, 0o755);
    const ports = { gateway: await freePort(), search: await freePort(), worker: await freePort() };
    const stackPorts = { postgres: await freePort(), redis: await freePort(), s3: await freePort() };
    // Reuse the test stack's Redis to show that a configured server replaces the local one.
    const env = {
      PATH: process.env.PATH,
      REDIS_URL: inject('stackEnv').REDIS_URL,
      GATEWAY_PORT: String(ports.gateway),
      SEARCH_PORT: String(ports.search),
      WORKER_PORT: String(ports.worker),
      HOST: '127.0.0.1',
      // The local S3 listens on loopback only, so clients reach it through the gateway's address.
      PUBLIC_URL: `http://127.0.0.1:${ports.gateway}`,
      LOG_LEVEL: 'warn',
      CLIP_MODEL: fileURLToPath(new URL('../../../packages/clip/fixtures/tiny-clip', import.meta.url)),
      ALLOW_REMOTE_MODELS: 'false',
      ADMIN_TOKEN: 'run-local-test-token-0123456789abcdef',
    };
    const lines: string[] = [];
    const stop = new AbortController();
    let running: Promise<number> | undefined;
    const up = new Promise<string>((resolve) => {
      const say = (line: string) => {
        lines.push(line);
        if (line.startsWith('sis is up')) resolve(line);
      };
      running = runLocal({ dataDir, ports: stackPorts, env, say, signal: stop.signal });
    });
    // Also when the test fails or times out: nothing it started may outlive it.
    onTestFinished(async () => {
      stop.abort();
      await running?.catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    });
    expect(await up).toBe(`sis is up: http://localhost:${ports.gateway}  (Ctrl-C stops everything)`);
    expect(lines).toContain(`local stack (postgres, s3) running with data in ${dataDir}`);
    // Word of where the gateway answers, for the sis command, next to where an admin token would be.
    const record = join(dataDir, 'gateway.json');
    expect(JSON.parse(await readFile(record, 'utf8'))).toEqual({ url: `http://127.0.0.1:${ports.gateway}`, pid: process.pid });
    expect(findLocalGateway(dataDir)).toEqual({ url: `http://127.0.0.1:${ports.gateway}`, adminToken: undefined });
    expect(lines).toContainEqual(expect.stringMatching(/^migrations applied: 0001-initial, /));
    for (const [service, port] of Object.entries(ports)) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await response.json()).toEqual({ status: 'ok', service });
    }
    // SEARCH_URL was left unset: the gateway finds the search service on the port it was given.
    const ready = await fetch(`http://127.0.0.1:${ports.gateway}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { search: { ok: true } } });
    expect(await isPortFree(stackPorts.redis)).toBe(true);

    const admin = { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${env.PUBLIC_URL}/v1/uploads`, { method: 'POST', headers: admin, body: JSON.stringify({ filename: 'a.jpg', contentType: 'image/jpeg', size: 5 }) });
    const { upload } = (await created.json()) as { upload: { url: string; headers: Record<string, string> } };
    expect(upload.url.startsWith(`${env.PUBLIC_URL}/s3/`)).toBe(true);
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'bytes' })).status).toBe(200);

    // A service that crashes is started again, and the others carry on.
    const workerPids = async () => {
      const reply = await fetch(`http://127.0.0.1:${ports.gateway}/v1/dashboard`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
      return ((await reply.json()) as { workers: { pid: number }[] }).workers.map((w) => w.pid);
    };
    await expect.poll(workerPids, { timeout: 10_000 }).toHaveLength(1);
    const [crashed] = await workerPids();
    process.kill(crashed!, 'SIGKILL');
    await expect.poll(async () => (await workerPids()).some((pid) => pid !== crashed), { timeout: 30_000, interval: 250 }).toBe(true);
    await expect.poll(() => fetch(`http://127.0.0.1:${ports.worker}/readyz`).then((r) => r.status, () => 0), { timeout: 30_000 }).toBe(200);

    stop.abort();
    expect(await running).toBe(0);
    for (const port of [...Object.values(ports), stackPorts.postgres, stackPorts.s3]) expect(await isPortFree(port), `port ${port}`).toBe(true);
    expect(existsSync(record), 'the record of a gateway no longer running').toBe(false);
  });

  it('gives up, stops everything and says why, when a service keeps crashing as it starts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-up-'));
    await chmod(dataDir, 0o755);
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const ports = { gateway: await freePort(), search: await freePort(), worker: await freePort() };
    const env = {
      PATH: process.env.PATH,
      REDIS_URL: inject('stackEnv').REDIS_URL,
      QUEUE_PREFIX: `up-${Date.now()}`,
      GATEWAY_PORT: String(ports.gateway),
      SEARCH_PORT: String(ports.search),
      WORKER_PORT: String(ports.worker),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // The search service and the worker cannot load this, and stop at once, every time.
      CLIP_MODEL: join(dataDir, 'no-such-model'),
      ALLOW_REMOTE_MODELS: 'false',
      ADMIN_TOKEN: 'run-local-test-token-0123456789abcdef',
    };
    const lines: string[] = [];
    const stackPorts = { postgres: await freePort(), redis: await freePort(), s3: await freePort() };
    const code = await runLocal({ dataDir, ports: stackPorts, env, quiet: true, say: (line) => lines.push(line), restart: { initialDelayMs: 50, maxCrashes: 3 } });
    expect(code).toBe(1);
    expect(lines).toContainEqual(expect.stringMatching(/^the (search|worker) service kept crashing as it started \(see its log above\), so everything was stopped$/));
    for (const port of [...Object.values(ports), stackPorts.postgres, stackPorts.s3]) expect(await isPortFree(port), `port ${port}`).toBe(true);
  });
});
