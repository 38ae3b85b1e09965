import { SearchQuerySchema, SearchRequestSchema, SearchResponseSchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { RouteGroup, type Guards } from '../openapi.js';
import type { SearchService } from '../services/search.service.js';

export interface SearchRoutesOptions {
  search: SearchService;
  guards: Guards;
}

export function searchRoutes({ search, guards }: SearchRoutesOptions): RouteGroup {
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
      summary: 'Search with words or an image, with filters',
      request: { body: { content: { 'application/json': { schema: SearchRequestSchema } } } },
      success: { status: 200, description: 'The closest images, best first.', schema: SearchResponseSchema },
      errors: [400, 401, 403, 404, 409, 503],
    },
    async (req, res) => {
      res.json(await search.search(parse(SearchRequestSchema, req.body), req.requestId));
    },
  );

  return group;
}
