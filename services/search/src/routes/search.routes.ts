import { SearchRequestSchema, type SearchResponse } from '@sis/contracts';
import { parse } from '@sis/http';
import { Router } from 'express';
import type { SearchService } from '../services/search.service.js';

/** The search service's one real route; only the gateway calls it. */
export function searchRoutes(search: SearchService): Router {
  const router = Router();
  router.post('/search', async (req, res) => {
    res.json((await search.search(parse(SearchRequestSchema, req.body))) satisfies SearchResponse);
  });
  return router;
}
