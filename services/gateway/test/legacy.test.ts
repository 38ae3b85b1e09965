import { colourImage } from '@sis/image/testing';
import { LegacyImageSchema } from '@sis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ ADMIN_TOKEN: 'original-admin-password-0123456789abcdef', ADMIN_PW: 'ignored' });
});
afterAll(() => gw?.stop());

const form = (name: string | undefined, bytes: Buffer | undefined) => {
  const data = new FormData();
  if (name !== undefined) data.append('image_name', name);
  if (bytes) data.append('file', new Blob([bytes]), `${name ?? 'file'}.jpg`);
  return data;
};
const admin = { key: 'original-admin-password-0123456789abcdef' };

describe("the original service's routes", () => {
  it('POST /images/ stores, embeds and answers with the original shape and EXIF names', async () => {
    const bytes = await colourImage('red', { exif: { Make: 'NIKON CORPORATION', Model: 'NIKON D70', Software: 'GIMP 2.4.5', DateTime: '2008:07:31 10:03:44' } });
    const response = await gw.api('POST', '/images/', { ...admin, form: form('sunset', bytes) });
    expect(response.status).toBe(201);
    const image = LegacyImageSchema.parse(response.body);
    expect(image).toMatchObject({ name: 'sunset', exif_data: { Make: 'NIKON CORPORATION', Model: 'NIKON D70', Software: 'GIMP 2.4.5', DateTime: '2008:07:31 10:03:44' } });
    expect(image.exif_data).not.toHaveProperty('ModifyDate');
    expect(new Date(image.uploaded_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect((await fetch(image.aws_image_src)).status).toBe(200);
    expect((await gw.images.findById(image.id))?.status).toBe('ready');
  });

  it('answers exif_data {} for an image without EXIF', async () => {
    const response = await gw.api('POST', '/images/', { ...admin, form: form('plain', await colourImage('blue', { format: 'png' })) });
    expect(response.status).toBe(201);
    expect(response.body.exif_data).toEqual({});
  });

  it('refuses a name already taken with 400 {"detail": "File name already taken"}', async () => {
    const response = await gw.api('POST', '/images/', { ...admin, form: form('sunset', await colourImage('green')) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ detail: 'File name already taken' });
  });

  it('refuses a name with NUL in it, which no image can have, with 400', async () => {
    const fields = new FormData();
    fields.append('image_name', 'sun\u0000set');
    fields.append('file', new Blob([await colourImage('green')]), 'sunset.jpg');
    const created = await gw.api('POST', '/images/', { ...admin, form: fields });
    expect(created).toMatchObject({ status: 400, body: { detail: 'image_name must not contain NUL (\\u0000) or lone surrogates' } });
    for (const method of ['GET', 'DELETE']) {
      const response = await gw.api(method, '/images/sun%00set', admin);
      expect(response.status, method).toBe(400);
      expect(response.body.detail, method).toMatch(/must not contain NUL/);
    }
  });

  it('gives a name to one of two requests racing for it, and answers the other 400', async () => {
    const [a, b] = await Promise.all([colourImage('pink', { width: 90 }), colourImage('pink', { width: 91 })]);
    const replies = await Promise.all([a, b].map((bytes) => gw.api('POST', '/images/', { ...admin, form: form('contested', bytes) })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(replies.find((r) => r.status === 400)!.body).toEqual({ detail: 'File name already taken' });
    expect((await gw.api('DELETE', '/images/contested', admin)).status).toBe(200);
  });

  it('answers 401 {"detail": "Unauthorized"} without the admin password or with a wrong one', async () => {
    for (const key of [null, 'wrong-password', ADMIN_TOKEN]) {
      const response = await gw.api('POST', '/images/', { key, form: form('nope', await colourImage('green')) });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: 'Unauthorized' });
    }
    expect((await gw.api('DELETE', '/images/sunset', { key: null })).body).toEqual({ detail: 'Unauthorized' });
  });

  it('accepts an API key with the write scope in place of the password', async () => {
    const writer = await gw.key('write');
    const response = await gw.api('POST', '/images/', { key: writer, form: form('by-key', await colourImage('yellow')) });
    expect(response.status).toBe(201);
  });

  it('answers missing form fields the way FastAPI did: 422 with a detail list', async () => {
    const noName = await gw.api('POST', '/images/', { ...admin, form: form(undefined, await colourImage('green')) });
    expect(noName.status).toBe(422);
    expect(noName.body).toEqual({ detail: [{ loc: ['body', 'image_name'], msg: 'field required', type: 'value_error.missing' }] });
    const noFile = await gw.api('POST', '/images/', { ...admin, form: form('empty', undefined) });
    expect(noFile.status).toBe(422);
    expect(noFile.body.detail[0].loc).toEqual(['body', 'file']);
  });

  it('refuses a file that is not an image, and frees the name of one the worker rejects', async () => {
    const text = await gw.api('POST', '/images/', { ...admin, form: form('notes', Buffer.from('meeting notes, not a photo')) });
    expect(text.status).toBe(415);
    expect(text.body.detail).toMatch(/not an image/);
    const truncated = (await colourImage('red', { width: 1200, height: 900 })).subarray(0, 3000);
    const broken = await gw.api('POST', '/images/', { ...admin, form: form('broken', truncated) });
    expect(broken.status).toBe(400);
    expect(broken.body.detail).toMatch(/^Invalid image: cannot decode image/);
    expect((await gw.api('GET', '/images/broken', { key: null })).status).toBe(404);
  });

  it('GET /images/{name} is open to read, and 404s as {"detail": "File not found"}', async () => {
    const found = await gw.api('GET', '/images/sunset', { key: null });
    expect(found.status).toBe(200);
    expect(found.body.name).toBe('sunset');
    const missing = await gw.api('GET', '/images/never-uploaded', { key: null });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'File not found' });
  });

  it('answers a name longer than a name can be with 400, as the document says', async () => {
    const { paths } = (await gw.api('GET', '/openapi.json', { key: null })).body;
    for (const method of ['GET', 'DELETE']) {
      const response = await gw.api(method, `/images/${'x'.repeat(256)}`, admin);
      expect(response.status, method).toBe(400);
      expect(response.body.detail, method).toMatch(/name/);
      expect(Object.keys(paths['/images/{name}'][method.toLowerCase()].responses), method).toContain('400');
    }
  });

  it('GET /images/ lists newest first, pages with limit/offset, and searches with q', async () => {
    const all = await gw.api('GET', '/images/', { key: null });
    expect(all.status).toBe(200);
    expect(all.body.map((i: { name: string }) => i.name)).toEqual(['by-key', 'plain', 'sunset']);
    const page = await gw.api('GET', '/images/?limit=1&offset=1', { key: null });
    expect(page.body.map((i: { name: string }) => i.name)).toEqual(['plain']);
    const blue = await gw.api('GET', '/images/?q=a%20blue%20picture&limit=1', { key: null });
    expect(blue.body.map((i: { name: string }) => i.name)).toEqual(['plain']);
    const second = await gw.api('GET', '/images/?q=a%20blue%20picture&limit=1&offset=1', { key: null });
    expect(second.body).toHaveLength(1);
    expect(second.body[0].name).not.toBe('plain');
  });

  it('DELETE /images/{name} deletes and says so in the original words', async () => {
    const deleted = await gw.api('DELETE', '/images/plain', admin);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ Message: 'Successfully deleted file.' });
    expect((await gw.api('DELETE', '/images/plain', admin)).body).toEqual({ detail: 'File not found' });
  });
});

describe('names of images uploaded through /v1', () => {
  it('find the image by the name the list shows: its file name, the newest when several share it', async () => {
    const older = await gw.upload(await colourImage('orange', { width: 70 }), 'image/jpeg', 'holiday.jpg');
    const newer = await gw.upload(await colourImage('orange', { width: 71 }), 'image/jpeg', 'holiday.jpg');
    await gw.settled(older);
    await gw.settled(newer);
    const listed = (await gw.api('GET', '/images/?limit=200', { key: null })).body.filter((image: any) => image.name === 'holiday.jpg');
    expect(listed.map((image: any) => image.id)).toEqual([newer, older]);
    const found = await gw.api('GET', '/images/holiday.jpg', { key: null });
    expect(found.status).toBe(200);
    expect(found.body.id).toBe(newer);
    expect((await gw.api('DELETE', '/images/holiday.jpg', admin)).status).toBe(200);
    expect((await gw.api('GET', '/images/holiday.jpg', { key: null })).body.id).toBe(older);
  });
});

describe('an upload deleted while it waits for the worker', () => {
  it('answers 409, not 500', async () => {
    // No worker: the upload waits, and another request deletes it meanwhile.
    const idle = await startGateway({ ADMIN_TOKEN: 'original-admin-password-0123456789abcdef', LEGACY_WAIT_MS: '10000' }, { worker: false });
    try {
      const creating = idle.api('POST', '/images/', { ...admin, form: form('gone-soon', await colourImage('blue', { width: 40 })) });
      let listed: any[] = [];
      for (let tries = 0; !listed.length && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        listed = (await idle.api('GET', '/v1/images?limit=1', admin)).body.items;
      }
      expect((await idle.api('DELETE', `/v1/images/${listed[0].id}`, admin)).status).toBe(200);
      expect(await creating).toMatchObject({ status: 409, body: { detail: 'The image was deleted by another request while it was being embedded' } });
      const { paths } = (await idle.api('GET', '/openapi.json', { key: null })).body;
      expect(Object.keys(paths['/images/'].post.responses)).toContain('409');
    } finally {
      await idle.stop();
    }
  });
});

describe('limits on the original routes', () => {
  it('answer 429 in the original shape, with Retry-After', async () => {
    const guarded = await startGateway({ ADMIN_TOKEN: 'original-admin-password-0123456789abcdef', AUTH_FAILURES_PER_MINUTE: '2' }, { worker: false });
    try {
      const wrong = () => guarded.api('DELETE', '/images/anything', { key: 'not-the-password' });
      expect([(await wrong()).status, (await wrong()).status]).toEqual([401, 401]);
      for (const refused of [await wrong(), await guarded.api('GET', '/images/', { key: null })]) {
        expect(refused.status).toBe(429);
        expect(refused.body).toEqual({ detail: expect.stringMatching(/^more than 2 failed authentications a minute/) });
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The document says so: its error shape for these routes has `detail`, and nothing else will do.
      const { components } = (await guarded.api('GET', '/openapi.json', { key: null })).body;
      expect(components.schemas.LegacyError.required).toEqual(['detail']);
    } finally {
      await guarded.stop();
    }
  });
});

describe('LEGACY_PUBLIC_READ=false', () => {
  it('asks for a key with the read scope, or the admin password, to read the original routes', async () => {
    const closed = await startGateway({ ADMIN_TOKEN: 'original-admin-password-0123456789abcdef', LEGACY_PUBLIC_READ: 'false' }, { worker: false });
    try {
      for (const path of ['/images/', '/images/anything']) {
        const anonymous = await closed.api('GET', path, { key: null });
        expect(anonymous.status, path).toBe(401);
        expect(anonymous.body).toEqual({ detail: 'Unauthorized' });
      }
      expect((await closed.api('GET', '/images/', { key: await closed.key('read') })).status).toBe(200);
      expect((await closed.api('GET', '/images/', admin)).status).toBe(200);
      expect((await closed.api('GET', '/images/', { key: await closed.key('write') })).status).toBe(401);
    } finally {
      await closed.stop();
    }
  });
});
