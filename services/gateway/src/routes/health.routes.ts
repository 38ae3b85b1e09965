import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { HealthResponseSchema, ReadinessResponseSchema } from '@sis/contracts';
import { z } from 'zod';
import { document } from '../openapi.js';

/** Documents the health routes that @sis/http serves in every service. */
export function healthDocs(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const tag = 'Health';
  document(registry, { method: 'get', path: '/healthz', tag, scope: 'public', summary: 'The process is up', success: { status: 200, description: 'Up.', schema: HealthResponseSchema }, errors: [] });
  document(registry, {
    method: 'get', path: '/readyz', tag, scope: 'public',
    summary: 'Postgres, Redis, storage and search are reachable',
    success: { status: 200, description: 'Ready (503 with the failing checks otherwise).', schema: ReadinessResponseSchema },
    errors: [503],
  });
  document(registry, { method: 'get', path: '/metrics', tag, scope: 'public', summary: 'Prometheus metrics', success: { status: 200, description: 'Text exposition format.', schema: z.string(), contentType: 'text/plain' }, errors: [] });
  return registry;
}
