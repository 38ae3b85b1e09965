import { createHash, randomUUID } from 'node:crypto';
import { colourImage } from '@sis/image/testing';
import { CreateUploadResponseSchema, ImageDetailSchema } from '@sis/contracts';
import { operationsOf, ResponseOracle } from '@sis/fuzz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageKey, stagingKey } from '@sis/storage';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ MAX_UPLOAD_BYTES: String(2 * 1024 * 1024), MAX_PIXELS: '20000000' });
});
afterAll(() => gw?.stop());

const COLOURS = ['red', 'green', 'blue', 'yellow', 'black', 'white'] as const;

describe('presign → PUT → complete → ready → search', () => {
  it('takes colour photos all the way to a ranked text search', async () => {
    const ids: Record<string, string> = {};
    for (const colour of COLOURS) ids[colour] = await gw.upload(await colourImage(colour), 'image/jpeg', `${colour}.jpg`);
    for (const id of Object.values(ids)) expect((await gw.settled(id)).status).toBe('ready');

    const image = await gw.api('GET', `/v1/images/${ids.red}`);
    expect(image.status).toBe(200);
    const detail = ImageDetailSchema.parse(image.body);
    expect(detail).toMatchObject({ status: 'ready', filename: 'red.jpg', width: 640, height: 480, contentType: 'image/jpeg', model: gw.config.clip.model });
    expect(Buffer.from(await (await fetch(detail.url!)).arrayBuffer()).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect((await fetch(detail.thumbnailUrl!)).headers.get('content-type')).toBe('image/webp');

    for (const colour of COLOURS) {
      const search = await gw.api('GET', `/v1/search?q=${encodeURIComponent(`a ${colour} picture`)}&limit=3`);
      expect(search.status).toBe(200);
      expect(search.body.results[0].image.id, colour).toBe(ids[colour]);
      expect((await fetch(search.body.results[0].image.thumbnailUrl)).status).toBe(200);
    }
    const similar = await gw.api('GET', `/v1/images/${ids.blue}/similar?limit=2`);
    expect(similar.body.results.map((r: { image: { id: string } }) => r.image.id)).not.toContain(ids.blue);
  });

  it('binds the upload URL to the key, type and size it was asked for', async () => {
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'x.png', contentType: 'IMAGE/PNG', size: 1234, metadata: { album: 'summer' } } });
    expect(created.status).toBe(201);
    const body = CreateUploadResponseSchema.parse(created.body);
    expect(body.image).toMatchObject({ status: 'pending_upload', contentType: 'image/png', size: 1234, metadata: { album: 'summer', filename: 'x.png' }, url: null });
    const url = new URL(body.upload.url);
    // A staging key: completion copies it to images/, where no presigned URL can write.
    expect(url.pathname).toBe(`/${gw.config.s3.bucket}/uploads/${body.image.id}.png`);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(body.upload.headers).toEqual({ 'Content-Type': 'image/png', 'Content-Length': '1234' });
    expect(new Date(body.upload.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it('completes idempotently: the second call queues nothing and says where the image is', async () => {
    const bytes = await colourImage('purple', { width: 200, height: 100 });
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'p.jpg', contentType: 'image/jpeg', size: bytes.length } });
    await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes });
    const id = created.body.image.id;
    const first = await gw.api('POST', `/v1/uploads/${id}/complete`);
    const second = await gw.api('POST', `/v1/uploads/${id}/complete`);
    expect(first.status).toBe(202);
    expect(first.body.image.status).toBe('queued');
    expect(second.status).toBe(200);
    expect(['queued', 'processing', 'ready']).toContain(second.body.image.status);
    expect((await gw.settled(id)).attempts).toBe(1);
  });

  it('refuses to complete before the file is there, or when it is not the declared size', async () => {
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'later.jpg', contentType: 'image/jpeg', size: 500 } });
    const early = await gw.api('POST', `/v1/uploads/${created.body.image.id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('upload_missing');
    // The URL is bound to 500 bytes, so storage refuses 499 through it (as AWS and MinIO do)…
    const short = await fetch(created.body.upload.url, { method: 'PUT', headers: { 'Content-Type': 'image/jpeg' }, body: Buffer.alloc(499) });
    expect(short.status).toBe(403);
    // …and completion still checks, for a store that would not.
    await gw.storage.put(stagingKey(created.body.image.id, 'image/jpeg'), Buffer.alloc(499), 'image/jpeg');
    const wrong = await gw.api('POST', `/v1/uploads/${created.body.image.id}/complete`);
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatchObject({ code: 'size_mismatch', details: { declared: 500, actual: 499 } });
    expect((await gw.images.findById(created.body.image.id))?.status).toBe('pending_upload');
  });

  it('lets no upload URL change an image once completed: not after it is ready, not after it is deleted', async () => {
    const red = await colourImage('red', { width: 97, height: 61 });
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'r.jpg', contentType: 'image/jpeg', size: red.length } });
    const { id } = created.body.image;
    const put = (bytes: Buffer) => fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes });
    expect((await put(red)).status).toBe(200);
    expect((await gw.api('POST', `/v1/uploads/${id}/complete`)).status).toBe(202);
    const ready = await gw.settled(id);
    expect(ready.status).toBe('ready');

    // The URL is still valid: a PUT of other bytes of the same length lands, but only in staging.
    const blue = Buffer.alloc(red.length, 0x42);
    expect((await put(blue)).status).toBe(200);
    const detail = ImageDetailSchema.parse((await gw.api('GET', `/v1/images/${id}`)).body);
    const served = Buffer.from(await (await fetch(detail.url!)).arrayBuffer());
    expect(createHash('sha256').update(served).digest('hex')).toBe(ready.sha256);
    expect((await gw.api('POST', `/v1/uploads/${id}/complete`)).status).toBe(200);
    expect(await gw.images.findById(id)).toMatchObject({ status: 'ready', attempts: 1 });

    // Deleted, then PUT again: nothing appears where images are kept (the sweeper takes the staged one).
    expect((await gw.api('DELETE', `/v1/images/${id}`)).status).toBe(200);
    expect(await gw.storage.head(stagingKey(id, 'image/jpeg'))).toBeUndefined();
    expect((await put(blue)).status).toBe(200);
    expect(await gw.storage.head(imageKey(id, 'image/jpeg'))).toBeUndefined();
    expect((await gw.api('GET', `/v1/images/${id}`)).status).toBe(404);
  });

  it('reuses the vector when the same bytes are uploaded again', async () => {
    const bytes = await colourImage('pink', { width: 321, height: 123 });
    const first = await gw.settled(await gw.upload(bytes, 'image/jpeg'));
    const second = await gw.settled(await gw.upload(bytes, 'image/jpeg'));
    expect(second).toMatchObject({ status: 'ready', duplicate_of: first.id, sha256: first.sha256 });
    const detail = await gw.api('GET', `/v1/images/${second.id}`);
    expect(detail.body.duplicateOf).toBe(first.id);
  });
});

describe('batches', () => {
  it('presigns 100 uploads at once, completes them together, and counts them through to ready', async () => {
    const files = await Promise.all(Array.from({ length: 100 }, (_, i) => colourImage(COLOURS[i % 6]!, { width: 64 + i, height: 48 })));
    const presigned = await gw.api('POST', '/v1/uploads/batch', {
      json: { label: 'hundred', items: files.map((bytes, i) => ({ filename: `f${i}.jpg`, contentType: 'image/jpeg', size: bytes.length })) },
    });
    expect(presigned.status).toBe(201);
    expect(presigned.body.items).toHaveLength(100);
    const batchId = presigned.body.batch.id;
    await Promise.all(presigned.body.items.map((item: { upload: { url: string; headers: Record<string, string> } }, i: number) => fetch(item.upload.url, { method: 'PUT', headers: item.upload.headers, body: files[i] })));
    const completed = await gw.api('POST', `/v1/batches/${batchId}/complete`);
    expect(completed.body).toEqual({ batch: { id: batchId }, queued: 100, alreadyCompleted: 0, missing: [] });
    await expect.poll(async () => (await gw.api('GET', `/v1/batches/${batchId}`)).body.counts.ready, { timeout: 60_000, interval: 200 }).toBe(100);
    const batch = await gw.api('GET', `/v1/batches/${batchId}`);
    expect(batch.body).toMatchObject({ label: 'hundred', total: 100, counts: { pending_upload: 0, queued: 0, processing: 0, failed: 0 } });
    const again = await gw.api('POST', `/v1/batches/${batchId}/complete`);
    expect(again.body).toMatchObject({ queued: 0, alreadyCompleted: 100 });
    const listed = await gw.api('GET', `/v1/images?batchId=${batchId}&limit=200`);
    expect(listed.body.items).toHaveLength(100);
  });

  it('reports invalid items in their place and still presigns the rest; lists uploads never made', async () => {
    const presigned = await gw.api('POST', '/v1/uploads/batch', {
      json: {
        items: [
          { filename: 'ok.jpg', contentType: 'image/jpeg', size: 10 },
          { filename: 'doc.pdf', contentType: 'application/pdf', size: 10 },
          { filename: 'big.jpg', contentType: 'image/jpeg', size: 3 * 1024 * 1024 },
          { filename: '', contentType: 'image/png', size: 0 },
          'not an object',
          { filename: 'ok.webp', contentType: 'image/webp', size: 20 },
        ],
      },
    });
    expect(presigned.status).toBe(201);
    const items = presigned.body.items;
    expect(items.map((i: { ok: boolean }) => i.ok)).toEqual([true, false, false, false, false, true]);
    expect(items[1].error).toMatchObject({ code: 'unsupported_content_type' });
    expect(items[2].error).toMatchObject({ code: 'file_too_large' });
    expect(items[3].error.message).toBe('filename: must not be empty; size: must be at least 1 byte');
    expect(items[4].error.message).toMatch(/^\(body\): /);
    const completed = await gw.api('POST', `/v1/batches/${presigned.body.batch.id}/complete`);
    expect(completed.body.queued).toBe(0);
    expect(completed.body.missing.map((m: { error: { code: string } }) => m.error.code)).toEqual(['upload_missing', 'upload_missing']);
  });

  it('refuses a batch label with control characters', async () => {
    const response = await gw.api('POST', '/v1/uploads/batch', { json: { label: 'photos\u0000', items: [{ filename: 'a.jpg', contentType: 'image/jpeg', size: 10 }] } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('label: must not contain control characters');
  });

  it('refuses an empty batch or one over 500 items', async () => {
    expect((await gw.api('POST', '/v1/uploads/batch', { json: { items: [] } })).body.error.message).toBe('items: must hold at least one item');
    const tooMany = await gw.api('POST', '/v1/uploads/batch', { json: { items: Array.from({ length: 501 }, () => ({})) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toBe('items: must hold at most 500 items');
    expect((await gw.api('POST', `/v1/batches/${randomUUID()}/complete`)).status).toBe(404);
  });
});

describe('resuming by content hash', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('skips files the server holds, re-signs ones never finished, and uploads one copy of twins', async () => {
    const done = await colourImage('gray', { width: 210, height: 90 });
    await gw.settled(await gw.upload(done, 'image/jpeg'));
    const abandoned = await colourImage('gray', { width: 211, height: 90 });
    const first = await gw.api('POST', '/v1/uploads/batch', { json: { items: [{ filename: 'a.jpg', contentType: 'image/jpeg', size: abandoned.length, sha256: sha256(abandoned) }] } });
    const abandonedId = first.body.items[0].image.id;
    const twin = await colourImage('gray', { width: 212, height: 90 });

    const again = await gw.api('POST', '/v1/uploads/batch', {
      json: {
        items: [done, abandoned, twin, twin].map((bytes, i) => ({ filename: `f${i}.jpg`, contentType: 'image/jpeg', size: bytes.length, sha256: sha256(bytes) })),
      },
    });
    const [held, resumed, newTwin, sameTwin] = again.body.items;
    expect(held).toMatchObject({ ok: true, existing: true, upload: null, image: { status: 'ready' } });
    expect(resumed).toMatchObject({ ok: true, existing: true, image: { id: abandonedId, batchId: again.body.batch.id } });
    expect(resumed.upload.url).toContain(abandonedId);
    expect(newTwin).toMatchObject({ ok: true, existing: false });
    expect(sameTwin).toMatchObject({ ok: true, existing: true, upload: null, image: { id: newTwin.image.id } });
    // The answer keeps the schema the document gives it, `upload: null` included.
    const document = (await gw.api('GET', '/openapi.json', { key: null })).body;
    const presignBatch = operationsOf(document).find((o) => o.id === 'POST /v1/uploads/batch')!;
    const answer = { status: again.status, contentType: again.headers.get('content-type'), text: JSON.stringify(again.body) };
    expect(new ResponseOracle(document).check(presignBatch, answer)).toBeUndefined();

    await fetch(resumed.upload.url, { method: 'PUT', headers: resumed.upload.headers, body: abandoned });
    await fetch(newTwin.upload.url, { method: 'PUT', headers: newTwin.upload.headers, body: twin });
    const completed = await gw.api('POST', `/v1/batches/${again.body.batch.id}/complete`);
    expect(completed.body).toMatchObject({ queued: 2, missing: [] });
    expect((await gw.settled(abandonedId)).status).toBe('ready');
  });

  it('never lets a false hash claim block the file it names', async () => {
    const honest = await colourImage('purple', { width: 333, height: 100 });
    const claim = sha256(honest);
    // Someone with a write key claims the honest file's hash for other bytes, of an image and not.
    for (const bytes of [await colourImage('green', { width: 334, height: 100 }), Buffer.alloc(honest.length, 1)]) {
      const attack = await gw.api('POST', '/v1/uploads/batch', { json: { items: [{ filename: 'x.jpg', contentType: 'image/jpeg', size: bytes.length, sha256: claim }] } });
      const item = attack.body.items[0];
      await fetch(item.upload.url, { method: 'PUT', headers: item.upload.headers, body: bytes });
      await gw.api('POST', `/v1/batches/${attack.body.batch.id}/complete`);
      const failed = await gw.settled(item.image.id);
      expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/^the file's SHA-256 is [0-9a-f]{64}, not the declared/) });
      // It keeps the hash of what it really held, not the claim.
      expect(failed.sha256).toBe(sha256(bytes));
    }
    // The honest owner is not told "already there": the file is uploaded and embedded.
    const real = await gw.api('POST', '/v1/uploads/batch', { json: { items: [{ filename: 'mine.jpg', contentType: 'image/jpeg', size: honest.length, sha256: claim }] } });
    const mine = real.body.items[0];
    expect(mine).toMatchObject({ ok: true, existing: false });
    await fetch(mine.upload.url, { method: 'PUT', headers: mine.upload.headers, body: honest });
    await gw.api('POST', `/v1/batches/${real.body.batch.id}/complete`);
    expect(await gw.settled(mine.image.id)).toMatchObject({ status: 'ready', sha256: claim });
  });

  it('refuses a hash that is not 64 hex digits', async () => {
    const response = await gw.api('POST', '/v1/uploads', { json: { filename: 'a.jpg', contentType: 'image/jpeg', size: 3, sha256: 'ABC' } });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toBe('sha256: must be 64 lowercase hex digits');
  });
});
