import { z } from 'zod';

/** `GET /healthz`: the process is up. Says nothing about its dependencies (that is /readyz). */
export const HealthResponseSchema = z.object({
  status: z.literal('ok'),
  service: z.enum(['gateway', 'search', 'worker']),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;
