import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { freePort } from '../src/index.js';
import { LOCAL_S3_CREDENTIALS } from '../src/s3.js';
import { BUCKET, EMPTY_SHA256, expiredUpload, newKey, refusal, useLocalS3, withOtherSignature } from './s3-fixture.js';

/**
 * The local S3 server refuses what S3 refuses: every request below is made by the AWS SDK (through
 * @sis/storage) or with a URL it presigned, then changed the way an attacker or a buggy client
 * would change it. Each refusal sits next to the same request unchanged, which succeeds.
 */
const local = useLocalS3();
const withPath = (url: string, key: string) => Object.assign(new URL(url), { pathname: `/${BUCKET}/${key}` }).href;

/**
 * An HTTP server that passes requests on to the local S3 after `tamper` changed them, as a
 * man in the middle would, and passes the answers back unchanged.
 */
async function proxy(tamper: (request: { path: string; headers: IncomingHttpHeaders }) => void): Promise<string> {
  const target = new URL(local.s3.endpoint);
  const server = createServer((incoming, outgoing) => {
    const forwarded = { path: incoming.url ?? '/', headers: { ...incoming.headers } };
    tamper(forwarded);
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: incoming.method, ...forwarded }, (reply) => {
      outgoing.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(outgoing);
    });
    incoming.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  local.onClose(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${port}`;
}

describe('requests signed in the Authorization header (the AWS SDK)', () => {
  it('are served when signed right: put, head, get, delete, for keys with odd characters too', async () => {
    for (const key of [newKey(), newKey("a b+c&d=é!(x)*'~.jpg")]) {
      await local.storage.put(key, Buffer.from('bytes'), 'image/jpeg');
      expect(await local.storage.head(key)).toEqual({ key, size: 5, contentType: 'image/jpeg' });
      expect((await buffer((await local.storage.get(key))!)).toString()).toBe('bytes');
      await local.storage.delete(key);
      expect(await local.storage.head(key)).toBeUndefined();
    }
  });

  it('are refused when signed with a wrong secret key (SignatureDoesNotMatch), and store nothing', async () => {
    const key = newKey();
    const forger = local.storageAt(local.s3.endpoint, { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expect(forger.put(key, Buffer.from('forged'), 'image/jpeg')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect(await local.storage.head(key)).toBeUndefined();
  });

  it('are refused when signed with an unknown access key (InvalidAccessKeyId)', async () => {
    const stranger = local.storageAt(local.s3.endpoint, { accessKeyId: 'NOBODY', secretAccessKey: LOCAL_S3_CREDENTIALS.secretAccessKey });
    await expect(stranger.put(newKey(), Buffer.from('x'), 'image/jpeg')).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
  });

  it('are refused when changed in transit: another key, another signature, another host', async () => {
    const secret = newKey('secret.jpg');
    await local.storage.put(secret, Buffer.from('private'), 'image/jpeg');
    const mine = newKey('mine.jpg');
    await local.storage.put(mine, Buffer.from('mine'), 'image/jpeg');

    // Passing through unchanged works, so each refusal below is the change's doing.
    const honest = local.storageAt(await proxy(() => {}));
    expect((await buffer((await honest.get(mine))!)).toString()).toBe('mine');

    const otherKey = local.storageAt(await proxy((r) => (r.path = r.path.replace(mine, secret))));
    await expect(otherKey.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });

    const otherSignature = local.storageAt(await proxy((r) => (r.headers.authorization = String(r.headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')))));
    await expect(otherSignature.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });

    // The client signed the proxy's address; the server must check the host it was really sent.
    const otherHost = local.storageAt(await proxy((r) => (r.headers.host = new URL(local.s3.endpoint).host)));
    await expect(otherHost.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  it('are refused when signed more than 15 minutes from now (RequestTimeTooSkewed)', async () => {
    const key = newKey();
    await local.storage.put(key, Buffer.from('x'), 'image/jpeg');
    const url = new URL(`${local.s3.endpoint}/${BUCKET}/${key}`);
    const signer = new SignatureV4({ credentials: LOCAL_S3_CREDENTIALS, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const get = async (signingDate: Date) => {
      const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256 } }, { signingDate });
      const { host: _host, ...headers } = signed.headers;
      return fetch(url, { headers });
    };
    expect((await get(new Date())).status).toBe(200);
    expect(await refusal(await get(new Date(Date.now() - 16 * 60_000)))).toMatchObject({ status: 403, code: 'RequestTimeTooSkewed' });
  });

  it('are refused when not signed at all (AccessDenied): anonymous PUT stores nothing, anonymous GET reads nothing', async () => {
    const key = newKey();
    const url = `${local.s3.endpoint}/${BUCKET}/${key}`;
    expect(await refusal(await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: 'anonymous' }))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await local.storage.head(key)).toBeUndefined();
    await local.storage.put(key, Buffer.from('private'), 'image/jpeg');
    const read = await fetch(url);
    expect(await refusal(read)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(403);
  });
});

describe('presigned URLs', () => {
  it('upload with exactly the signed headers, and read', async () => {
    const key = newKey();
    const bytes = Buffer.from('presigned bytes');
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: bytes.length, expiresInSeconds: 60 });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    expect(await local.storage.head(key)).toEqual({ key, size: bytes.length, contentType: 'image/jpeg' });
    const read = await fetch(await local.storage.presignGet(key, 60));
    expect(Buffer.from(await read.arrayBuffer())).toEqual(bytes);
  });

  it('stream large uploads through', async () => {
    const key = newKey();
    const bytes = Buffer.alloc(8 * 1024 * 1024, 7);
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: bytes.length, expiresInSeconds: 60 });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    expect(await local.storage.head(key)).toEqual({ key, size: bytes.length, contentType: 'image/jpeg' });
  });

  it('are refused with a changed signature or signed with a wrong secret key (SignatureDoesNotMatch)', async () => {
    const key = newKey();
    const bytes = Buffer.from('x');
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(withOtherSignature(upload.url), { method: 'PUT', headers: upload.headers, body: bytes }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const forger = local.storageAt(local.s3.endpoint, { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    const forged = await forger.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(forged.url, { method: 'PUT', headers: forged.headers, body: bytes }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await local.storage.head(key)).toBeUndefined();

    await local.storage.put(key, Buffer.from('private'), 'image/jpeg');
    expect(await refusal(await fetch(withOtherSignature(await local.storage.presignGet(key, 60))))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('are bound to their key: another path is refused, for uploads and reads', async () => {
    const signedFor = newKey();
    const other = newKey();
    const upload = await local.storage.presignPut(signedFor, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(withPath(upload.url, other), { method: 'PUT', headers: upload.headers, body: 'x' }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await local.storage.head(other)).toBeUndefined();

    await local.storage.put(other, Buffer.from('private'), 'image/jpeg');
    const read = await local.storage.presignGet(signedFor, 60);
    expect(await refusal(await fetch(withPath(read, other)))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('are bound to their content type: another type is refused', async () => {
    const key = newKey();
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const retyped = await fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-Type': 'text/html' }, body: 'x' });
    expect(await refusal(retyped)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await local.storage.head(key)).toBeUndefined();
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'x' })).status).toBe(200);
  });

  it('are bound to their length: more bytes, fewer bytes or no declared length are refused', async () => {
    const key = newKey();
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 10, expiresInSeconds: 60 });
    const { 'Content-Length': _length, ...typeOnly } = upload.headers;
    for (const body of [Buffer.alloc(11), Buffer.alloc(9)]) {
      expect(await refusal(await fetch(upload.url, { method: 'PUT', headers: typeOnly, body })), `${body.length} bytes`).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    }
    // A streamed body is sent chunked, without Content-Length.
    const chunked = await fetch(upload.url, { method: 'PUT', headers: typeOnly, body: new Blob([Buffer.alloc(10)]).stream(), duplex: 'half' } as RequestInit);
    expect(await refusal(chunked)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await local.storage.head(key)).toBeUndefined();
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.alloc(10) })).status).toBe(200);
  });

  it('are refused once expired (AccessDenied, "Request has expired")', async () => {
    const key = newKey();
    const expired = await expiredUpload(local.storage, key);
    expect(await refusal(await fetch(expired.url, { method: 'PUT', headers: expired.headers, body: 'x' }))).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(await local.storage.head(key)).toBeUndefined();
    const fresh = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 900 });
    expect((await fetch(fresh.url, { method: 'PUT', headers: fresh.headers, body: 'x' })).status).toBe(200);
  });

  it('answer browsers: a refusal carries CORS headers, and a preflight needs no signature', async () => {
    const key = newKey();
    const upload = await local.storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const origin = 'http://localhost:8000';
    const refused = await fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-Type': 'image/png', origin }, body: 'x' });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('*');

    const preflight = await fetch(upload.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
  });
});

describe('S3Server', () => {
  it('stops at once and starts again on the same port, still checking signatures', async () => {
    const key = newKey();
    await local.storage.put(key, Buffer.from('kept'), 'image/jpeg');
    await local.s3.stop();
    await expect(local.storage.head(key)).rejects.toMatchObject({ code: 'storage_unavailable' });
    await local.s3.start();
    expect(await local.storage.head(key)).toEqual({ key, size: 4, contentType: 'image/jpeg' });
    expect(await refusal(await fetch(`${local.s3.endpoint}/${BUCKET}/${key}`))).toMatchObject({ status: 403, code: 'AccessDenied' });
  });
});
