import type { HealthResponse } from '@sis/contracts';
import { Router } from 'express';
import { Gauge, type Registry } from 'prom-client';
import { checkReadiness, type ReadinessChecks } from './readiness.js';

export interface HealthRoutesOptions {
  service: HealthResponse['service'];
  /** What `/readyz` checks, by name; 503 naming the failures unless all pass. */
  readiness: ReadinessChecks;
  /** What `/metrics` serves. */
  metrics: Registry;
}

/**
 * `/healthz` (the process is up: liveness), `/readyz` (every dependency answers: readiness) and
 * `/metrics` (Prometheus), the same in every service. `/metrics` includes `sis_ready{check}`, each
 * readiness check run at scrape time (1 passing, 0 failing), so an alert can tell a service that
 * runs but cannot serve from one that is down.
 */
export function healthRoutes(options: HealthRoutesOptions): Router {
  new Gauge({
    name: 'sis_ready',
    help: 'Readiness checks by name, run at scrape time: 1 passing, 0 failing.',
    labelNames: ['check'],
    registers: [options.metrics],
    async collect() {
      const { checks } = await checkReadiness(options.readiness);
      this.reset();
      for (const [check, result] of Object.entries(checks)) this.set({ check }, result.ok ? 1 : 0);
    },
  });
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.service } satisfies HealthResponse);
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(options.readiness);
    res.status(readiness.status === 'ready' ? 200 : 503).json(readiness);
  });
  router.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });
  return router;
}
