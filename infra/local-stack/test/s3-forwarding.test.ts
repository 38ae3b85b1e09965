import { request as httpRequest } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { ObjectStorage } from '@sis/storage';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../src/s3.js';
import { BUCKET, expiredUpload, newKey, useLocalS3, withOtherSignature } from './s3-fixture.js';

const local = useLocalS3();

describe('requests the gateway passes on under /s3 (S3_VIA_GATEWAY)', () => {
  // URLs signed for the gateway's public address, a name s3rver alone would take for a bucket.
  const PUBLIC = 'http://photos.lan:8000';
  let viaGateway: ObjectStorage;
  beforeAll(() => {
    viaGateway = new ObjectStorage({ bucket: BUCKET, region: 'us-east-1', endpoint: local.s3.endpoint, publicEndpoint: `${PUBLIC}/s3`, credentials: LOCAL_S3_CREDENTIALS });
    local.onClose(() => viaGateway.destroy());
  });

  /** Sends what the gateway forwards: the URL's path and query as they are, and the Host it names. */
  function forwarded(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; body: string }> {
    const { host, pathname, search } = new URL(url);
    const target = new URL(local.s3.endpoint);
    return new Promise((resolve, reject) => {
      const sent = httpRequest({ host: target.hostname, port: target.port, method, path: pathname + search, headers: { ...headers, host } }, (reply) => {
        buffer(reply).then((bytes) => resolve({ status: reply.statusCode ?? 0, body: bytes.toString() }), reject);
      });
      sent.on('error', reject);
      sent.end(body);
    });
  }
  const code = (reply: { body: string }) => /<Code>(.*?)<\/Code>/.exec(reply.body)?.[1];

  it('are served when signed for the public address and path: the object lands in the bucket', async () => {
    const key = newKey();
    const upload = await viaGateway.presignPut(key, { contentType: 'image/jpeg', contentLength: 5, expiresInSeconds: 60 });
    expect(upload.url.startsWith(`${PUBLIC}/s3/${BUCKET}/`)).toBe(true);
    expect((await forwarded(upload.url, 'PUT', upload.headers, 'bytes')).status).toBe(200);
    expect(await local.storage.head(key)).toEqual({ key, size: 5, contentType: 'image/jpeg' });
    const read = await forwarded(await viaGateway.presignGet(key, 60), 'GET');
    expect(read).toEqual({ status: 200, body: 'bytes' });
  });

  it('are refused when the path or Host is not the one signed, or the signature, type or length changed', async () => {
    const key = newKey();
    const upload = await viaGateway.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const { pathname, search } = new URL(upload.url);
    const withoutPrefix = `${PUBLIC}${pathname.slice('/s3'.length)}${search}`;
    expect(code(await forwarded(withoutPrefix, 'PUT', upload.headers, 'x'))).toBe('SignatureDoesNotMatch');
    expect(code(await forwarded(upload.url.replace(PUBLIC, 'http://elsewhere.lan:8000'), 'PUT', upload.headers, 'x'))).toBe('SignatureDoesNotMatch');
    expect(code(await forwarded(withOtherSignature(upload.url), 'PUT', upload.headers, 'x'))).toBe('SignatureDoesNotMatch');
    expect(code(await forwarded(upload.url, 'PUT', { ...upload.headers, 'Content-Type': 'text/html' }, 'x'))).toBe('SignatureDoesNotMatch');
    expect(code(await forwarded(upload.url, 'PUT', { 'Content-Type': 'image/jpeg' }, 'xx'))).toBe('SignatureDoesNotMatch');
    // And a URL signed for the local S3 itself does not become valid under /s3.
    const direct = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const directUrl = new URL(direct.url);
    expect(code(await forwarded(`${directUrl.origin}/s3${directUrl.pathname}${directUrl.search}`, 'PUT', direct.headers, 'x'))).toBe('SignatureDoesNotMatch');
    expect(await local.storage.head(key)).toBeUndefined();
  });

  it('are refused once expired', async () => {
    const key = newKey();
    const expired = await expiredUpload(viaGateway, key);
    const refused = await forwarded(expired.url, 'PUT', expired.headers, 'x');
    expect({ status: refused.status, code: code(refused) }).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await local.storage.head(key)).toBeUndefined();
  });
});
