import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHealthServer } from '../src/health-server.js';

let base: string;
let ready = false;
let registry: Registry | undefined;
const server = createHealthServer({
  readiness: async () => (ready ? { status: 'ready', checks: { model: { ok: true, ms: 0 } } } : { status: 'unavailable', checks: { model: { ok: false, error: 'loading', ms: 0 } } }),
  metrics: () => registry,
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

it('answers /healthz', async () => {
  const response = await fetch(`${base}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok', service: 'worker' });
});

it('answers /readyz with 503 until ready, then 200', async () => {
  expect((await fetch(`${base}/readyz`)).status).toBe(503);
  ready = true;
  const response = await fetch(`${base}/readyz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ready', checks: { model: { ok: true, ms: 0 } } });
});

it('serves metrics once the worker runs', async () => {
  expect((await fetch(`${base}/metrics`)).status).toBe(503);
  registry = new Registry();
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
});

it('answers anything else with a 404 or 405 that names the problem', async () => {
  const missing = await fetch(`${base}/nope`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
  const post = await fetch(`${base}/healthz`, { method: 'POST' });
  expect(post.status).toBe(405);
});
