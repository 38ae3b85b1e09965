import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClipModel, ModelPool } from '@sis/clip';
import { generateTinyClip, TINY_CLIP_DIR, writeModelFiles } from '@sis/clip/fixtures';
import { colourImage, pngClaimingSize } from '@sis/image/testing';
import { SearchRequestSchema, SearchResponseSchema } from '@sis/contracts';
import { encodePhotoSearch, PHOTO_SEARCH_TYPE } from '@sis/http';
import { createDatabase, ImageRepository, ImageStatsRepository, IngestBatchRepository, ModelRepository, type Database, type Kysely } from '@sis/db';
import { freshDatabase } from '@sis/local-stack/testing';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createSearchService } from '../src/create-search-service.js';
import { SearchModels } from '../src/search-models.js';
import { serveSearch, type ServedSearch } from './serve.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white'] as const;
let db: Kysely<Database>;
let images: ImageRepository;
let clip: ClipModel;
let served: ServedSearch;
let base: string;
let pool: ModelPool;
let photos: ModelPool;
/** Photos searched with may have at most this many pixels. */
const MAX_PIXELS = 4_000_000;
const MAX_PHOTO_BYTES = 2 * 1024 * 1024;
const ids: Record<string, string> = {};
let batchId: string;
let modelId: number;

/** Writes an image as the worker would, with tiny-clip's vector for its bytes. */
async function seed(colour: string, extra: { exif?: Record<string, unknown>; contentType?: string; batchId?: string; filename?: string } = {}): Promise<string> {
  const bytes = await colourImage(colour);
  const image = await images.create({ object_key: `seed/${randomUUID()}`, content_type: extra.contentType ?? 'image/jpeg', declared_size: bytes.length, status: 'processing', batch_id: extra.batchId ?? null, metadata: { filename: extra.filename ?? `${colour}.jpg` } });
  const [embedding] = await clip.embedImages([bytes]);
  await images.markReady(image.id, { model: clip.modelId, sha256: randomUUID().replace(/-/g, '').padEnd(64, '0'), width: 640, height: 480, actualSize: bytes.length, exif: extra.exif ?? null, vectors: [{ modelId, embedding: embedding! }] });
  return image.id;
}

async function post(body: unknown, raw = false): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

async function postPhoto(photo: Uint8Array, search?: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}/search/photo`, { method: 'POST', headers: { 'content-type': PHOTO_SEARCH_TYPE }, body: encodePhotoSearch(search ?? {}, photo) });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  db = createDatabase({ url: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'search') });
  images = new ImageRepository({ db });
  clip = await ClipModel.load({ model: TINY_CLIP_DIR, allowRemoteModels: false });
  // Registered as the worker registers what it loads.
  ({ id: modelId } = await new ModelRepository({ db }).ensure({ source: clip.modelId, dtype: null, dimension: clip.dimension, preprocessingHash: clip.preprocessor.fingerprint }));
  batchId = (await new IngestBatchRepository({ db }).create('search-test')).id;
  for (const colour of COLOURS) ids[colour] = await seed(colour, { exif: { Make: colour === 'red' ? 'Canon' : 'Nikon' }, batchId: colour === 'blue' ? batchId : undefined });
  served = await serveSearch(db, TINY_CLIP_DIR, { maxPixels: MAX_PIXELS, maxPhotoBytes: MAX_PHOTO_BYTES });
  ({ base, pool, photos } = served);
});
afterAll(async () => {
  await served?.close();
  await db?.destroy();
  await clip?.dispose();
});

describe('POST /search', () => {
  it('ranks each colour query’s image first, with scores and summaries', async () => {
    for (const colour of COLOURS) {
      const { status, body } = await post({ q: `a ${colour} picture`, limit: 3 });
      expect(status).toBe(200);
      const parsed = SearchResponseSchema.parse(body);
      expect(parsed.results[0]!.image.id, colour).toBe(ids[colour]);
      expect(parsed.results[0]!.image.filename).toBe(`${colour}.jpg`);
      expect(parsed.results[0]!.score).toBeGreaterThan(parsed.results[1]!.score);
      expect(parsed).toMatchObject({ model: TINY_CLIP_DIR, modelId });
      // Six images are no background to judge relevance against.
      expect(parsed.results.every((r) => r.relevance === null)).toBe(true);
    }
  });

  it('encodes a repeated query once, however it is spaced or cased', async () => {
    const calls = vi.spyOn(ClipModel.prototype, 'embedTexts');
    try {
      await post({ q: 'a  Yellow photo of the sun ' });
      await post({ q: 'A yellow   photo OF the sun' });
      await Promise.all([post({ q: 'a yellow photo of the sun' }), post({ q: 'a yellow photo of the sun' })]);
      expect(calls).toHaveBeenCalledTimes(1);
    } finally {
      calls.mockRestore();
    }
  });

  it('finds images like a stored one, leaving that one out', async () => {
    const { status, body } = await post({ imageId: ids.red, limit: 5 });
    expect(status).toBe(200);
    const found = SearchResponseSchema.parse(body).results.map((r) => r.image.id);
    expect(found).toHaveLength(5);
    expect(found).not.toContain(ids.red);
  });

  it('applies filters and still fills the page from the index', async () => {
    const canon = await post({ q: 'blue', limit: 5, filters: { exif: { Make: 'Canon' } } });
    expect(canon.body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual([ids.red]);
    const inBatch = await post({ q: 'red', limit: 5, filters: { batchId } });
    expect(inBatch.body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual([ids.blue]);
    const png = await post({ q: 'red', filters: { contentType: 'image/png' } });
    expect(png.body.results).toEqual([]);
    const nikon = await post({ q: 'red', limit: 5, filters: { exif: { Make: 'Nikon' }, createdAfter: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(nikon.body.results).toHaveLength(5);
  });

  it('answers 404 for an unknown image and 409 for one without a vector yet', async () => {
    const unknown = await post({ imageId: randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('image_not_found');
    const pending = await images.create({ object_key: `seed/${randomUUID()}`, content_type: 'image/jpeg', declared_size: 10 });
    const notReady = await post({ imageId: pending.id });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error).toMatchObject({ code: 'image_not_ready', message: `image ${pending.id} is pending_upload; only ready images have a vector to compare` });
  });

  it('combines words and images with weights, leaving out the images it names', async () => {
    const both = await post({ query: [{ text: 'red' }, { text: 'blue' }], limit: 2 });
    expect(both.status).toBe(200);
    expect(new Set(both.body.results.map((r: { image: { id: string } }) => r.image.id))).toEqual(new Set([ids.red, ids.blue]));
    // Like the blue image, and red: the blue image itself is left out, red comes first.
    const liked = await post({ query: [{ text: 'red' }, { imageId: ids.blue, weight: 0.5 }], limit: 3 });
    const likedIds = liked.body.results.map((r: { image: { id: string } }) => r.image.id);
    expect(likedIds[0]).toBe(ids.red);
    expect(likedIds).not.toContain(ids.blue);
    // Minus green: of the six colours, green comes last.
    const unlike = await post({ query: [{ text: 'red' }, { text: 'green', weight: -0.5 }], limit: 50 });
    const ranked = unlike.body.results.map((r: { image: { id: string } }) => r.image.id).filter((id: string) => Object.values(ids).includes(id));
    expect(ranked.at(-1)).toBe(ids.green);
    expect(ranked[0]).toBe(ids.red);
  });

  it('answers 400 naming the term for an image without a vector, and for terms that cancel out', async () => {
    const unknown = randomUUID();
    const missing = await post({ query: [{ text: 'red' }, { imageId: unknown }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'validation_failed', message: `query.1.imageId: no ready image ${unknown} has a vector from model ${modelId}` });
    const cancelled = await post({ query: [{ text: 'red' }, { text: 'red', weight: -1 }] });
    expect(cancelled.status).toBe(400);
    expect(cancelled.body.error.message).toBe('query: the terms cancel each other out: nothing is left to search for');
  });

  it('finds images by the words they carry in text mode, and fuses both rankings in hybrid mode', async () => {
    const invoice = await seed('gray', { filename: 'invoice-2024.png', contentType: 'image/png', exif: { Make: 'Scanner Co', ImageDescription: 'March receipts' } });
    try {
      const text = await post({ q: 'invoice', mode: 'text' });
      expect(text.status).toBe(200);
      expect(text.body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual([invoice]);
      expect(text.body.results[0].score).toBeGreaterThan(0);
      // Camera, description and file name words; every word must match; filters still apply.
      expect((await post({ q: 'canon', mode: 'text' })).body.results.map((r: { image: { id: string } }) => r.image.id)).toEqual([ids.red]);
      expect((await post({ q: 'receipts 2024', mode: 'text' })).body.results).toHaveLength(1);
      expect((await post({ q: 'invoice 2023', mode: 'text' })).body.results).toEqual([]);
      expect((await post({ q: 'invoice', mode: 'text', filters: { contentType: 'image/jpeg' } })).body.results).toEqual([]);
      // Text results fold by their vectors too: at threshold 0, every .jpg image folds into the first.
      const folded = await post({ q: 'jpg', mode: 'text', collapseDuplicates: true, duplicateThreshold: 0, limit: 10 });
      expect(folded.body.results).toHaveLength(1);
      expect(folded.body.results[0].duplicates.length).toBeGreaterThanOrEqual(COLOURS.length - 1);
      // Hybrid: found by its words and by its pixels, it comes first; the others follow by their pixels.
      const hybrid = await post({ q: 'invoice', mode: 'hybrid', limit: 5 });
      expect(hybrid.body.results[0].image.id).toBe(invoice);
      expect(hybrid.body.results).toHaveLength(5);
      const red = await post({ q: 'a red picture', mode: 'hybrid', limit: 3 });
      expect(red.body.results[0].image.id).toBe(ids.red);
    } finally {
      await images.delete(invoice);
    }
  });

  it('pages word, hybrid and folded results to the end, each image once', async () => {
    const pages = async (request: Record<string, unknown>) => {
      const seen: { image: { id: string }; duplicates?: { image: { id: string } }[] }[][] = [];
      let cursor: string | undefined;
      do {
        const { status, body } = await post({ ...request, ...(cursor ? { cursor } : {}) });
        expect(status, JSON.stringify(body)).toBe(200);
        seen.push(body.results);
        cursor = body.nextCursor ?? undefined;
      } while (cursor && seen.length < 20);
      return seen;
    };
    const everyId = (found: Awaited<ReturnType<typeof pages>>) => found.flat().flatMap((r) => [r.image.id, ...(r.duplicates ?? []).map((d) => d.image.id)]);
    // Every colour image is called <colour>.jpg: equal word ranks, ordered by id across pages.
    const text = await pages({ q: 'jpg', mode: 'text', limit: 4 });
    expect(text.map((page) => page.length)).toEqual([4, 2]);
    expect(everyId(text).sort()).toEqual(Object.values(ids).sort());
    const hybrid = await pages({ q: 'a red picture', mode: 'hybrid', limit: 4 });
    expect(everyId(hybrid)[0]).toBe(ids.red);
    expect(everyId(hybrid).sort()).toEqual(Object.values(ids).sort());
    // tiny-clip puts every colour but the one asked for at exactly the same distance: a tie
    // that pages must split without losing or repeating an image, folded or not.
    for (const limit of [1, 2, 4]) expect(everyId(await pages({ q: 'a red picture', limit })).sort(), `limit ${limit}`).toEqual(Object.values(ids).sort());
    for (const duplicateThreshold of [0, 0.5, 0.95]) {
      const folded = everyId(await pages({ q: 'a red picture', collapseDuplicates: true, duplicateThreshold, limit: 1 }));
      expect(folded.sort(), `threshold ${duplicateThreshold}`).toEqual(Object.values(ids).sort());
    }
  });

  it('searches with a photo it does not keep, alone, with words, and page after page', async () => {
    const stats = new ImageStatsRepository({ db });
    const before = await stats.countByStatus();
    // A photo of the same colour at another size is not a stored image, but it is the nearest.
    const alone = await postPhoto(await colourImage('green', { width: 300, height: 200, format: 'png' }), { limit: 3 });
    expect(alone.status, JSON.stringify(alone.body)).toBe(200);
    expect(SearchResponseSchema.parse(alone.body).results[0]!.image.id).toBe(ids.green);
    expect(alone.body.results[0].score).toBeGreaterThan(0.9);
    // With words that outweigh it, the words win; minus them, the photo does.
    const photo = await colourImage('yellow');
    expect((await postPhoto(photo, { q: 'a blue picture', imageWeight: 0.2, limit: 1 })).body.results[0].image.id).toBe(ids.blue);
    expect((await postPhoto(photo, { query: [{ text: 'blue', weight: -0.5 }], limit: 1 })).body.results[0].image.id).toBe(ids.yellow);
    // Pages, tied to this photo: another photo's search refuses the cursor.
    const first = await postPhoto(photo, { limit: 4 });
    // The next page finds the photo's vector remembered: no second run of the tower.
    const tower = vi.spyOn(photos.get(modelId)!, 'embedImages');
    const second = await postPhoto(photo, { limit: 4, cursor: first.body.nextCursor });
    expect(tower).not.toHaveBeenCalled();
    tower.mockRestore();
    expect(second.status).toBe(200);
    const paged = [...first.body.results, ...second.body.results].map((r: { image: { id: string } }) => r.image.id);
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged.length).toBeGreaterThanOrEqual(COLOURS.length);
    const other = await postPhoto(await colourImage('red'), { limit: 4, cursor: first.body.nextCursor });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toMatch(/^cursor: belongs to another search/);
    expect(await stats.countByStatus()).toEqual(before);
  });

  it.each([
    ['bytes that are no image', () => Buffer.from('just some text, no image at all'), 400, /^image: /],
    ['a truncated JPEG', async () => (await colourImage('red')).subarray(0, 200), 400, /^image: /],
    ['a photo over the size limit', () => Buffer.alloc(MAX_PHOTO_BYTES + 1, 0xff), 413, /^image: the file is larger than the upload limit/],
    ['a photo over the pixel limit', () => pngClaimingSize(4000, 4000), 400, /^image: .*pixel limit/],
  ])('refuses a search with %s', async (_kind, bytes, status, message) => {
    const { status: actual, body } = await postPhoto(await bytes(), { limit: 3 });
    expect(actual).toBe(status);
    expect(body.error.message).toMatch(message);
  });

  it('answers 503 photo_capacity with Retry-After while it holds as many photos as it may', async () => {
    // Four bodies declared at the full size, trickling in: their memory is taken until they end.
    const most = MAX_PHOTO_BYTES + 64 * 1024;
    const held = Array.from({ length: 4 }, () => {
      const req = request(`${base}/search/photo`, { method: 'POST', headers: { 'content-type': PHOTO_SEARCH_TYPE, 'content-length': String(most) } });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(10));
      return req;
    });
    try {
      await expect
        .poll(async () => {
          const response = await fetch(`${base}/search/photo`, { method: 'POST', headers: { 'content-type': PHOTO_SEARCH_TYPE }, body: encodePhotoSearch({}, await colourImage('red')) });
          return [response.status, response.headers.get('retry-after'), ((await response.json()) as { error?: { code: string } }).error?.code];
        })
        .toEqual([503, '2', 'photo_capacity']);
    } finally {
      for (const req of held) req.destroy();
    }
    // Given back when they end: photos are searched again.
    await expect.poll(async () => (await postPhoto(await colourImage('red'), { limit: 1 })).status).toBe(200);
  });

  it('answers 400 naming the field for a bad photo search', async () => {
    const photo = await colourImage('red');
    for (const [search, message] of [
      [{ q: 'red', query: [{ text: 'blue' }] }, /^q: give q or query, not both/],
      [{ imageWeight: 0 }, /^imageWeight: must be more than 0/],
      [{ imageWeight: 3 }, /^imageWeight: must be at most 2/],
      [{ imageId: ids.red }, /imageId/],
    ] as const) {
      const { status, body } = await postPhoto(photo, search);
      expect(status, JSON.stringify(search)).toBe(400);
      expect(body.error.message).toMatch(message);
    }
    const empty = await postPhoto(new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('image: is required');
    // A body not framed as the gateway frames it.
    for (const [body, message] of [
      [Buffer.from([0, 0, 1, 0, 123]), 'search: is cut off: the body is shorter than the length it declares'],
      [Buffer.from([0, 0, 0, 3, 110, 111, 33, 1]), 'search: is not JSON'],
      [Buffer.from([0, 0]), 'search: is cut off: the body is shorter than the length it declares'],
    ] as const) {
      const response = await fetch(`${base}/search/photo`, { method: 'POST', headers: { 'content-type': PHOTO_SEARCH_TYPE }, body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
    }
  });

  it('treats SQL-looking text as text', async () => {
    const { status, body } = await post({ q: "'; drop table images; -- red" });
    expect(status).toBe(200);
    expect(body.results.length).toBeGreaterThan(0);
    expect(await images.findById(ids.red!)).toBeDefined();
  });

  it.each([
    ['empty q', { q: '   ' }, 'q: must not be empty'],
    ['q over 1000 characters', { q: 'x'.repeat(1001) }, 'q: must be at most 1000 characters'],
    ['limit 0', { q: 'red', limit: 0 }, 'limit: must be at least 1'],
    ['limit 201', { q: 'red', limit: 201 }, 'limit: must be at most 200'],
    ['fractional limit', { q: 'red', limit: 2.5 }, 'limit: must be a whole number'],
    ['both q and imageId', { q: 'red', imageId: randomUUID() }, 'q: give exactly one of q, imageId and query'],
    ['neither q nor imageId', { limit: 3 }, 'q: give exactly one of q, imageId and query'],
    ['q and a combined query', { q: 'red', query: [{ text: 'blue' }] }, 'q: give exactly one of q, imageId and query'],
    ['a weight over 2', { query: [{ text: 'red', weight: 2.5 }] }, 'query.0.weight: must be at most 2'],
    ['a weight under -2', { query: [{ text: 'red' }, { text: 'blue', weight: -3 }] }, 'query.1.weight: must be at least -2'],
    ['an empty combined query', { query: [] }, 'query: must have at least one term'],
    ['no positive term', { query: [{ text: 'red', weight: -1 }, { text: 'blue', weight: 0 }] }, 'query: needs at least one term with a positive weight'],
    ['nine terms', { query: Array.from({ length: 9 }, () => ({ text: 'red' })) }, 'query: must have at most 8 terms'],
    ['a term with text and an image', { query: [{ text: 'red', imageId: randomUUID() }] }, 'query.0: must be {"text": …, "weight": …} or {"imageId": …, "weight": …}'],
    ['a term with an empty text', { query: [{ text: ' ' }] }, 'query.0.text: must not be empty'],
    ['text mode without q', { imageId: randomUUID(), mode: 'text' }, 'mode: text and hybrid search take q'],
    ['an unknown mode', { q: 'red', mode: 'fuzzy' }, 'mode: must be one of semantic, text, hybrid'],
    ['a NUL in q', { q: 'invoice\u0000', mode: 'text' }, 'q: must not contain NUL (\\u0000) or lone surrogates'],
    ['a malformed imageId', { imageId: 'nope' }, 'imageId: must be a UUID'],
    ['an unknown filter', { q: 'red', filters: { colour: 'red' } }, 'filters: Unrecognized key: "colour"'],
    ['a non-date filter', { q: 'red', filters: { createdAfter: 'yesterday' } }, 'filters.createdAfter: Invalid ISO datetime'],
  ])('answers 400 naming the field for %s', async (_what, body, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.message).toBe(message);
    expect(response.body.error.requestId).toBeTruthy();
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await post('{"q": "red"', true);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });
});

describe('operations', () => {
  it('answers /healthz, /readyz and /metrics, and a JSON 404 elsewhere', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', service: 'search' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { ok: boolean }> }).checks.postgres!.ok).toBe(true);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/sis_http_request_seconds_count\{method="POST",route="\/search",status="200"\} \d+/);
    const missing = await fetch(`${base}/nope`, { headers: { 'x-request-id': 'my-request-1' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('my-request-1');
    expect(await missing.json()).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /nope', requestId: 'my-request-1' } });
  });
});

describe('which model search answers from', () => {
  it('is the active one unless another complete model is asked for; an unknown or incomplete one is refused', async () => {
    const models = new ModelRepository({ db });
    const dir = await mkdtemp(join(tmpdir(), 'tiny-clip-256-'));
    await writeModelFiles(dir, generateTinyClip({ dimension: 256 }));
    const vision256 = await ClipModel.load({ model: dir, allowRemoteModels: false, towers: ['vision'] });
    try {
      const second = await models.register({ source: dir, dtype: null, activateWhenComplete: false });
      // Not loaded by a worker yet: it has no vectors to search.
      expect((await post({ q: 'red', model: second.id })).body.error).toMatchObject({ code: 'model_not_found', message: `no model ${second.id} has vectors to search; GET /v1/models lists them` });
      await models.completeRegistration(second.id, { dimension: vision256.dimension, preprocessingHash: vision256.preprocessor.fingerprint });
      const incomplete = await post({ q: 'red', model: second.id });
      expect(incomplete.status).toBe(409);
      expect(incomplete.body.error).toMatchObject({ code: 'model_incomplete', details: { embedded: 0 } });

      // Filled in, as re-embedding does: now it answers, with its own 256-d vectors and text tower.
      for (const colour of COLOURS) {
        const [embedding] = await vision256.embedImages([await colourImage(colour)]);
        expect(await images.addVector(ids[colour]!, { modelId: second.id, embedding: embedding! })).toBe(true);
      }
      for (const id of await models.imagesWithoutVector(second.id, { limit: 1000 })) {
        await images.addVector(id, { modelId: second.id, embedding: (await vision256.embedImages([await colourImage('gray')]))[0]! });
      }
      const compared = await post({ q: 'a green picture', model: second.id, limit: 2 });
      expect(compared.status).toBe(200);
      expect(compared.body).toMatchObject({ model: dir, modelId: second.id });
      expect(compared.body.results[0].image.id).toBe(ids.green);
      // The active model still answers by default.
      expect((await post({ q: 'a green picture' })).body).toMatchObject({ model: TINY_CLIP_DIR, modelId });
      expect((await post({ q: 'red', model: 424242 })).status).toBe(404);
      expect((await post({ q: 'red', model: 0 })).body.error.message).toBe('model: must be at least 1');
      expect((await post({ q: 'red', model: '2' })).body.error.message).toBe('model: must be a number');

      // A switch: the next search answers from the new model.
      await models.activate(second.id);
      expect((await post({ q: 'a blue picture', limit: 1 })).body).toMatchObject({ modelId: second.id, results: [{ image: { id: ids.blue } }] });
      await models.activate(modelId, { force: true });
      expect((await post({ q: 'a blue picture', limit: 1 })).body).toMatchObject({ modelId, results: [{ image: { id: ids.blue } }] });

      // A replica that still trusts an old list (for a minute here) while the model it names is
      // switched from and retired: it finds the table gone, reads the list again, and answers.
      const trusting = createSearchService(db, { efSearch: 40, models: new SearchModels({ models, pool, photos, cacheSize: 10, trustMs: 60_000 }) });
      await models.activate(second.id);
      expect(await trusting.search(SearchRequestSchema.parse({ q: 'a blue picture', limit: 1 }))).toMatchObject({ modelId: second.id });
      await models.activate(modelId, { force: true });
      await models.retire(second.id);
      expect(await trusting.search(SearchRequestSchema.parse({ q: 'a blue picture', limit: 1 }))).toMatchObject({ modelId, results: [{ image: { id: ids.blue } }] });
      expect(await trusting.search(SearchRequestSchema.parse({ q: 'red', limit: 1, model: second.id })).catch((error: unknown) => error)).toMatchObject({ code: 'model_not_found' });
    } finally {
      await vision256.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds nothing, and says no model answered, before any model is active', async () => {
    const empty = createDatabase({ url: await freshDatabase(inject('stackEnv').DATABASE_URL!, 'search-empty') });
    const none = new ModelPool({ base: { model: TINY_CLIP_DIR, allowRemoteModels: false, towers: ['text'] } });
    try {
      const search = createSearchService(empty, { efSearch: 40, models: new SearchModels({ models: new ModelRepository({ db: empty }), pool: none, photos, cacheSize: 10 }) });
      expect(await search.search(SearchRequestSchema.parse({ q: 'red', limit: 5 }))).toMatchObject({ results: [], model: null, modelId: null });
      expect(none.entries()).toEqual([]);
    } finally {
      await none.dispose();
      await empty.destroy();
    }
  });
});
