import { DeleteImageResponseSchema, DuplicatesQuerySchema, IdParamsSchema, ImageDetailSchema, ListImagesQuerySchema, ListImagesResponseSchema, SearchResponseSchema, SimilarQuerySchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { RouteGroup, type Guards } from '../openapi.js';
import type { ImageService } from '../services/image.service.js';
import type { SearchService } from '../services/search.service.js';

export interface ImageRoutesOptions {
  images: ImageService;
  search: SearchService;
  guards: Guards;
}

export function imageRoutes({ images, search, guards }: ImageRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Images', guards });

  group.route(
    {
      method: 'get', path: '/v1/images', scope: 'read',
      summary: 'List images, newest first',
      request: { query: ListImagesQuerySchema },
      success: { status: 200, description: 'A page of images and the cursor for the next.', schema: ListImagesResponseSchema },
      errors: [400, 401, 403],
    },
    async (req, res) => {
      res.json(await images.list(parse(ListImagesQuerySchema, req.query, 'query')));
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/images/{id}', scope: 'read',
      summary: 'Get one image',
      description: 'Status (and why it failed), EXIF, dimensions, hash, duplicate, model, and a short-lived download URL.',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'The image.', schema: ImageDetailSchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      res.json(await images.get(parse(IdParamsSchema, req.params, 'params').id));
    },
  );

  group.route(
    {
      method: 'delete', path: '/v1/images/{id}', scope: 'write',
      summary: 'Delete an image',
      description: 'Removes the record, its vector, the stored file and any queued job.',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'Deleted.', schema: DeleteImageResponseSchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      const deleted = await images.delete(parse(IdParamsSchema, req.params, 'params').id);
      res.json({ id: deleted.id, deleted: true });
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/images/{id}/similar', scope: 'read',
      summary: 'Images like this one',
      request: { params: IdParamsSchema, query: SimilarQuerySchema },
      success: { status: 200, description: 'The nearest images by their vectors, this one left out.', schema: SearchResponseSchema },
      errors: [400, 401, 403, 404, 409, 503],
    },
    async (req, res) => {
      res.json(await search.similar(parse(IdParamsSchema, req.params, 'params').id, parse(SimilarQuerySchema, req.query, 'query').limit, req.requestId));
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/images/{id}/duplicates', scope: 'read',
      summary: 'Near-duplicates of this image',
      description: 'Images whose vectors are at least `threshold` similar to this one (cosine similarity), most similar first: resized, recompressed and lightly edited copies at the default 0.95, identical bytes at 1.',
      request: { params: IdParamsSchema, query: DuplicatesQuerySchema },
      success: { status: 200, description: 'Its near-duplicates, this one left out; none is an empty list.', schema: SearchResponseSchema },
      errors: [400, 401, 403, 404, 409, 503],
    },
    async (req, res) => {
      const { threshold, limit } = parse(DuplicatesQuerySchema, req.query, 'query');
      res.json(await search.duplicates(parse(IdParamsSchema, req.params, 'params').id, threshold, limit, req.requestId));
    },
  );

  return group;
}
