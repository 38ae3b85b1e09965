import type { Readiness } from '@sis/config';
import type { HealthResponse } from '@sis/contracts';
import { Router } from 'express';
import type { Registry } from 'prom-client';

export function healthRoutes(props: { readiness: () => Promise<Readiness>; metrics: Registry }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'search' } satisfies HealthResponse);
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await props.readiness();
    res.status(readiness.status === 'ready' ? 200 : 503).json(readiness);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(props.metrics.contentType).send(await props.metrics.metrics());
  });
  return router;
}
