import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { ObjectStorage } from '@sis/storage';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../src/index.js';
import { LOCAL_S3_CREDENTIALS, S3Server } from '../src/s3.js';
import { SigV4Verifier } from '../src/sigv4-verifier.js';

/**
 * The local S3 server refuses what S3 refuses: every request below is made by the AWS SDK (through
 * @sis/storage) or with a URL it presigned, then changed the way an attacker or a buggy client
 * would change it. Each refusal sits next to the same request unchanged, which succeeds.
 */
const BUCKET = 'sis-images';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
let dir: string;
let s3: S3Server;
let storage: ObjectStorage;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sis-s3-'));
  s3 = new S3Server({ dir, port: await freePort(), bucket: BUCKET });
  await s3.start();
  storage = storageAt(s3.endpoint);
});
afterAll(async () => {
  for (const close of closers) await close();
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

function storageAt(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_S3_CREDENTIALS): ObjectStorage {
  const client = new ObjectStorage({ bucket: BUCKET, region: 'us-east-1', endpoint, credentials });
  closers.push(() => client.destroy());
  return client;
}

/** Status, S3 error code and message of a refused request. */
async function refusal(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const text = await response.text();
  return { status: response.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1] };
}

const newKey = (name = 'photo.jpg') => `uploads/${randomUUID()}/${name}`;
const withPath = (url: string, key: string) => Object.assign(new URL(url), { pathname: `/${BUCKET}/${key}` }).href;
/** The URL with the last hex digit of its signature changed. */
const withOtherSignature = (url: string) => {
  const changed = new URL(url);
  const signature = changed.searchParams.get('X-Amz-Signature')!;
  changed.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
  return changed.href;
};

/**
 * An HTTP server that passes requests on to the local S3 after `tamper` changed them, as a
 * man in the middle would, and passes the answers back unchanged.
 */
async function proxy(tamper: (request: { path: string; headers: IncomingHttpHeaders }) => void): Promise<string> {
  const target = new URL(s3.endpoint);
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
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${port}`;
}

describe('requests signed in the Authorization header (the AWS SDK)', () => {
  it('are served when signed right: put, head, get, delete, for keys with odd characters too', async () => {
    for (const key of [newKey(), newKey("a b+c&d=é!(x)*'~.jpg")]) {
      await storage.put(key, Buffer.from('bytes'), 'image/jpeg');
      expect(await storage.head(key)).toEqual({ key, size: 5, contentType: 'image/jpeg' });
      expect((await buffer((await storage.get(key))!)).toString()).toBe('bytes');
      await storage.delete(key);
      expect(await storage.head(key)).toBeUndefined();
    }
  });

  it('are refused when signed with a wrong secret key (SignatureDoesNotMatch), and store nothing', async () => {
    const key = newKey();
    const forger = storageAt(s3.endpoint, { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expect(forger.put(key, Buffer.from('forged'), 'image/jpeg')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect(await storage.head(key)).toBeUndefined();
  });

  it('are refused when signed with an unknown access key (InvalidAccessKeyId)', async () => {
    const stranger = storageAt(s3.endpoint, { accessKeyId: 'NOBODY', secretAccessKey: LOCAL_S3_CREDENTIALS.secretAccessKey });
    await expect(stranger.put(newKey(), Buffer.from('x'), 'image/jpeg')).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
  });

  it('are refused when changed in transit: another key, another signature, another host', async () => {
    const secret = newKey('secret.jpg');
    await storage.put(secret, Buffer.from('private'), 'image/jpeg');
    const mine = newKey('mine.jpg');
    await storage.put(mine, Buffer.from('mine'), 'image/jpeg');

    // Passing through unchanged works, so each refusal below is the change's doing.
    const honest = storageAt(await proxy(() => {}));
    expect((await buffer((await honest.get(mine))!)).toString()).toBe('mine');

    const otherKey = storageAt(await proxy((r) => (r.path = r.path.replace(mine, secret))));
    await expect(otherKey.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });

    const otherSignature = storageAt(await proxy((r) => (r.headers.authorization = String(r.headers.authorization).replace(/.$/, (c) => (c === '0' ? '1' : '0')))));
    await expect(otherSignature.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });

    // The client signed the proxy's address; the server must check the host it was really sent.
    const otherHost = storageAt(await proxy((r) => (r.headers.host = new URL(s3.endpoint).host)));
    await expect(otherHost.get(mine)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });

  it('are refused when signed more than 15 minutes from now (RequestTimeTooSkewed)', async () => {
    const key = newKey();
    await storage.put(key, Buffer.from('x'), 'image/jpeg');
    const url = new URL(`${s3.endpoint}/${BUCKET}/${key}`);
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
    const url = `${s3.endpoint}/${BUCKET}/${key}`;
    expect(await refusal(await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: 'anonymous' }))).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(await storage.head(key)).toBeUndefined();
    await storage.put(key, Buffer.from('private'), 'image/jpeg');
    const read = await fetch(url);
    expect(await refusal(read)).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect((await fetch(url, { method: 'HEAD' })).status).toBe(403);
  });
});

describe('presigned URLs', () => {
  it('upload with exactly the signed headers, and read', async () => {
    const key = newKey();
    const bytes = Buffer.from('presigned bytes');
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: bytes.length, expiresInSeconds: 60 });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    expect(await storage.head(key)).toEqual({ key, size: bytes.length, contentType: 'image/jpeg' });
    const read = await fetch(await storage.presignGet(key, 60));
    expect(Buffer.from(await read.arrayBuffer())).toEqual(bytes);
  });

  it('stream large uploads through', async () => {
    const key = newKey();
    const bytes = Buffer.alloc(8 * 1024 * 1024, 7);
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: bytes.length, expiresInSeconds: 60 });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);
    expect(await storage.head(key)).toEqual({ key, size: bytes.length, contentType: 'image/jpeg' });
  });

  it('are refused with a changed signature or signed with a wrong secret key (SignatureDoesNotMatch)', async () => {
    const key = newKey();
    const bytes = Buffer.from('x');
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(withOtherSignature(upload.url), { method: 'PUT', headers: upload.headers, body: bytes }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const forger = storageAt(s3.endpoint, { accessKeyId: LOCAL_S3_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    const forged = await forger.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(forged.url, { method: 'PUT', headers: forged.headers, body: bytes }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await storage.head(key)).toBeUndefined();

    await storage.put(key, Buffer.from('private'), 'image/jpeg');
    expect(await refusal(await fetch(withOtherSignature(await storage.presignGet(key, 60))))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('are bound to their key: another path is refused, for uploads and reads', async () => {
    const signedFor = newKey();
    const other = newKey();
    const upload = await storage.presignPut(signedFor, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    expect(await refusal(await fetch(withPath(upload.url, other), { method: 'PUT', headers: upload.headers, body: 'x' }))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await storage.head(other)).toBeUndefined();

    await storage.put(other, Buffer.from('private'), 'image/jpeg');
    const read = await storage.presignGet(signedFor, 60);
    expect(await refusal(await fetch(withPath(read, other)))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('are bound to their content type: another type is refused', async () => {
    const key = newKey();
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const retyped = await fetch(upload.url, { method: 'PUT', headers: { ...upload.headers, 'Content-Type': 'text/html' }, body: 'x' });
    expect(await refusal(retyped)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await storage.head(key)).toBeUndefined();
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: 'x' })).status).toBe(200);
  });

  it('are bound to their length: more bytes, fewer bytes or no declared length are refused', async () => {
    const key = newKey();
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 10, expiresInSeconds: 60 });
    const { 'Content-Length': _length, ...typeOnly } = upload.headers;
    for (const body of [Buffer.alloc(11), Buffer.alloc(9)]) {
      expect(await refusal(await fetch(upload.url, { method: 'PUT', headers: typeOnly, body })), `${body.length} bytes`).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    }
    // A streamed body is sent chunked, without Content-Length.
    const chunked = await fetch(upload.url, { method: 'PUT', headers: typeOnly, body: new Blob([Buffer.alloc(10)]).stream(), duplex: 'half' } as RequestInit);
    expect(await refusal(chunked)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await storage.head(key)).toBeUndefined();
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.alloc(10) })).status).toBe(200);
  });

  it('are refused once expired (AccessDenied, "Request has expired")', async () => {
    const key = newKey();
    // Signed 16 minutes ago for 15: expired a minute ago.
    vi.useFakeTimers({ toFake: ['Date'] });
    let expired;
    try {
      vi.setSystemTime(Date.now() - 16 * 60_000);
      expired = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 900 });
    } finally {
      vi.useRealTimers();
    }
    expect(await refusal(await fetch(expired.url, { method: 'PUT', headers: expired.headers, body: 'x' }))).toEqual({ status: 403, code: 'AccessDenied', message: 'Request has expired' });
    expect(await storage.head(key)).toBeUndefined();
    const fresh = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 900 });
    expect((await fetch(fresh.url, { method: 'PUT', headers: fresh.headers, body: 'x' })).status).toBe(200);
  });

  it('answer browsers: a refusal carries CORS headers, and a preflight needs no signature', async () => {
    const key = newKey();
    const upload = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
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

describe('requests the gateway passes on under /s3 (S3_VIA_GATEWAY)', () => {
  // URLs signed for the gateway's public address, a name s3rver alone would take for a bucket.
  const PUBLIC = 'http://photos.lan:8000';
  let viaGateway: ObjectStorage;
  beforeAll(() => {
    viaGateway = new ObjectStorage({ bucket: BUCKET, region: 'us-east-1', endpoint: s3.endpoint, publicEndpoint: `${PUBLIC}/s3`, credentials: LOCAL_S3_CREDENTIALS });
    closers.push(() => viaGateway.destroy());
  });

  /** Sends what the gateway forwards: the URL's path and query as they are, and the Host it names. */
  function forwarded(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<{ status: number; body: string }> {
    const { host, pathname, search } = new URL(url);
    const target = new URL(s3.endpoint);
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
    expect(await storage.head(key)).toEqual({ key, size: 5, contentType: 'image/jpeg' });
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
    const direct = await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
    const directUrl = new URL(direct.url);
    expect(code(await forwarded(`${directUrl.origin}/s3${directUrl.pathname}${directUrl.search}`, 'PUT', direct.headers, 'x'))).toBe('SignatureDoesNotMatch');
    expect(await storage.head(key)).toBeUndefined();
  });

  it('are refused once expired', async () => {
    const key = newKey();
    vi.useFakeTimers({ toFake: ['Date'] });
    let expired;
    try {
      vi.setSystemTime(Date.now() - 16 * 60_000);
      expired = await viaGateway.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 900 });
    } finally {
      vi.useRealTimers();
    }
    const refused = await forwarded(expired.url, 'PUT', expired.headers, 'x');
    expect({ status: refused.status, code: code(refused) }).toEqual({ status: 403, code: 'AccessDenied' });
    expect(await storage.head(key)).toBeUndefined();
  });
});

describe('S3Server', () => {
  it('stops at once and starts again on the same port, still checking signatures', async () => {
    const key = newKey();
    await storage.put(key, Buffer.from('kept'), 'image/jpeg');
    await s3.stop();
    await expect(storage.head(key)).rejects.toMatchObject({ code: 'storage_unavailable' });
    await s3.start();
    expect(await storage.head(key)).toEqual({ key, size: 4, contentType: 'image/jpeg' });
    expect(await refusal(await fetch(`${s3.endpoint}/${BUCKET}/${key}`))).toMatchObject({ status: 403, code: 'AccessDenied' });
  });
});

describe('SigV4Verifier', () => {
  // s3rver itself also refuses expired URLs, skewed clocks and unknown keys; these prove the
  // verifier does so without it.
  const verifier = new SigV4Verifier({ credentials: [LOCAL_S3_CREDENTIALS] });
  const received = (url: string, method: string, headers: Record<string, string>) => {
    const { host, pathname, search } = new URL(url);
    return { method, url: pathname + search, headers: { host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) } };
  };

  it('refuses an expired presigned URL, and accepts the same one unexpired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const upload = await storage.presignPut(newKey(), { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
      await expect(verifier.verify(received(upload.url, 'PUT', upload.headers))).resolves.toBeUndefined();
      vi.setSystemTime(Date.now() + 61_000);
      await expect(verifier.verify(received(upload.url, 'PUT', upload.headers))).rejects.toMatchObject({ code: 'AccessDenied', status: 403, message: 'Request has expired' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a header signature made with a clock 16 minutes off, and an unknown access key', async () => {
    const url = new URL(`${s3.endpoint}/${BUCKET}/${newKey()}`);
    const sign = (signingDate: Date, accessKeyId: string = LOCAL_S3_CREDENTIALS.accessKeyId) =>
      new SignatureV4({ credentials: { ...LOCAL_S3_CREDENTIALS, accessKeyId }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256 } },
        { signingDate },
      );
    const asReceived = async (signed: ReturnType<typeof sign>) => ({ method: 'GET', url: url.pathname, headers: (await signed).headers as Record<string, string> });
    await expect(verifier.verify(await asReceived(sign(new Date())))).resolves.toBeUndefined();
    await expect(verifier.verify(await asReceived(sign(new Date(Date.now() + 16 * 60_000))))).rejects.toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
    await expect(verifier.verify(await asReceived(sign(new Date(), 'NOBODY')))).rejects.toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });
});
