import { z } from 'zod';

/** `GET /healthz`: the process is up. Says nothing about its dependencies (that is /readyz). */
export const HealthResponseSchema = z
  .object({
    status: z.literal('ok'),
    service: z.enum(['gateway', 'search', 'worker']),
  })
  .meta({ id: 'Health' });
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** `GET /readyz`: every dependency answered (200) or which did not (503). */
export const ReadinessResponseSchema = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), error: z.string().optional(), ms: z.number() })),
  })
  .meta({ id: 'Readiness' });
export type ReadinessResponse = z.infer<typeof ReadinessResponseSchema>;
