import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { BatchResponseSchema, IdParamsSchema, JobResponseSchema, QueuesResponseSchema } from '@sis/contracts';
import { parse } from '@sis/contracts/http';
import { Router, type RequestHandler } from 'express';
import { document, type RouteGroup } from '../openapi.js';
import type { OperationsService } from '../services/operations.service.js';

export interface OperationsRoutesDeps {
  operations: OperationsService;
  canRead: RequestHandler;
  isAdmin: RequestHandler;
}

export function operationsRoutes({ operations, canRead, isAdmin }: OperationsRoutesDeps): RouteGroup {
  const router = Router();
  const registry = new OpenAPIRegistry();
  const tag = 'Operations';

  document(registry, {
    method: 'get', path: '/v1/jobs/{id}', tag, scope: 'read',
    summary: "An image's embed job",
    description: 'The job id is the image id.',
    request: { params: IdParamsSchema },
    success: { status: 200, description: 'The job and its image status.', schema: JobResponseSchema },
    errors: [400, 401, 403, 404],
  });
  router.get('/v1/jobs/:id', canRead, async (req, res) => {
    res.json(await operations.job(parse(IdParamsSchema, req.params, 'params').id));
  });

  document(registry, {
    method: 'post', path: '/v1/jobs/{id}/retry', tag, scope: 'admin',
    summary: 'Retry a failed image',
    request: { params: IdParamsSchema },
    success: { status: 202, description: 'Queued again.', schema: JobResponseSchema },
    errors: [400, 401, 403, 404, 409],
  });
  router.post('/v1/jobs/:id/retry', isAdmin, async (req, res) => {
    res.status(202).json(await operations.retry(parse(IdParamsSchema, req.params, 'params').id, req.requestId));
  });

  document(registry, {
    method: 'get', path: '/v1/queues', tag, scope: 'read',
    summary: 'Queue depth by state, images by status',
    success: { status: 200, description: 'Counts.', schema: QueuesResponseSchema },
    errors: [401, 403],
  });
  router.get('/v1/queues', canRead, async (_req, res) => {
    res.json(await operations.queues());
  });

  document(registry, {
    method: 'get', path: '/v1/batches/{id}', tag, scope: 'read',
    summary: 'Progress of a batch',
    request: { params: IdParamsSchema },
    success: { status: 200, description: 'Counts by status.', schema: BatchResponseSchema },
    errors: [400, 401, 403, 404],
  });
  router.get('/v1/batches/:id', canRead, async (req, res) => {
    res.json(await operations.batch(parse(IdParamsSchema, req.params, 'params').id));
  });

  return { router, registry };
}
