import type { RequestHandler } from 'express';
import { LegacyDeleteResponseSchema, LegacyImageSchema, LegacyListQuerySchema, LegacyNameParamsSchema } from '@sis/contracts';
import { errorHandler, parse, receivedFile, type ErrorBodyFormat } from '@sis/http';
import type { Logger } from '@sis/config';
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { RouteGroup, type Guards } from '../openapi.js';
import type { LegacyService } from '../services/legacy.service.js';

export interface LegacyRoutesOptions {
  legacy: LegacyService;
  /** The original's guards (requireLegacyScope), reads open unless LEGACY_PUBLIC_READ=false. */
  guards: Guards;
  /** Receives the multipart file (receiveFile), with the memory budget it shares with the other route. */
  receiveUpload: RequestHandler;
  logger: Logger;
}

/** The original answered errors as {"detail": "..."} and missing form fields FastAPI's way (422). */
const legacyBody: ErrorBodyFormat = (error) => (error.code === 'unprocessable' ? { detail: error.details } : { detail: error.message });

/** Errors on the original's routes, in its shape: `{"detail": ...}`, missing form fields 422. */
export function legacyErrors(logger: Logger): ErrorRequestHandler {
  return errorHandler(logger, { body: legacyBody, status: (error) => (error.code === 'unprocessable' ? 422 : undefined) });
}

const LegacyCreateSchema = z.object({
  image_name: z.string().meta({ description: 'Unique name of the image.' }),
  file: z.string().meta({ format: 'binary' }),
});

/**
 * The original Python service's routes, same paths and shapes, for people migrating. Reads are
 * open, as they were, unless LEGACY_PUBLIC_READ=false; writes need the admin password (ADMIN_PW)
 * or a key with the write scope.
 */
export function legacyRoutes({ legacy, receiveUpload, logger, guards }: LegacyRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Original API', guards, legacy: true });

  group.route(
    {
      method: 'get', path: '/images/', scope: 'read',
      summary: 'List images (q runs a semantic search)',
      description: 'Open to anyone, as the original was, unless LEGACY_PUBLIC_READ=false.',
      request: { query: LegacyListQuerySchema },
      success: { status: 200, description: 'Images, newest first or best match first.', schema: z.array(LegacyImageSchema) },
      errors: [400, 401, 503],
    },
    async (req, res) => {
      res.json(await legacy.list(parse(LegacyListQuerySchema, req.query, 'query'), req.requestId));
    },
  );

  group.route(
    {
      method: 'get', path: '/images/{name}', scope: 'read',
      summary: 'Get an image by name',
      description: 'The name the list shows: the unique name it was created with here, or the file name of an image uploaded through /v1 (the newest, when several share it). Open to anyone unless LEGACY_PUBLIC_READ=false.',
      request: { params: LegacyNameParamsSchema },
      success: { status: 200, description: 'The image.', schema: LegacyImageSchema },
      errors: [400, 401, 404],
    },
    async (req, res) => {
      res.json(await legacy.get(parse(LegacyNameParamsSchema, req.params, 'params').name));
    },
  );

  group.route(
    {
      method: 'post', path: '/images/', scope: 'write',
      summary: 'Upload an image under a unique name',
      description: 'Waits for the image to be embedded (up to LEGACY_WAIT_MS), as the original answered only when done.',
      request: { body: { content: { 'multipart/form-data': { schema: LegacyCreateSchema } } } },
      success: { status: 201, description: 'Stored and embedded.', schema: LegacyImageSchema },
      errors: [400, 401, 409, 413, 415, 422, 503],
    },
    receiveUpload,
    async (req, res) => {
      res.status(201).json(await legacy.create(req.body, receivedFile(req), req.requestId));
    },
  );

  group.route(
    {
      method: 'delete', path: '/images/{name}', scope: 'write',
      summary: 'Delete an image by name',
      request: { params: LegacyNameParamsSchema },
      success: { status: 200, description: 'Deleted.', schema: LegacyDeleteResponseSchema },
      errors: [400, 401, 404],
    },
    async (req, res) => {
      await legacy.delete(parse(LegacyNameParamsSchema, req.params, 'params').name);
      res.json({ Message: 'Successfully deleted file.' });
    },
  );

  group.router.use(legacyErrors(logger));
  return group;
}
