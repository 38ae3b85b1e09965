import { createServer, type Server } from 'node:http';
import type { HealthResponse } from '@sis/contracts';

/** The worker has no API; this small server lets orchestrators and script/server probe it. */
export function createHealthServer(): Server {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', service: 'worker' } satisfies HealthResponse));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url}` } }));
  });
}
