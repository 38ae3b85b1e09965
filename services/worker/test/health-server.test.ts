import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHealthServer } from '../src/health-server.js';

let base: string;
const server = createHealthServer();
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

it('answers anything else with a 404 that names the route', async () => {
  const response = await fetch(`${base}/nope`, { method: 'POST' });
  expect(response.status).toBe(404);
  expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route for POST /nope' } });
});
