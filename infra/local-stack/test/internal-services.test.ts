import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startService, type RunningService } from '../src/index.js';
import { freshDatabase } from '../src/testing.js';

/**
 * The search service and the worker are internal: by default they listen on loopback only, so
 * another machine (127.0.0.2 stands in for one) cannot reach them; opened up, the search service
 * answers only whoever shows the internal token.
 */
const running: RunningService[] = [];
afterAll(async () => {
  await Promise.all(running.map((service) => service.process.stop('SIGTERM')));
});

const TOKEN = `internal-${randomUUID()}`;
async function start(service: 'search' | 'worker', settings: Record<string, string> = {}) {
  const env = { ...inject('stackEnv'), DATABASE_URL: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'internal'), QUEUE_PREFIX: `int-${randomUUID().slice(0, 8)}`, LOG_LEVEL: 'warn', ...settings };
  const started = await startService(service, { env, logFile: join(inject('stackDataDir'), 'logs', `internal-${service}-${randomUUID()}.log`) });
  running.push(started);
  return started;
}
const from = (url: string, host: string) => url.replace('127.0.0.1', host);
const reach = (url: string) => fetch(url, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, (error: Error) => (error.cause as { code?: string } | undefined)?.code ?? error.message);

describe('internal services', () => {
  it('listen on loopback only by default: 127.0.0.2 cannot reach the search service or the worker', async () => {
    const [search, worker] = await Promise.all([start('search'), start('worker')]);
    for (const service of [search, worker]) {
      expect(await reach(`${service.url}/healthz`)).toBe(200);
      expect(await reach(`${from(service.url, '127.0.0.2')}/healthz`)).toBe('ECONNREFUSED');
      expect(await reach(`${from(service.url, '127.0.0.2')}/metrics`)).toBe('ECONNREFUSED');
    }
  });

  it('when opened up, answer searches only with the internal token', async () => {
    const search = await start('search', { INTERNAL_HOST: '0.0.0.0', INTERNAL_TOKEN: TOKEN });
    const url = `${from(search.url, '127.0.0.2')}/search`;
    const ask = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ q: 'red' }) });
    const refused = await ask({});
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error.code).toBe('internal_token_required');
    expect((await ask({ 'x-internal-token': `${TOKEN}-wrong` })).status).toBe(401);
    expect((await ask({ 'x-internal-token': TOKEN })).status).toBe(200);
    // Probes stay open, for orchestrators.
    expect(await reach(`${from(search.url, '127.0.0.2')}/healthz`)).toBe(200);
  });
});
