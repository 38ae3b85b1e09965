import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '@sis/config';
import { freePort } from './ports.js';
import { serviceProcess, SERVICES, type ServiceName } from './services.js';
import type { SupervisedProcess } from './supervisor.js';

/** How many processes of each service to run. */
export type Replicas = Readonly<Record<ServiceName, number>>;

/** Most processes of one service `--replicas` starts on one machine. */
export const MAX_REPLICAS = 16;

/**
 * Reads `gateway=2,search=2,worker=3`; services left out run once.
 * @throws Error saying what is wrong, for a message at the command line.
 */
export function parseReplicas(text: string): Replicas {
  const replicas: Record<ServiceName, number> = { gateway: 1, search: 1, worker: 1 };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, count] = part.split('=').map((p) => p.trim());
    if (!(SERVICES as readonly string[]).includes(name!)) throw new Error(`"${name}" is not a service; use ${SERVICES.join(', ')} (as in gateway=2,search=2,worker=3)`);
    if (!/^\d+$/.test(count ?? '') || Number(count) < 1 || Number(count) > MAX_REPLICAS) throw new Error(`${name}: expected a count from 1 to ${MAX_REPLICAS} (got "${count ?? ''}")`);
    replicas[name as ServiceName] = Number(count);
  }
  return replicas;
}

/** The processes of a replicated run and where each answers once ready. */
export interface ClusterLayout {
  processes: SupervisedProcess[];
  /** `/readyz` of every service process, and the gateways' front. */
  readyUrls: string[];
  /** Process name → its own URL, for tools that stop or watch one replica. */
  urls: Record<string, string>;
}

/**
 * Lays out `replicas` of each service on this machine, the way a cluster runs them: every process
 * on a free loopback port, the gateways behind haproxy on the public port (GATEWAY_PORT), and the
 * gateways given every search replica (SEARCH_URL as a list) unless SEARCH_URL was set.
 */
export async function layoutCluster(options: { env: Readonly<Record<string, string>>; config: Config; replicas: Replicas; dataDir: string }): Promise<ClusterLayout> {
  const { env, config, replicas } = options;
  // One at a time, each told the others: chosen at once, two replicas could draw the same port.
  const taken = new Set<number>();
  const ports = async (service: ServiceName) => {
    const chosen: number[] = [];
    for (let i = 0; i < replicas[service]; i++) {
      const port = await freePort(taken);
      taken.add(port);
      chosen.push(port);
    }
    return chosen;
  };
  const [gateways, searches, workers] = [await ports('gateway'), await ports('search'), await ports('worker')];
  const searchUrls = searches.map((port) => `http://127.0.0.1:${port}`);
  const shared: Record<string, string> = {
    ...env,
    ...(env.SEARCH_URL?.trim() ? {} : { SEARCH_URL: searchUrls.join(',') }),
    // Behind haproxy every request comes from loopback: the client's address is in X-Forwarded-For.
    // Trusting nobody would put every client in one rate-limit bucket, so `false` cannot stand here.
    ...(trustsSomeone(env.TRUST_PROXY) ? {} : { TRUST_PROXY: 'loopback' }),
  };
  const urls: Record<string, string> = {};
  const processes: SupervisedProcess[] = [];
  const add = (service: ServiceName, port: number, index: number, setting: string) => {
    const name = `${service}-${index + 1}`;
    urls[name] = `http://127.0.0.1:${port}`;
    const own = service === 'gateway' ? { GATEWAY_PORT: String(port), HOST: '127.0.0.1' } : { [setting]: String(port) };
    processes.push({ name, ...serviceProcess(service, { ...shared, ...own }) });
  };
  gateways.forEach((port, i) => add('gateway', port, i, 'GATEWAY_PORT'));
  searches.forEach((port, i) => add('search', port, i, 'SEARCH_PORT'));
  workers.forEach((port, i) => add('worker', port, i, 'WORKER_PORT'));

  const configFile = join(options.dataDir, 'haproxy.cfg');
  await writeFile(configFile, haproxyConfig(config.http.host, config.http.gatewayPort, gateways));
  processes.push({ name: 'haproxy', command: 'haproxy', args: ['-db', '-f', configFile], env: { PATH: env.PATH ?? process.env.PATH ?? '' } });
  const front = `http://127.0.0.1:${config.http.gatewayPort}`;
  return { processes, urls, readyUrls: [...Object.values(urls), front].map((url) => `${url}/readyz`) };
}

/** Whether TRUST_PROXY names proxies to trust (anything but unset, empty, false or 0). */
function trustsSomeone(value: string | undefined): boolean {
  return !['', 'false', 'no', 'off', '0'].includes(value?.trim().toLowerCase() ?? '');
}

/**
 * haproxy in front of the gateways. Checked on /healthz (alive), not /readyz: while PostgreSQL is
 * away every gateway is unready, and clients should then get the gateway's JSON 503 naming it, not
 * haproxy's page. A connection refused by a gateway that just died is tried on another.
 */
function haproxyConfig(host: string, port: number, gateways: readonly number[]): string {
  return `# Written by sis up --replicas; rewritten at every start.
global
  maxconn 4096

defaults
  mode http
  option forwardfor
  option redispatch
  retries 2
  retry-on conn-failure
  timeout connect 2s
  # Direct uploads and long ingests through the gateway take their time.
  timeout client 10m
  timeout server 10m

frontend sis
  bind ${host.includes(':') ? `[${host}]` : host}:${port}
  default_backend gateways

backend gateways
  balance roundrobin
  option httpchk GET /healthz
  default-server check inter 1s fall 2 rise 1
${gateways.map((p, i) => `  server gateway-${i + 1} 127.0.0.1:${p}`).join('\n')}
`;
}
