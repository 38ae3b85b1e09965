import { randomUUID } from 'node:crypto';
import { colourImage, pngClaimingSize } from '@sis/image/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ MAX_UPLOAD_BYTES: String(2 * 1024 * 1024), MAX_PIXELS: '20000000' });
});
afterAll(() => gw?.stop());

describe('multipart upload through the gateway', () => {
  it('stores, queues and embeds a file, reading its type from its bytes', async () => {
    const form = new FormData();
    form.append('file', new Blob([await colourImage('green', { format: 'png', width: 90, height: 90 })]), 'leaf.bin');
    form.append('metadata', JSON.stringify({ source: 'phone' }));
    const response = await gw.api('POST', '/v1/images', { form });
    expect(response.status).toBe(202);
    expect(response.body.image).toMatchObject({ status: 'queued', contentType: 'image/png', filename: 'leaf.bin', metadata: { source: 'phone' } });
    expect((await gw.settled(response.body.image.id)).status).toBe('ready');
  });

  it('answers a body that is not multipart at all with 400 invalid_multipart, here and on the original route', async () => {
    for (const path of ['/v1/images', '/images/']) {
      const response = await fetch(`${gw.base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.config.auth.adminToken}`, 'content-type': 'multipart/form-data; boundary=xyz' },
        body: 'this is not a multipart body',
      });
      expect(response.status, path).toBe(400);
      const body: any = await response.json();
      expect(JSON.stringify(body), path).toMatch(/the multipart body cannot be read/);
    }
  });

  it('keeps a UTF-8 file name as it was sent', async () => {
    const form = new FormData();
    form.append('file', new Blob([await colourImage('green', { width: 20, height: 20 })]), 'café – 写真.jpg');
    const response = await gw.api('POST', '/v1/images', { form });
    expect(response.status).toBe(202);
    expect(response.body.image.filename).toBe('café – 写真.jpg');
  });

  it('takes a TIFF whose directory lies after its pixels, as TIFF writers put it', async () => {
    const form = new FormData();
    form.append('file', new Blob([await colourImage('orange', { format: 'tiff', width: 640, height: 480 })]), 'scan.tif');
    const response = await gw.api('POST', '/v1/images', { form });
    expect(response.status).toBe(202);
    expect(response.body.image.contentType).toBe('image/tiff');
    expect(await gw.settled(response.body.image.id)).toMatchObject({ status: 'ready', width: 640, height: 480 });
  });

  it.each([
    ['no file', () => new FormData(), 400, 'file: is required'],
    ['a text file', () => withFile(Buffer.from('plain words')), 415, 'file: the file is not an image (its first bytes match no known format)'],
    ['an empty file', () => withFile(Buffer.alloc(0)), 415, 'file: the file is empty'],
    ['a PDF', () => withFile(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')), 415, 'file: application/pdf is not an accepted image type (accepted: image/jpeg, image/png, image/webp, image/gif, image/avif, image/tiff)'],
    ['a PNG claiming 100000² pixels', () => withFile(pngClaimingSize(100_000, 100_000)), 400, 'file: the image is 100000×100000 = 10000000000 pixels, over the limit of 20000000'],
    ['a file over the size limit', () => withFile(Buffer.alloc(2 * 1024 * 1024 + 1)), 413, 'file: the file is larger than the upload limit'],
    ['metadata that is not JSON', () => withFile(Buffer.alloc(1), '{oops'), 400, 'metadata: must be a JSON object'],
    ['metadata that is a JSON list', () => withFile(Buffer.alloc(1), '[1, 2]'), 400, 'metadata: Invalid input: expected record, received array'],
  ])('answers %s with %i', async (_what, form, status, message) => {
    const response = await gw.api('POST', '/v1/images', { form: await form() });
    expect(response.status).toBe(status);
    expect(response.body.error.message).toBe(message);
  });
});

describe('bad input to a search with a photo (multipart POST /v1/search)', () => {
  const photo = (bytes: Buffer, search?: string) => {
    const form = new FormData();
    form.append('image', new Blob([bytes]), 'query');
    if (search !== undefined) form.append('search', search);
    return form;
  };
  it.each([
    ['no photo', async () => new FormData(), 400, 'image: is required'],
    ['a text file', async () => photo(Buffer.from('plain words')), 415, 'image: the file is not an image (its first bytes match no known format)'],
    ['a PDF', async () => photo(Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n')), 415, expect.stringMatching(/^image: application\/pdf is not an accepted image type/)],
    ['a PNG claiming 100000² pixels', async () => photo(pngClaimingSize(100_000, 100_000)), 400, 'image: the image is 100000×100000 = 10000000000 pixels, over the limit of 20000000'],
    ['a photo over the size limit', async () => photo(Buffer.alloc(2 * 1024 * 1024 + 1)), 413, 'image: the file is larger than the upload limit'],
    ['a search that is not JSON', async () => photo(await colourImage('red'), '{oops'), 400, 'search: must be a JSON object'],
    ['a weight out of range', async () => photo(await colourImage('red'), '{"imageWeight": 5}'), 400, 'search.imageWeight: must be at most 2'],
    ['an unknown field', async () => photo(await colourImage('red'), '{"imageId": "x"}'), 400, expect.stringMatching(/^search: Unrecognized key: "imageId"/)],
    ['a term weight out of range', async () => photo(await colourImage('red'), '{"query": [{"text": "sea", "weight": -3}]}'), 400, 'search.query.0.weight: must be at least -2'],
  ])('answers %s with %i naming the field, storing nothing', async (_what, form, status, message) => {
    const before = (await gw.api('GET', '/v1/images?limit=200')).body.items.length;
    const response = await gw.api('POST', '/v1/search', { form: await form() });
    expect(response.status).toBe(status);
    expect(response.body.error.message).toEqual(message);
    expect((await gw.api('GET', '/v1/images?limit=200')).body.items.length).toBe(before);
  });
});

function withFile(bytes: Buffer, metadata?: string): FormData {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'upload');
  if (metadata) form.append('metadata', metadata);
  return form;
}

describe('bad input to POST /v1/uploads', () => {
  it.each([
    ['zero bytes', { filename: 'a.jpg', contentType: 'image/jpeg', size: 0 }, 400, 'validation_failed', 'size: must be at least 1 byte'],
    ['a negative size', { filename: 'a.jpg', contentType: 'image/jpeg', size: -5 }, 400, 'validation_failed', 'size: must be at least 1 byte'],
    ['a size that is text', { filename: 'a.jpg', contentType: 'image/jpeg', size: '12' }, 400, 'validation_failed', 'size: must be a number of bytes'],
    ['no size', { filename: 'a.jpg', contentType: 'image/jpeg' }, 400, 'validation_failed', 'size: is required'],
    ['an unknown type', { filename: 'a.bmp', contentType: 'image/bmp', size: 10 }, 415, 'unsupported_content_type', 'contentType: image/bmp is not accepted; use one of image/jpeg, image/png, image/webp, image/gif, image/avif, image/tiff'],
    ['HEIC', { filename: 'a.heic', contentType: 'image/heic', size: 10 }, 415, 'unsupported_content_type', expect.stringMatching(/^contentType: image\/heic is not accepted/)],
    ['a size over the limit', { filename: 'a.jpg', contentType: 'image/jpeg', size: 2 * 1024 * 1024 + 1 }, 413, 'file_too_large', 'size: 2097153 bytes is over the limit of 2097152'],
    ['a filename with a NUL byte', { filename: 'evil\u0000.jpg', contentType: 'image/jpeg', size: 10 }, 400, 'validation_failed', 'filename: must not contain control characters'],
    ['a filename with a newline', { filename: 'a\nb.jpg', contentType: 'image/jpeg', size: 10 }, 400, 'validation_failed', 'filename: must not contain control characters'],
    ['a filename with a lone surrogate', { filename: '\ud800 ', contentType: 'image/jpeg', size: 1 }, 400, 'validation_failed', 'filename: must not contain NUL (\\u0000) or lone surrogates'],
    ['a 300-character filename', { filename: `${'a'.repeat(296)}.jpg`, contentType: 'image/jpeg', size: 10 }, 400, 'validation_failed', 'filename: must be at most 255 characters'],
    ['metadata over 16 KB', { filename: 'a.jpg', contentType: 'image/jpeg', size: 10, metadata: { note: 'x'.repeat(17_000) } }, 400, 'validation_failed', 'metadata: must be at most 16384 bytes of JSON'],
    ['metadata with a NUL in a value', { filename: 'a.jpg', contentType: 'image/jpeg', size: 10, metadata: { notes: ['a\u0000b'] } }, 400, 'validation_failed', 'metadata: must not contain NUL (\\u0000) or lone surrogates'],
    ['metadata with a NUL in a key', { filename: 'a.jpg', contentType: 'image/jpeg', size: 10, metadata: { 'a\u0000': 1 } }, 400, 'validation_failed', 'metadata: must not contain NUL (\\u0000) or lone surrogates'],
    ['metadata with a lone surrogate', { filename: 'a.jpg', contentType: 'image/jpeg', size: 10, metadata: { note: 'x\ud800', '\udc00': 1 } }, 400, 'validation_failed', 'metadata: must not contain NUL (\\u0000) or lone surrogates'],
    ['a body that is a list', [1, 2], 400, 'validation_failed', expect.stringMatching(/^\(body\): /)],
  ])('answers %s with %i naming the field', async (_what, json, status, code, message) => {
    const response = await gw.api('POST', '/v1/uploads', { json });
    expect(response.status).toBe(status);
    expect(response.body.error).toMatchObject({ code, message });
    expect(response.body.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('accepts hostile-looking filenames as labels, never as storage paths', async () => {
    for (const filename of ['../../../etc/passwd', '<script>alert(1)</script>.jpg', "'; drop table images; --.jpg", 'ｆｕｌｌｗｉｄｔｈ.jpg', '%2e%2e%2fsecret']) {
      const response = await gw.api('POST', '/v1/uploads', { json: { filename, contentType: 'image/jpeg', size: 10 } });
      expect(response.status).toBe(201);
      expect(response.body.image.filename).toBe(filename);
      expect(new URL(response.body.upload.url).pathname).toBe(`/${gw.config.s3.bucket}/uploads/${response.body.image.id}.jpg`);
    }
  });

  it('refuses metadata nested deeper than 32 levels, however deep', async () => {
    const nested = (depth: number) => `{"filename":"a.jpg","contentType":"image/jpeg","size":10,"metadata":{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}}`;
    expect((await gw.api('POST', '/v1/uploads', { raw: nested(32) })).status).toBe(201);
    for (const depth of [33, 50_000]) {
      const response = await gw.api('POST', '/v1/uploads', { raw: nested(depth) });
      expect(response.status, `${depth}`).toBe(400);
      expect(response.body.error.message).toBe('metadata: must nest at most 32 levels');
    }
  });

  it('answers malformed JSON with 400 invalid_json, and a body over 1 MB with 413', async () => {
    const broken = await gw.api('POST', '/v1/uploads', { raw: '{"filename": "a.jpg", ' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const huge = await gw.api('POST', '/v1/uploads', { raw: JSON.stringify({ filename: 'x'.repeat(1_100_000) }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('payload_too_large');
  });

  it('answers an unknown image id with 404 and a malformed one with 400', async () => {
    expect((await gw.api('POST', `/v1/uploads/${randomUUID()}/complete`)).status).toBe(404);
    const malformed = await gw.api('POST', '/v1/uploads/42/complete');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe('params.id: must be a UUID');
  });
});

describe('bad files that pass presigning fail in the worker, with a reason', () => {
  it('fails each one and still embeds the next good image', async () => {
    const truncated = (await colourImage('red', { width: 1000, height: 800 })).subarray(0, 5000);
    const cases: [string, Buffer, string, RegExp][] = [
      ['text declared as JPEG', Buffer.from('just some words, not a photo'), 'image/jpeg', /not an image/],
      ['truncated JPEG', truncated, 'image/jpeg', /cannot decode image/],
      ['PNG declaring 100000² pixels', pngClaimingSize(100_000, 100_000), 'image/png', /over the limit/],
      ['PNG declared as WebP', await colourImage('blue', { format: 'png', width: 30, height: 30 }), 'image/webp', /is image\/png but was declared as image\/webp/],
    ];
    for (const [index, [what, bytes, type, reason]] of cases.entries()) {
      const failed = await gw.settled(await gw.upload(bytes, type));
      expect(failed.status, what).toBe('failed');
      const detail = await gw.api('GET', `/v1/images/${failed.id}`);
      expect(detail.body.error, what).toMatch(reason);
      const good = await gw.settled(await gw.upload(await colourImage('white', { width: 40 + index, height: 40 }), 'image/jpeg'));
      expect(good.status, `after ${what}`).toBe('ready');
    }
  });
});
