import { PhotoSearchSchema, SearchQuerySchema, SearchRequestSchema, SearchResponseSchema } from '@sis/contracts';
import { parse, receivedFile } from '@sis/http';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { RouteGroup, type Guards } from '../openapi.js';
import type { SearchService } from '../services/search.service.js';

export interface SearchRoutesOptions {
  search: SearchService;
  guards: Guards;
  /** Receives the photo of a multipart search (receiveFile, field `image`), within the upload routes' memory budget. */
  receivePhoto: RequestHandler;
}

const PhotoSearchFormSchema = z.object({
  image: z.string().meta({ format: 'binary', description: 'The photo to search with: a JPEG, PNG, WebP, GIF, AVIF or TIFF within the upload limits. It is not stored.' }),
  search: PhotoSearchSchema.optional().meta({ description: 'The rest of the search, as JSON: words or terms to combine with the photo, limit, filters, cursor…' }),
});

export function searchRoutes({ search, guards, receivePhoto }: SearchRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Search', guards });

  group.route(
    {
      method: 'get', path: '/v1/search', scope: 'read',
      summary: 'Search images with words',
      request: { query: SearchQuerySchema },
      success: { status: 200, description: 'The closest images, best first.', schema: SearchResponseSchema },
      errors: [400, 401, 403, 404, 409, 503],
    },
    async (req, res) => {
      res.json(await search.search(parse(SearchQuerySchema, req.query, 'query'), req.requestId));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/search', scope: 'read',
      summary: 'Search with words, a stored image, a photo, or a mix, with filters',
      description:
        'JSON: words (`q`), a stored image (`imageId`) or a weighted mix (`query`). Multipart: a photo that is not stored (`image`), with the rest of the search as JSON in `search`: words or terms to mix the photo with, limit, filters, cursor.',
      request: { body: { content: { 'application/json': { schema: SearchRequestSchema }, 'multipart/form-data': { schema: PhotoSearchFormSchema, encoding: { search: { contentType: 'application/json' } } } } } },
      success: { status: 200, description: 'The closest images, best first.', schema: SearchResponseSchema },
      errors: [400, 401, 403, 404, 409, 413, 415, 503],
    },
    // Only a form is read as one: a JSON body goes straight on.
    (req, res, next) => (req.is('multipart/form-data') ? receivePhoto(req, res, next) : next()),
    async (req, res) => {
      if (req.is('multipart/form-data')) return void res.json(await search.searchPhoto(req.body, receivedFile(req), req.requestId));
      res.json(await search.search(parse(SearchRequestSchema, req.body), req.requestId));
    },
  );

  return group;
}
