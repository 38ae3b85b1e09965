import { Router } from 'express';
import type { HealthResponse } from '@sis/contracts';

export function healthRoutes(): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: 'search' } satisfies HealthResponse);
  });
  return router;
}
