import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { Readiness } from '@sis/config';
import { HealthResponseSchema, ReadinessResponseSchema, type HealthResponse } from '@sis/contracts';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { document, type RouteGroup } from '../openapi.js';

export function healthRoutes(props: { readiness: () => Promise<Readiness>; metrics: Registry }): RouteGroup {
  const router = Router();
  const registry = new OpenAPIRegistry();
  const tag = 'Health';

  document(registry, { method: 'get', path: '/healthz', tag, scope: 'public', summary: 'The process is up', success: { status: 200, description: 'Up.', schema: HealthResponseSchema }, errors: [] });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'gateway' } satisfies HealthResponse);
  });

  document(registry, {
    method: 'get', path: '/readyz', tag, scope: 'public',
    summary: 'Postgres, Redis, storage and search are reachable',
    success: { status: 200, description: 'Ready (503 with the failing checks otherwise).', schema: ReadinessResponseSchema },
    errors: [503],
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await props.readiness();
    res.status(readiness.status === 'ready' ? 200 : 503).json(readiness);
  });

  document(registry, { method: 'get', path: '/metrics', tag, scope: 'public', summary: 'Prometheus metrics', success: { status: 200, description: 'Text exposition format.', schema: z.string(), contentType: 'text/plain' }, errors: [] });
  router.get('/metrics', async (_req, res) => {
    res.type(props.metrics.contentType).send(await props.metrics.metrics());
  });

  return { router, registry };
}
