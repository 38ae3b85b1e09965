import { createServer, type Server } from 'node:http';
import type { Readiness } from '@sis/config';
import type { HealthResponse } from '@sis/contracts';
import type { Registry } from 'prom-client';

export interface HealthServerProps {
  /** Checks the worker's dependencies; 503 unless every check passes. */
  readiness: () => Promise<Readiness>;
  /** The registry to serve at /metrics; undefined until the worker is running. */
  metrics: () => Registry | undefined;
}

/** The worker has no API; this small server lets orchestrators and Prometheus probe it. */
export function createHealthServer(props: HealthServerProps): Server {
  return createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: { code: 'method_not_allowed', message: `${req.method} is not allowed here` } });
    if (req.url === '/healthz') return send(200, { status: 'ok', service: 'worker' } satisfies HealthResponse);
    if (req.url === '/readyz') {
      props.readiness().then((result) => send(result.status === 'ready' ? 200 : 503, result), () => send(503, { status: 'unavailable', checks: {} }));
      return;
    }
    if (req.url === '/metrics') {
      const registry = props.metrics();
      if (!registry) return send(503, 'worker still starting', 'text/plain');
      registry.metrics().then((text) => send(200, text, registry.contentType), () => send(500, 'metrics unavailable', 'text/plain'));
      return;
    }
    send(404, { error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } });
  });
}
