import { PayloadTooLargeError, PhotoSearchSchema, SearchRequestSchema, ServiceUnavailableError, type SearchResponse } from '@sis/contracts';
import { decodePhotoSearch, MemoryBudget, parse, PHOTO_SEARCH_TYPE, reserveMemory, UPLOAD_MEMORY_RETRY_AFTER_SECONDS } from '@sis/http';
import express, { Router } from 'express';
import type { SearchService } from '../services/search.service.js';

/** Photos a replica holds at once, each up to the upload limit: beyond, a photo search is told to come back. */
const PHOTOS_AT_ONCE = 4;
/** Room for the search's JSON beside the photo. */
const SEARCH_JSON_BYTES = 64 * 1024;

/** The search service's routes; only the gateway calls them. */
export function searchRoutes(search: SearchService, options: { maxPhotoBytes: number }): Router {
  const router = Router();
  router.post('/search', async (req, res) => {
    res.json((await search.search(parse(SearchRequestSchema, req.body))) satisfies SearchResponse);
  });
  // The gateway has checked the photo and the search; every gateway replica may send some at once.
  const limit = options.maxPhotoBytes + SEARCH_JSON_BYTES;
  const refuse = () => new ServiceUnavailableError('photo_capacity', 'the search service is embedding as many photos as it holds at once; try again shortly', { retryAfterSeconds: UPLOAD_MEMORY_RETRY_AFTER_SECONDS });
  router.post('/search/photo', reserveMemory(new MemoryBudget(PHOTOS_AT_ONCE * limit), limit, refuse), express.raw({ type: PHOTO_SEARCH_TYPE, limit }), async (req, res) => {
    const { search: fields, photo } = decodePhotoSearch(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    if (photo.length > options.maxPhotoBytes) throw new PayloadTooLargeError('file_too_large', `image: the file is larger than the upload limit of ${options.maxPhotoBytes} bytes`);
    res.json((await search.searchPhoto(photo, parse(PhotoSearchSchema, fields))) satisfies SearchResponse);
  });
  return router;
}
