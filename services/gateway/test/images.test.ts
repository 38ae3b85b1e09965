import { randomUUID } from 'node:crypto';
import { colourImage } from '@sis/image/testing';
import { ListImagesResponseSchema, SearchResponseSchema } from '@sis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
const ids: string[] = [];
/** Each colour's JPEG as uploaded, to search with as a photo. */
const jpegs = new Map<string, Buffer>();
const jpegOf = (colour: string) => jpegs.get(colour)!;
beforeAll(async () => {
  gw = await startGateway();
  for (const [i, colour] of ['red', 'green', 'blue', 'yellow', 'orange'].entries()) {
    jpegs.set(colour, await colourImage(colour, { width: 100 + i, height: 80, exif: { Make: i % 2 ? 'Nikon' : 'Canon' } }));
    ids.push(await gw.upload(jpegOf(colour), 'image/jpeg', `${colour}.jpg`));
  }
  for (const id of ids) await gw.settled(id);
});
afterAll(() => gw?.stop());

describe('GET /v1/images', () => {
  it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await gw.api('GET', `/v1/images?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      const body = ListImagesResponseSchema.parse(page.body);
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status', async () => {
    const pending = await gw.api('POST', '/v1/uploads', { json: { filename: 'wait.jpg', contentType: 'image/jpeg', size: 5 } });
    const listed = await gw.api('GET', '/v1/images?status=pending_upload');
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([pending.body.image.id]);
    expect((await gw.api('GET', '/v1/images?status=ready')).body.items).toHaveLength(5);
  });

  it.each([
    ['limit=0', 'query.limit: must be at least 1'],
    ['limit=500', 'query.limit: must be at most 200'],
    ['limit=ten', 'query.limit: must be a number'],
    ['status=done', expect.stringMatching(/^query\.status: Invalid option/)],
    ['batchId=7', 'query.batchId: must be a UUID'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor: is not a cursor this API returned'],
  ])('answers ?%s with 400', async (query, message) => {
    const response = await gw.api('GET', `/v1/images?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toEqual(message);
  });
});

describe('GET /v1/images/{id}', () => {
  it('shows EXIF, dimensions, hash and a download URL', async () => {
    const { body } = await gw.api('GET', `/v1/images/${ids[0]}`);
    expect(body).toMatchObject({ id: ids[0], status: 'ready', exif: { Make: 'Canon' }, width: 100, height: 80, attempts: 1, duplicateOf: null });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.thumbnailUrl).toMatch(/thumbnails/);
    expect((await fetch(body.url)).status).toBe(200);
  });

  it('answers 404 for an unknown id', async () => {
    const response = await gw.api('GET', `/v1/images/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('image_not_found');
  });
});

describe('search through the gateway', () => {
  it('GET /v1/search ranks by the query', async () => {
    const { status, body } = await gw.api('GET', '/v1/search?q=a%20green%20picture&limit=2');
    expect(status).toBe(200);
    expect(SearchResponseSchema.parse(body).results[0]!.image.id).toBe(ids[1]);
  });

  it('POST /v1/search takes a photo it does not keep, alone or with words, thumbnails and pages included', async () => {
    const before = (await gw.api('GET', '/v1/images?limit=200')).body.items.length;
    const photo = (search?: object) => {
      const form = new FormData();
      form.append('image', new Blob([Buffer.from(jpegOf('green'))]), 'query.jpg');
      if (search) form.append('search', JSON.stringify(search));
      return form;
    };
    const alone = await gw.api('POST', '/v1/search', { form: photo({ limit: 2 }) });
    expect(alone.status, JSON.stringify(alone.body)).toBe(200);
    const parsed = SearchResponseSchema.parse(alone.body);
    expect(parsed.results.map((r) => r.image.id)).toHaveLength(2);
    expect(parsed.results[0]!.image.id).toBe(ids[1]);
    expect(parsed.results[0]!.image.thumbnailUrl).toMatch(/thumbnails/);
    const next = await gw.api('POST', '/v1/search', { form: photo({ limit: 2, cursor: parsed.nextCursor }) });
    expect(next.status).toBe(200);
    expect(next.body.results.map((r: { image: { id: string } }) => r.image.id)).not.toContain(ids[1]);
    // Words can outweigh the photo.
    const withWords = await gw.api('POST', '/v1/search', { form: photo({ q: 'a blue picture', imageWeight: 0.2, limit: 1 }) });
    expect(withWords.body.results[0].image.id).toBe(ids[2]);
    expect((await gw.api('GET', '/v1/images?limit=200')).body.items.length).toBe(before);
  });

  it('GET /v1/search pages with its cursor, and refuses a changed one naming the field', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await gw.api('GET', `/v1/search?q=a%20green%20picture&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.results.map((r: { image: { id: string } }) => r.image.id));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 20);
    expect(seen[0]).toBe(ids[1]);
    expect([...seen].sort()).toEqual([...ids].sort());
    const { body } = await gw.api('GET', '/v1/search?q=a%20green%20picture&limit=2');
    const tampered = await gw.api('GET', `/v1/search?q=a%20green%20picture&limit=2&cursor=${encodeURIComponent(`x${body.nextCursor}`)}`);
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.message).toMatch(/^cursor: is not a cursor this service issued/);
  });

  it('POST /v1/search takes filters and image queries', async () => {
    const nikon = await gw.api('POST', '/v1/search', { json: { q: 'red', limit: 5, filters: { exif: { Make: 'Nikon' } } } });
    expect(nikon.body.results.map((r: { image: { id: string } }) => r.image.id).sort()).toEqual([ids[1], ids[3]].sort());
    for (const exif of [{ 'Ma\u0000ke': 'Nikon' }, { Make: 'Nik\u0000on' }, { '\ud800': 0 }, { Make: '\udfff' }]) {
      const nul = await gw.api('POST', '/v1/search', { json: { q: 'red', filters: { exif } } });
      expect(nul.status).toBe(400);
      expect(nul.body.error.code).toBe('validation_failed');
      expect(nul.body.error.message).toMatch(/^filters\.exif\./);
    }
    const like = await gw.api('POST', '/v1/search', { json: { imageId: ids[2], limit: 3 } });
    expect(like.status).toBe(200);
    expect(like.body.results).toHaveLength(3);
  });

  it('finds an image by its file name in text and hybrid mode, and not in semantic mode', async () => {
    const id = await gw.upload(await colourImage('gray', { width: 57, height: 41, format: 'png' }), 'image/png', 'invoice-2024.png');
    expect((await gw.settled(id)).status).toBe('ready');
    try {
      const ranked = async (mode: string) => (await gw.api('GET', `/v1/search?q=invoice&mode=${mode}&limit=3`)).body.results.map((r: { image: { id: string } }) => r.image.id);
      expect(await ranked('text')).toEqual([id]);
      expect((await ranked('hybrid'))[0]).toBe(id);
      // tiny-clip knows only colour words: by its pixels, a gray image is no invoice.
      expect((await ranked('semantic'))[0]).not.toBe(id);
      expect((await gw.api('GET', '/v1/search?q=invoice&mode=fuzzy')).body.error.message).toBe('query.mode: must be one of semantic, text, hybrid');
    } finally {
      await gw.api('DELETE', `/v1/images/${id}`);
    }
  });

  it('finds near-duplicates by a threshold, and folds them into one result on request, thumbnails and all', async () => {
    // Five different colours: none is a near-duplicate of another at the default 0.95…
    const none = await gw.api('GET', `/v1/images/${ids[0]}/duplicates`);
    expect(none.status).toBe(200);
    expect(none.body.results).toEqual([]);
    // …and at 0 every other image is, most similar first.
    const all = SearchResponseSchema.parse((await gw.api('GET', `/v1/images/${ids[0]}/duplicates?threshold=0&limit=10`)).body).results;
    expect(all.map((r) => r.image.id).sort()).toEqual(ids.filter((id) => id !== ids[0]).sort());
    expect(all.map((r) => r.score)).toEqual([...all.map((r) => r.score)].sort((a, b) => b - a));
    const folded = SearchResponseSchema.parse((await gw.api('POST', '/v1/search', { json: { q: 'red', limit: 5, collapseDuplicates: true, duplicateThreshold: 0 } })).body).results;
    expect(folded).toHaveLength(1);
    expect(folded[0]!.duplicates).toHaveLength(4);
    expect(folded[0]!.duplicates!.every((d) => d.image.thumbnailUrl?.startsWith('http'))).toBe(true);
    const unfolded = (await gw.api('POST', '/v1/search', { json: { q: 'red', limit: 5, collapseDuplicates: true, duplicateThreshold: 1 } })).body.results;
    expect(unfolded).toHaveLength(5);
    for (const [query, message] of [
      ['threshold=1.5', 'query.threshold: must be at most 1'],
      ['threshold=-0.1', 'query.threshold: must be at least 0'],
      ['threshold=high', 'query.threshold: must be a number'],
      ['limit=0', 'query.limit: must be at least 1'],
    ]) {
      const refused = await gw.api('GET', `/v1/images/${ids[0]}/duplicates?${query}`);
      expect(refused.status, query).toBe(400);
      expect(refused.body.error.message).toBe(message);
    }
    expect((await gw.api('GET', `/v1/images/${randomUUID()}/duplicates`)).status).toBe(404);
    expect((await gw.api('POST', '/v1/search', { json: { q: 'red', duplicateThreshold: 2 } })).body.error.message).toBe('duplicateThreshold: must be at most 1');
  });

  it('keeps SQL-looking queries as text', async () => {
    const response = await gw.api('GET', `/v1/search?q=${encodeURIComponent("red' OR 1=1; DROP TABLE images; --")}`);
    expect(response.status).toBe(200);
    expect((await gw.api('GET', '/v1/images?status=ready')).body.items).toHaveLength(5);
  });

  it.each([
    ['/v1/search', 'query.q: is required'],
    ['/v1/search?q=', 'query.q: must not be empty'],
    [`/v1/search?q=${'a'.repeat(1001)}`, 'query.q: must be at most 1000 characters'],
    ['/v1/search?q=red&limit=0', 'query.limit: must be at least 1'],
    ['/v1/search?q=red&limit=201', 'query.limit: must be at most 200'],
  ])('answers GET %s with 400', async (path, message) => {
    const response = await gw.api('GET', path);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe(message);
  });

  it('answers similar-to an image that is not ready with 409, and an unknown one with 404', async () => {
    const pending = await gw.api('POST', '/v1/uploads', { json: { filename: 'p.jpg', contentType: 'image/jpeg', size: 9 } });
    const notReady = await gw.api('GET', `/v1/images/${pending.body.image.id}/similar`);
    expect(notReady.status).toBe(409);
    expect(notReady.body.error.code).toBe('image_not_ready');
    expect((await gw.api('GET', `/v1/images/${randomUUID()}/similar`)).status).toBe(404);
  });
});

describe('DELETE /v1/images/{id}', () => {
  it('removes the row, the vector, the object and the queued job', async () => {
    const bytes = await colourImage('brown', { width: 77, height: 77 });
    // Queue it with no worker taking it yet (the queue paused for every worker): completed but not processed.
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'gone.jpg', contentType: 'image/jpeg', size: bytes.length } });
    const id = created.body.image.id;
    await gw.storage.put(`images/${id}.jpg`, bytes, 'image/jpeg');
    await gw.queue.queue.pause();
    await gw.api('POST', `/v1/uploads/${id}/complete`);
    expect(await gw.queue.state(id)).toBe('waiting');

    const deleted = await gw.api('DELETE', `/v1/images/${id}`);
    await gw.queue.queue.resume();
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect(await gw.images.findById(id)).toBeUndefined();
    expect(await gw.storage.head(`images/${id}.jpg`)).toBeUndefined();
    expect(await gw.storage.head(`thumbnails/${id}.webp`)).toBeUndefined();
    expect(await gw.queue.state(id)).toBe('unknown');
    expect((await gw.api('DELETE', `/v1/images/${id}`)).status).toBe(404);
  });

  it('takes a ready image out of search results', async () => {
    const id = await gw.upload(await colourImage('purple', { width: 66, height: 66 }), 'image/jpeg');
    await gw.settled(id);
    const before = await gw.api('GET', '/v1/search?q=purple&limit=1');
    expect(before.body.results[0].image.id).toBe(id);
    expect(await gw.storage.head(`thumbnails/${id}.webp`)).toBeDefined();
    await gw.api('DELETE', `/v1/images/${id}`);
    expect(await gw.storage.head(`thumbnails/${id}.webp`)).toBeUndefined();
    const after = await gw.api('GET', '/v1/search?q=purple&limit=10');
    expect(after.body.results.map((r: { image: { id: string } }) => r.image.id)).not.toContain(id);
  });
});
