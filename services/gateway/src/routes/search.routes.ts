import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { SearchQuerySchema, SearchRequestSchema, SearchResponseSchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { Router, type RequestHandler } from 'express';
import { document, type RouteGroup } from '../openapi.js';
import type { SearchService } from '../services/search.service.js';

export interface SearchRoutesOptions {
  search: SearchService;
  canRead: RequestHandler;
}

export function searchRoutes({ search, canRead }: SearchRoutesOptions): RouteGroup {
  const router = Router();
  const registry = new OpenAPIRegistry();
  const tag = 'Search';

  document(registry, {
    method: 'get', path: '/v1/search', tag, scope: 'read',
    summary: 'Search images with words',
    request: { query: SearchQuerySchema },
    success: { status: 200, description: 'The closest images, best first.', schema: SearchResponseSchema },
    errors: [400, 401, 403, 503],
  });
  router.get('/v1/search', canRead, async (req, res) => {
    res.json(await search.search(parse(SearchQuerySchema, req.query, 'query'), req.requestId));
  });

  document(registry, {
    method: 'post', path: '/v1/search', tag, scope: 'read',
    summary: 'Search with words or an image, with filters',
    request: { body: { content: { 'application/json': { schema: SearchRequestSchema } } } },
    success: { status: 200, description: 'The closest images, best first.', schema: SearchResponseSchema },
    errors: [400, 401, 403, 404, 409, 503],
  });
  router.post('/v1/search', canRead, async (req, res) => {
    res.json(await search.search(parse(SearchRequestSchema, req.body), req.requestId));
  });

  return { router, registry };
}
