import type { AddressInfo } from 'node:net';
import { createLogger, loadConfig } from '@sis/config';
import { HealthResponseSchema } from '@sis/contracts';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createApp } from '../src/app.js';

let base: string;
let close: () => void;
beforeAll(async () => {
  const config = loadConfig({ env: inject('stackEnv'), envFile: false });
  const server = createApp({ config, logger: createLogger({ logLevel: 'silent', logFormat: 'json' }, 'search') }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

it('answers /healthz while the process is up', async () => {
  const response = await fetch(`${base}/healthz`);
  expect(response.status).toBe(200);
  expect(HealthResponseSchema.parse(await response.json())).toEqual({ status: 'ok', service: 'search' });
  expect(response.headers.get('x-powered-by')).toBeNull();
});
