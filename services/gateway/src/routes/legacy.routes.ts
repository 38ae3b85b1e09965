import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { LegacyDeleteResponseSchema, LegacyImageSchema, LegacyListQuerySchema, LegacyNameParamsSchema } from '@sis/contracts';
import { errorHandler, parse, receivedFile, receiveFile, type ErrorBodyFormat } from '@sis/http';
import type { Logger } from '@sis/config';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { document, type RouteGroup } from '../openapi.js';
import type { LegacyService } from '../services/legacy.service.js';

export interface LegacyRoutesOptions {
  legacy: LegacyService;
  /** The original's write guard (requireLegacyWrite). */
  canWrite: RequestHandler;
  maxUploadBytes: number;
  logger: Logger;
}

/** The original answered errors as {"detail": "..."} and missing form fields FastAPI's way (422). */
const legacyBody: ErrorBodyFormat = (error) => (error.code === 'unprocessable' ? { detail: error.details } : { detail: error.message });

const LegacyCreateSchema = z.object({
  image_name: z.string().meta({ description: 'Unique name of the image.' }),
  file: z.string().meta({ format: 'binary' }),
});

/**
 * The original Python service's routes, same paths and shapes, for people migrating. Reads are
 * open, as they were; writes need the admin password (ADMIN_PW) or a key with the write scope.
 */
export function legacyRoutes({ legacy, canWrite, maxUploadBytes, logger }: LegacyRoutesOptions): RouteGroup {
  const router = Router();
  const registry = new OpenAPIRegistry();
  const tag = 'Original API';

  document(registry, {
    method: 'get', path: '/images/', tag, scope: 'public', legacy: true,
    summary: 'List images (q runs a semantic search)',
    request: { query: LegacyListQuerySchema },
    success: { status: 200, description: 'Images, newest first or best match first.', schema: z.array(LegacyImageSchema) },
    errors: [400, 503],
  });
  router.get('/images/', async (req, res) => {
    res.json(await legacy.list(parse(LegacyListQuerySchema, req.query, 'query'), req.requestId));
  });

  document(registry, {
    method: 'get', path: '/images/{name}', tag, scope: 'public', legacy: true,
    summary: 'Get an image by name',
    request: { params: LegacyNameParamsSchema },
    success: { status: 200, description: 'The image.', schema: LegacyImageSchema },
    errors: [404],
  });
  router.get('/images/:name', async (req, res) => {
    res.json(await legacy.get(parse(LegacyNameParamsSchema, req.params, 'params').name));
  });

  const receive = receiveFile({ field: 'file', maxBytes: maxUploadBytes });
  document(registry, {
    method: 'post', path: '/images/', tag, scope: 'write', legacy: true,
    summary: 'Upload an image under a unique name',
    description: 'Waits for the image to be embedded (up to LEGACY_WAIT_MS), as the original answered only when done.',
    request: { body: { content: { 'multipart/form-data': { schema: LegacyCreateSchema } } } },
    success: { status: 201, description: 'Stored and embedded.', schema: LegacyImageSchema },
    errors: [400, 401, 413, 415, 422],
  });
  router.post('/images/', canWrite, receive, async (req, res) => {
    res.status(201).json(await legacy.create(req.body, receivedFile(req), req.requestId));
  });

  document(registry, {
    method: 'delete', path: '/images/{name}', tag, scope: 'write', legacy: true,
    summary: 'Delete an image by name',
    request: { params: LegacyNameParamsSchema },
    success: { status: 200, description: 'Deleted.', schema: LegacyDeleteResponseSchema },
    errors: [401, 404],
  });
  router.delete('/images/:name', canWrite, async (req, res) => {
    await legacy.delete(parse(LegacyNameParamsSchema, req.params, 'params').name);
    res.json({ Message: 'Successfully deleted file.' });
  });

  router.use(errorHandler(logger, { body: legacyBody, status: (error) => (error.code === 'unprocessable' ? 422 : undefined) }));
  return { router, registry };
}
