import type { RequestHandler } from 'express';
import {
  BatchCompleteResponseSchema,
  BatchUploadRequestSchema,
  BatchUploadResponseSchema,
  CompleteUploadResponseSchema,
  CreateUploadRequestSchema,
  CreateUploadResponseSchema,
  IdParamsSchema,
} from '@sis/contracts';
import { parse, receivedFile } from '@sis/http';
import { z } from 'zod';
import { RouteGroup, type Guards } from '../openapi.js';
import type { UploadService } from '../services/upload.service.js';

export interface UploadRoutesOptions {
  uploads: UploadService;
  guards: Guards;
  /** Receives the multipart file (receiveFile), with the memory budget it shares with the other route. */
  receiveUpload: RequestHandler;
}

const MultipartUploadSchema = z.object({
  file: z.string().meta({ format: 'binary', description: 'The image file.' }),
  metadata: z.string().optional().meta({ description: 'A JSON object kept with the image.' }),
});

export function uploadRoutes({ uploads, receiveUpload, guards }: UploadRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Uploads', guards });

  group.route(
    {
      method: 'post', path: '/v1/uploads', scope: 'write',
      summary: 'Presign one upload',
      description: 'Creates the image record and a URL to PUT the file to, bound to its key, content type and exact size, valid for up to 15 minutes. Then call complete.',
      request: { body: { content: { 'application/json': { schema: CreateUploadRequestSchema } } } },
      success: { status: 201, description: 'The pending image and where to upload it.', schema: CreateUploadResponseSchema },
      errors: [400, 401, 403, 413, 415, 503],
    },
    async (req, res) => {
      res.status(201).json(await uploads.createUpload(parse(CreateUploadRequestSchema, req.body)));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/uploads/batch', scope: 'write',
      summary: 'Presign up to 500 uploads as one batch',
      description: 'Items are checked one by one: an invalid item is reported in its place and the others still get URLs.',
      request: { body: { content: { 'application/json': { schema: BatchUploadRequestSchema } } } },
      success: { status: 201, description: 'The batch and, per item, an upload or an error.', schema: BatchUploadResponseSchema },
      errors: [400, 401, 403, 413],
    },
    async (req, res) => {
      const { label, items } = parse(BatchUploadRequestSchema, req.body);
      res.status(201).json(await uploads.createBatch(label, items));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/uploads/{id}/complete', scope: 'write',
      summary: 'Confirm an upload and queue it for embedding',
      description: 'Checks that the object exists with the declared size, then queues the image. Safe to repeat: 202 when this call queued it, 200 with the current state otherwise.',
      request: { params: IdParamsSchema },
      success: { status: 202, description: 'Queued by this call.', schema: CompleteUploadResponseSchema, also: { 200: 'Completed before: the image in its current state.' } },
      errors: [400, 401, 403, 404, 409],
    },
    async (req, res) => {
      const { id } = parse(IdParamsSchema, req.params, 'params');
      const { image, queuedNow } = await uploads.complete(id, req.requestId);
      res.status(queuedNow ? 202 : 200).json({ image });
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/batches/{id}/complete', scope: 'write',
      summary: 'Confirm every upload of a batch',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'How many were queued, and which uploads were missing or wrong.', schema: BatchCompleteResponseSchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      const { id } = parse(IdParamsSchema, req.params, 'params');
      res.json(await uploads.completeBatch(id, req.requestId));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/images', scope: 'write',
      summary: 'Upload a file through the gateway',
      description: 'For clients that cannot PUT to S3. The type is read from the file itself. Prefer presigned uploads for anything large or many.',
      request: { body: { content: { 'multipart/form-data': { schema: MultipartUploadSchema } } } },
      success: { status: 202, description: 'Stored and queued.', schema: CompleteUploadResponseSchema },
      errors: [400, 401, 403, 413, 415, 503],
    },
    receiveUpload,
    async (req, res) => {
      res.status(202).json({ image: await uploads.uploadForm(req.body, receivedFile(req), req.requestId) });
    },
  );

  return group;
}
