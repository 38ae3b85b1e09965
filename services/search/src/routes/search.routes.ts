import { fieldError, PhotoSearchSchema, SearchRequestSchema, type SearchResponse } from '@sis/contracts';
import { parse, PHOTO_SEARCH_HEADER } from '@sis/http';
import express, { Router } from 'express';
import type { SearchService } from '../services/search.service.js';

/** The search service's routes; only the gateway calls them. */
export function searchRoutes(search: SearchService, options: { maxPhotoBytes: number }): Router {
  const router = Router();
  router.post('/search', async (req, res) => {
    res.json((await search.search(parse(SearchRequestSchema, req.body))) satisfies SearchResponse);
  });
  // The photo as the body, the rest of the search in a header (the gateway has checked both).
  router.post('/search/photo', express.raw({ type: 'application/octet-stream', limit: options.maxPhotoBytes }), async (req, res) => {
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw fieldError('image', 'is required');
    res.json((await search.searchPhoto(req.body, parse(PhotoSearchSchema, photoSearch(req.get(PHOTO_SEARCH_HEADER))))) satisfies SearchResponse);
  });
  return router;
}

function photoSearch(header: string | undefined): unknown {
  if (header === undefined) return {};
  try {
    return JSON.parse(Buffer.from(header, 'base64url').toString());
  } catch {
    throw fieldError('search', 'is not base64url JSON');
  }
}
