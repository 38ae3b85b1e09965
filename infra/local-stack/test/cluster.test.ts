import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@sis/config';
import { describe, expect, it, onTestFinished } from 'vitest';
import { layoutCluster, MAX_REPLICAS, parseReplicas } from '../src/index.js';

describe('parseReplicas', () => {
  it('reads counts per service, one of each left out', () => {
    expect(parseReplicas('gateway=2,search=2,worker=3')).toEqual({ gateway: 2, search: 2, worker: 3 });
    expect(parseReplicas(' worker = 4 ')).toEqual({ gateway: 1, search: 1, worker: 4 });
    expect(parseReplicas('')).toEqual({ gateway: 1, search: 1, worker: 1 });
  });

  it('says what is wrong with a service name or a count', () => {
    expect(() => parseReplicas('gateways=2')).toThrow('"gateways" is not a service; use gateway, search, worker (as in gateway=2,search=2,worker=3)');
    expect(() => parseReplicas('worker=0')).toThrow(`worker: expected a count from 1 to ${MAX_REPLICAS} (got "0")`);
    expect(() => parseReplicas('worker=two')).toThrow('worker: expected a count from 1 to 16 (got "two")');
    expect(() => parseReplicas('search')).toThrow('search: expected a count from 1 to 16 (got "")');
    expect(() => parseReplicas(`gateway=${MAX_REPLICAS + 1}`)).toThrow(/expected a count from 1 to 16/);
  });
});

describe('layoutCluster', () => {
  const env = { DATABASE_URL: 'postgres://sis@127.0.0.1:5432/sis', REDIS_URL: 'redis://127.0.0.1:6379', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's', S3_BUCKET: 'sis-images', GATEWAY_PORT: '18000', PATH: '/usr/bin' };

  it('puts haproxy on the public port in front of the gateways, and gives them every search replica', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-cluster-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const layout = await layoutCluster({ env, config: loadConfig({ env, envFile: false }), replicas: { gateway: 2, search: 2, worker: 3 }, dataDir });
    expect(layout.processes.map((p) => p.name)).toEqual(['gateway-1', 'gateway-2', 'search-1', 'search-2', 'worker-1', 'worker-2', 'worker-3', 'haproxy']);
    const gateways = layout.processes.filter((p) => p.name.startsWith('gateway'));
    // Each process on a port of its own; the gateways reach both search replicas and trust haproxy's X-Forwarded-For.
    const setting = { gateway: 'GATEWAY_PORT', search: 'SEARCH_PORT', worker: 'WORKER_PORT' } as Record<string, string>;
    const ports = layout.processes.slice(0, 7).map((p) => p.env[setting[p.name.split('-')[0]!]!]);
    expect(new Set(ports).size).toBe(7);
    expect(ports).not.toContain('18000');
    const search = layout.processes.filter((p) => p.name.startsWith('search')).map((p) => `http://127.0.0.1:${p.env.SEARCH_PORT}`);
    for (const gateway of gateways) expect(gateway.env).toMatchObject({ SEARCH_URL: search.join(','), TRUST_PROXY: 'loopback', HOST: '127.0.0.1' });
    const config = await readFile(join(dataDir, 'haproxy.cfg'), 'utf8');
    expect(config).toContain('bind 0.0.0.0:18000');
    for (const gateway of gateways) expect(config).toContain(`server ${gateway.name} 127.0.0.1:${gateway.env.GATEWAY_PORT}`);
    expect(layout.processes.at(-1)).toMatchObject({ command: 'haproxy', args: ['-db', '-f', join(dataDir, 'haproxy.cfg')] });
    expect(layout.readyUrls).toHaveLength(8);
    expect(layout.readyUrls.at(-1)).toBe('http://127.0.0.1:18000/readyz');
  });

  it("keeps the operator's SEARCH_URL and TRUST_PROXY", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-cluster-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    const own = { ...env, SEARCH_URL: 'http://search.internal:8001', TRUST_PROXY: '1' };
    const layout = await layoutCluster({ env: own, config: loadConfig({ env: own, envFile: false }), replicas: parseReplicas('gateway=2'), dataDir });
    expect(layout.processes[0]!.env).toMatchObject({ SEARCH_URL: 'http://search.internal:8001', TRUST_PROXY: '1' });
  });

  it('trusts haproxy even when TRUST_PROXY says to trust nobody, so clients keep their own rate limits', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sis-cluster-'));
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
    for (const off of ['false', '0', ' ']) {
      const own = { ...env, TRUST_PROXY: off };
      const layout = await layoutCluster({ env: own, config: loadConfig({ env: own, envFile: false }), replicas: parseReplicas('gateway=2'), dataDir });
      expect(layout.processes[0]!.env.TRUST_PROXY, off).toBe('loopback');
    }
  });
});
