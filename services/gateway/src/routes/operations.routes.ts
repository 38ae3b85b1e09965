import {
  BatchResponseSchema,
  BulkActionResponseSchema,
  DashboardResponseSchema,
  IdParamsSchema,
  JobResponseSchema,
  ListBatchesQuerySchema,
  ListBatchesResponseSchema,
  QueuesResponseSchema,
} from '@sis/contracts';
import { parse } from '@sis/http';
import { RouteGroup, type Guards } from '../openapi.js';
import type { OperationsService } from '../services/operations.service.js';

export interface OperationsRoutesOptions {
  operations: OperationsService;
  guards: Guards;
}

export function operationsRoutes({ operations, guards }: OperationsRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Operations', guards });

  group.route(
    {
      method: 'get', path: '/v1/jobs/{id}', scope: 'read',
      summary: "An image's embed job",
      description: 'The job id is the image id.',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'The job and its image status.', schema: JobResponseSchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      res.json(await operations.job(parse(IdParamsSchema, req.params, 'params').id));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/jobs/{id}/retry', scope: 'admin',
      summary: 'Retry a failed image',
      request: { params: IdParamsSchema },
      success: { status: 202, description: 'Queued again.', schema: JobResponseSchema },
      errors: [400, 401, 403, 404, 409],
    },
    async (req, res) => {
      res.status(202).json(await operations.retry(parse(IdParamsSchema, req.params, 'params').id, req.requestId));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/jobs/{id}/discard', scope: 'admin',
      summary: 'Discard a failed image',
      description: 'Deletes the image, its file and its job. Only failed images.',
      request: { params: IdParamsSchema },
      success: { status: 204, description: 'Discarded.' },
      errors: [400, 401, 403, 404, 409],
    },
    async (req, res) => {
      await operations.discard(parse(IdParamsSchema, req.params, 'params').id);
      res.status(204).end();
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/jobs/retry-failed', scope: 'admin',
      summary: 'Retry every failed image (up to 1,000 per call)',
      success: { status: 202, description: 'How many were queued again.', schema: BulkActionResponseSchema },
      errors: [401, 403],
    },
    async (req, res) => {
      res.status(202).json({ count: await operations.retryAllFailed(req.requestId) });
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/jobs/discard-failed', scope: 'admin',
      summary: 'Discard every failed image (up to 1,000 per call)',
      success: { status: 200, description: 'How many were deleted.', schema: BulkActionResponseSchema },
      errors: [401, 403],
    },
    async (_req, res) => {
      res.json({ count: await operations.discardAllFailed() });
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/dashboard', scope: 'admin',
      summary: 'Everything the ops dashboard shows',
      description: 'Queue counts, images by status, throughput per minute, workers online, index size, recent batches and failures.',
      success: { status: 200, description: 'The dashboard data.', schema: DashboardResponseSchema },
      errors: [401, 403],
    },
    async (_req, res) => {
      res.json(await operations.dashboard());
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/batches', scope: 'read',
      summary: 'Recent batches, newest first',
      request: { query: ListBatchesQuerySchema },
      success: { status: 200, description: 'Batches with counts by status.', schema: ListBatchesResponseSchema },
      errors: [400, 401, 403],
    },
    async (req, res) => {
      res.json({ items: await operations.recentBatches(parse(ListBatchesQuerySchema, req.query, 'query').limit) });
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/queues', scope: 'read',
      summary: 'Queue depth by state, images by status',
      success: { status: 200, description: 'Counts.', schema: QueuesResponseSchema },
      errors: [401, 403],
    },
    async (_req, res) => {
      res.json(await operations.queues());
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/batches/{id}', scope: 'read',
      summary: 'Progress of a batch',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'Counts by status.', schema: BatchResponseSchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      res.json(await operations.batch(parse(IdParamsSchema, req.params, 'params').id));
    },
  );

  return group;
}
