import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { SearchResponseSchema, type SearchResponse } from '@sis/contracts';
import { createDatabase, ModelRepository, type Database, type Kysely } from '@sis/db';
import { copyImages, exactNearest, sampleImageIds } from '@sis/db/benchmark';
import { freshDatabase } from '@sis/local-stack/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { serveSearch, type ServedSearch } from './serve.js';

/** Past the 1,000 results deep pages must reach; every second image is a PNG. */
const IMAGES = 1_100;
const DIMENSION = 512;

let db: Kysely<Database>;
let served: ServedSearch;
let base: string;
/** Photos searched with may have at most this many pixels. */
const MAX_PIXELS = 4_000_000;
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
let modelId: number;

/** A deterministic unit vector per index (a small LCG), so a failure can be replayed. */
function vector(seed: number): Float32Array {
  let state = seed * 2654435761 + 1;
  const v = new Float32Array(DIMENSION);
  for (let i = 0; i < DIMENSION; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    v[i] = state / 2 ** 31 - 0.5;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

async function post(body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

/** Every page of a search, following nextCursor to the end. */
async function allPages(request: Record<string, unknown>): Promise<SearchResponse[]> {
  const pages: SearchResponse[] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await post({ ...request, ...(cursor ? { cursor } : {}) });
    expect(status, JSON.stringify(body)).toBe(200);
    pages.push(SearchResponseSchema.parse(body));
    cursor = pages.at(-1)!.nextCursor ?? undefined;
  } while (cursor && pages.length < 400);
  return pages;
}

beforeAll(async () => {
  const url = await freshDatabase(inject('stackEnv').DATABASE_URL!, 'pages');
  db = createDatabase({ url });
  ({ id: modelId } = await new ModelRepository({ db }).ensure({ source: TINY_CLIP_DIR, dtype: null, dimension: DIMENSION, preprocessingHash: 'pages-test' }));
  await copyImages(url, modelId, Array.from({ length: IMAGES }, (_, i) => ({ embedding: vector(i), contentType: i % 2 ? 'image/png' : 'image/jpeg' })));
  served = await serveSearch(db, TINY_CLIP_DIR, { maxPixels: MAX_PIXELS, maxPhotoBytes: MAX_PHOTO_BYTES });
  base = served.base;
});
afterAll(async () => {
  await served?.close();
  await db?.destroy();
});

describe('deep pages', () => {
  it('walks past 1,000 results without a duplicate, in order, and agrees with the exact ranking', async () => {
    const [like] = await sampleImageIds(db, 1);
    const pages = await allPages({ imageId: like, limit: 200 });
    const results = pages.flatMap((page) => page.results);
    const ids = results.map((r) => r.image.id);
    // Every other image is reachable: the HNSW walk may drop a stray node, never a page.
    expect(ids.length).toBeGreaterThanOrEqual(1_050);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < results.length; i++) expect(results[i]!.score).toBeLessThanOrEqual(results[i - 1]!.score);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    // The first 1,000 against the exact answer (a sequential scan): the same images, nearly all.
    const exact = await exactNearest(db, { modelId, query: { imageId: like! }, limit: 1_000 });
    const found = new Set(ids.slice(0, 1_000));
    expect(exact.filter(({ image }) => found.has(image.id)).length / exact.length).toBeGreaterThanOrEqual(0.95);
  });

  it('applies the same filters on every page', async () => {
    const pages = await allPages({ q: 'a red picture', limit: 150, filters: { contentType: 'image/png' } });
    const results = pages.flatMap((page) => page.results);
    expect(pages.length).toBeGreaterThan(3);
    expect(results.every((r) => r.image.contentType === 'image/png')).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(500);
    expect(new Set(results.map((r) => r.image.id)).size).toBe(results.length);
  });

  it('pages hybrid results 1,000 deep, each image once', async () => {
    const pages = await allPages({ q: 'a red picture', mode: 'hybrid', limit: 150 });
    const ids = pages.flatMap((page) => page.results.map((r) => r.image.id));
    expect(ids.length).toBeGreaterThanOrEqual(1_000);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('goes on past a folded page that came out short', async () => {
    // At threshold 0 every vector less than 90° from a result folds into it: pages come out short.
    const pages = await allPages({ q: 'a red picture', limit: 3, collapseDuplicates: true, duplicateThreshold: 0, filters: { contentType: 'image/png' } });
    expect(pages.slice(0, -1).some((page) => page.results.length < 3)).toBe(true);
    const seen = pages.flatMap((page) => page.results.flatMap((r) => [r.image.id, ...r.duplicates!.map((d) => d.image.id)]));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(500);
  });

  it('gives the same page for the same cursor, and lets the page size change', async () => {
    const first = (await post({ q: 'blue', limit: 100 })).body as SearchResponse;
    const again = [await post({ q: 'blue', limit: 100, cursor: first.nextCursor }), await post({ q: 'blue', limit: 100, cursor: first.nextCursor })];
    expect(again[0]!.body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual(again[1]!.body.results.map((r: { image: { id: string } }) => r.image.id));
    const smaller = await post({ q: 'blue', limit: 7, cursor: first.nextCursor });
    expect(smaller.body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual(again[0]!.body.results.slice(0, 7).map((r: { image: { id: string } }) => r.image.id));
  });

  it('refuses a changed cursor, and one sent with another search, naming the field', async () => {
    const { nextCursor } = (await post({ q: 'green', limit: 10, filters: { contentType: 'image/png' } })).body as SearchResponse;
    const [payload, tag] = nextCursor!.split('.');
    // Skipped ahead by hand: the position is readable, but changing it breaks the signature.
    const position = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${Buffer.from(JSON.stringify({ ...position, n: 500 })).toString('base64url')}.${tag}`;
    for (const cursor of [forged, `${payload}.${tag!.slice(1)}A`, 'not-a-cursor', `${payload}.${tag}.x`]) {
      const { status, body } = await post({ q: 'green', limit: 10, filters: { contentType: 'image/png' }, cursor });
      expect(status, cursor).toBe(400);
      expect(body.error.message).toMatch(/^cursor: is not a cursor this service issued, or was changed/);
    }
    for (const other of [{ q: 'red' }, { q: 'green' }, { q: 'green', filters: { contentType: 'image/jpeg' } }, { q: 'green', mode: 'hybrid' }]) {
      const { status, body } = await post({ limit: 10, ...other, cursor: nextCursor });
      expect(status, JSON.stringify(other)).toBe(400);
      expect(body.error.message).toMatch(/^cursor: belongs to another search/);
    }
    // The same search with its filters in another order is the same search.
    expect((await post({ filters: { contentType: 'image/png' }, limit: 10, q: 'green', cursor: nextCursor })).status).toBe(200);
  });
});
