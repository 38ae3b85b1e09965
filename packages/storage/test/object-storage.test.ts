import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { MAX_PRESIGN_SECONDS, ObjectStorage, type ObjectStorageOptions } from '../src/index.js';

const env = inject('stackEnv');
const options = {
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION!,
  credentials: { accessKeyId: env.S3_ACCESS_KEY_ID!, secretAccessKey: env.S3_SECRET_ACCESS_KEY! },
};
const storage = new ObjectStorage({ ...options, bucket: env.S3_BUCKET! });
afterAll(() => storage.destroy());

describe('presignPut', () => {
  it('signs the key, content type, exact length and host, expiring in the given time', async () => {
    const key = `uploads/${randomUUID()}.jpg`;
    const before = Date.now();
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 12345, expiresInSeconds: 300 });
    const url = new URL(upload.url);
    expect(upload.method).toBe('PUT');
    expect(url.origin).toBe(env.S3_ENDPOINT);
    expect(url.pathname).toBe(`/${env.S3_BUCKET}/${key}`);
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-length', 'content-type', 'host']);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(upload.headers).toEqual({ 'Content-Type': 'image/jpeg', 'Content-Length': '12345' });
    expect(upload.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 300_000);
    expect(upload.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 300_000);
  });

  it('never signs for longer than 15 minutes', async () => {
    const upload = await storage.presignPut('k', { contentType: 'image/png', contentLength: 1, expiresInSeconds: 86_400 });
    expect(new URL(upload.url).searchParams.get('X-Amz-Expires')).toBe(String(MAX_PRESIGN_SECONDS));
  });

  it('signs for the public endpoint when one is configured', async () => {
    const publicStorage = new ObjectStorage({ ...options, bucket: env.S3_BUCKET!, publicEndpoint: 'https://s3.photos.example' });
    const upload = await publicStorage.presignPut('a/b.webp', { contentType: 'image/webp', contentLength: 9, expiresInSeconds: 60 });
    expect(new URL(upload.url).origin).toBe('https://s3.photos.example');
    publicStorage.destroy();
  });

  it('gives a URL that uploads the object with the signed headers', async () => {
    const key = `uploads/${randomUUID()}.png`;
    const bytes = Buffer.from('not really a png, but storage does not care');
    const upload = await storage.presignPut(key, { contentType: 'image/png', contentLength: bytes.length, expiresInSeconds: 60 });
    const response = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: bytes });
    expect(response.status).toBe(200);
    expect(await storage.head(key)).toEqual({ key, size: bytes.length, contentType: 'image/png' });
  });
});

describe('objects', () => {
  it('copies an object on the server, for keys with spaces and accents too', async () => {
    const from = `uploads/${randomUUID()} é.jpg`;
    const to = `images/${randomUUID()}.jpg`;
    await storage.put(from, Buffer.from('original'), 'image/jpeg');
    await storage.copy(from, to);
    await storage.put(from, Buffer.from('swapped!'), 'image/jpeg');
    expect(await storage.head(to)).toEqual({ key: to, size: 8, contentType: 'image/jpeg' });
    expect((await buffer((await storage.get(to))!)).toString()).toBe('original');
  });

  it('lists the keys under a prefix written before a time, up to a limit', async () => {
    const prefix = `listed-${randomUUID()}/`;
    const keys = [`${prefix}a`, `${prefix}b`, `${prefix}c`];
    for (const key of [...keys, `other-${randomUUID()}`]) await storage.put(key, Buffer.from('x'), 'text/plain');
    const later = new Date(Date.now() + 60_000);
    expect((await storage.listOlderThan(prefix, later, 10)).sort()).toEqual(keys);
    expect(await storage.listOlderThan(prefix, later, 2)).toHaveLength(2);
    expect(await storage.listOlderThan(prefix, new Date(Date.now() - 60_000), 10)).toEqual([]);
  });

  it('put, head, get, delete, and report missing objects as undefined', async () => {
    const key = `objects/${randomUUID()}`;
    const bytes = Buffer.from([1, 2, 3, 4, 5]);
    await storage.put(key, bytes, 'application/octet-stream');
    expect(await storage.head(key)).toEqual({ key, size: 5, contentType: 'application/octet-stream' });
    expect(await buffer((await storage.get(key))!)).toEqual(bytes);
    const readUrl = await storage.presignGet(key, 60);
    expect(Buffer.from(await (await fetch(readUrl)).arrayBuffer())).toEqual(bytes);
    await storage.delete(key);
    expect(await storage.head(key)).toBeUndefined();
    expect(await storage.get(key)).toBeUndefined();
    await expect(storage.delete(key)).resolves.toBeUndefined();
  });

  it('creates a missing bucket once and leaves an existing one alone', async () => {
    const other = new ObjectStorage({ ...options, bucket: `test-${randomUUID().slice(0, 8)}` });
    await expect(other.ping()).rejects.toThrow();
    await other.ensureBucket();
    await other.ensureBucket();
    await expect(other.ping()).resolves.toBeUndefined();
    other.destroy();
  });
});

describe('presignGet', () => {
  it('signs read URLs that storage accepts, for keys with folders and odd characters', async () => {
    for (const key of [`plain-${randomUUID()}`, `thumbnails/${randomUUID()}.webp`, `odd/a b+c&d=é!(x)*'/${randomUUID()}`]) {
      await storage.put(key, Buffer.from(key), 'text/plain');
      const url = new URL(await storage.presignGet(key, 120));
      expect(url.searchParams.get('X-Amz-Expires')).toBe('120');
      expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
      expect(await (await fetch(url)).text()).toBe(key);
    }
  });

  it('hands out the same URL while half its life is left, then signs a new one', async () => {
    const key = `thumbnails/${randomUUID()}.webp`;
    await storage.put(key, Buffer.from('thumb'), 'image/webp');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const first = await storage.presignGet(key, 60);
      expect(await storage.presignGet(key, 60)).toBe(first);
      // A different lifetime is a different URL.
      expect(new URL(await storage.presignGet(key, 120)).searchParams.get('X-Amz-Expires')).toBe('120');
      vi.setSystemTime(Date.now() + 29_000);
      expect(await storage.presignGet(key, 60)).toBe(first);
      vi.setSystemTime(Date.now() + 2_000);
      const second = await storage.presignGet(key, 60);
      expect(second).not.toBe(first);
      expect(new URL(second).searchParams.get('X-Amz-Date')).not.toBe(new URL(first).searchParams.get('X-Amz-Date'));
    } finally {
      vi.useRealTimers();
    }
  });

  it("signs exactly the URL the AWS SDK's presigner signs, for the same clock, keys and object", async () => {
    // The local S3 server checks only URLs made for it; this comparison covers AWS and public endpoints too.
    const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
    const setups: { name: string; options: ObjectStorageOptions; sdk: ConstructorParameters<typeof S3Client>[0] }[] = [
      { name: 'AWS, virtual-hosted', options: { bucket: 'sis-images', region: 'eu-west-1', credentials }, sdk: { region: 'eu-west-1' } },
      { name: 'MinIO, path style', options: { bucket: 'sis-images', region: 'us-east-1', credentials, endpoint: 'http://minio:9000' }, sdk: { region: 'us-east-1', endpoint: 'http://minio:9000', forcePathStyle: true } },
      {
        name: 'a public endpoint',
        options: { bucket: 'photos', region: 'us-east-1', credentials, endpoint: 'http://minio:9000', publicEndpoint: 'https://s3.photos.example:8443' },
        sdk: { region: 'us-east-1', endpoint: 'https://s3.photos.example:8443', forcePathStyle: true },
      },
    ];
    const keys = ['images/0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10.jpg', 'thumbnails/x.webp', "odd/a b+c&d=é!(x)*'~/z"];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      for (const [i, { name, options: storageOptions, sdk }] of setups.entries()) {
        const fast = new ObjectStorage(storageOptions);
        // The same client settings ObjectStorage gives its own signer.
        const reference = new S3Client({ ...sdk, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
        for (const [j, key] of keys.entries()) {
          vi.setSystemTime(new Date(Date.UTC(2026, 10, 29, 12, i, j)));
          for (const seconds of [60, 900]) {
            const expected = await getSignedUrl(reference, new GetObjectCommand({ Bucket: storageOptions.bucket, Key: key }), { expiresIn: seconds });
            expect(await fast.presignGet(key, seconds), `${name}: ${key}`).toBe(expected);
            expect(new URL(expected).origin, name).toBe(fast.urlOrigin);
          }
        }
        fast.destroy();
        reference.destroy();
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('signs for the public endpoint when one is configured, path style included', async () => {
    const publicStorage = new ObjectStorage({ ...options, bucket: env.S3_BUCKET!, publicEndpoint: 'https://s3.photos.example:8443' });
    const url = new URL(await publicStorage.presignGet('a/b.jpg', 60));
    expect(url.origin).toBe('https://s3.photos.example:8443');
    expect(url.pathname).toBe(`/${env.S3_BUCKET}/a/b.jpg`);
    publicStorage.destroy();
  });
});

describe('unreachable storage', () => {
  it('is one domain error, storage_unavailable with a Retry-After, raised at once', async () => {
    const away = new ObjectStorage({ ...options, endpoint: 'http://127.0.0.1:1', bucket: 'sis-images' });
    try {
      const started = performance.now();
      for (const call of [() => away.head('a'), () => away.get('a'), () => away.put('a', Buffer.from('x'), 'text/plain'), () => away.delete('a'), () => away.ping()]) {
        await expect(call()).rejects.toMatchObject({ name: 'ServiceUnavailableError', code: 'storage_unavailable', details: { retryAfterSeconds: 5 } });
      }
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      away.destroy();
    }
  });

  it('still reports a missing object as missing', async () => {
    expect(await storage.head(`missing-${randomUUID()}`)).toBeUndefined();
    expect(await storage.get(`missing-${randomUUID()}`)).toBeUndefined();
  });
});
