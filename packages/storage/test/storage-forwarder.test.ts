import { createServer, request, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardToStorage } from '../src/index.js';

/**
 * The forwarder between a stand-in storage server, which records what reaches it, and a client
 * that sends requests exactly as written (paths and Host are what is being tested).
 */
const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A storage server that answers 200 with a body and a few headers, and records each request. */
async function fakeStorage(): Promise<{ endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const endpoint = await serve(async (req, res) => {
    received.push({ method: req.method, url: req.url, headers: req.headers, body: (await buffer(req)).toString() });
    res.writeHead(200, { 'content-type': 'image/webp', etag: '"abc"', 'x-amz-request-id': 'r1' });
    res.end('object bytes');
  });
  return { endpoint, received };
}

/** The forwarder mounted at `/s3` for bucket `pics`, and a fallback that answers 418 to whatever it passes on. */
function gateway(endpoint: string): Promise<string> {
  const forward = forwardToStorage({ endpoint, bucket: 'pics', path: '/s3' });
  return serve((req, res) => forward(req, res, () => res.writeHead(418).end('not mine')));
}

function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  const { hostname, port } = new URL(base);
  return new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const sent = request({ hostname, port, method, path, headers }, (reply) => {
      buffer(reply).then((bytes) => resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body: bytes.toString() }), reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

describe('forwardToStorage', () => {
  it('passes reads and writes on with the path, query and Host they arrived with, and streams the answer back', async () => {
    const storage = await fakeStorage();
    const base = await gateway(storage.endpoint);
    const path = '/s3/pics/images/a%20b.jpg?X-Amz-Signature=abc&x-id=PutObject';
    const put = await send(base, 'PUT', path, { host: 'photos.lan:8000', 'content-type': 'image/jpeg', 'content-length': '5' }, 'bytes');
    expect(put).toMatchObject({ status: 200, body: 'object bytes', headers: { 'content-type': 'image/webp', etag: '"abc"', 'x-amz-request-id': 'r1' } });
    expect(storage.received[0]).toMatchObject({ method: 'PUT', url: path, body: 'bytes', headers: { host: 'photos.lan:8000', 'content-type': 'image/jpeg', 'content-length': '5' } });

    const head = await send(base, 'HEAD', '/s3/pics/k', { host: 'photos.lan:8000' });
    expect(head.status).toBe(200);
    expect(storage.received[1]).toMatchObject({ method: 'HEAD', url: '/s3/pics/k' });
  });

  it('passes on only the headers S3 reads: no cookie, no request for a copy or an ACL', async () => {
    const storage = await fakeStorage();
    const base = await gateway(storage.endpoint);
    await send(base, 'GET', '/s3/pics/k', {
      cookie: 'session=secret',
      'x-amz-copy-source': '/pics/someone-elses.jpg',
      'x-amz-acl': 'public-read',
      'x-forwarded-for': '10.0.0.1',
      range: 'bytes=0-3',
      'if-none-match': '"abc"',
      origin: 'http://photos.lan:8000',
    });
    const { headers } = storage.received[0]!;
    expect(headers).toMatchObject({ range: 'bytes=0-3', 'if-none-match': '"abc"', origin: 'http://photos.lan:8000' });
    for (const name of ['cookie', 'x-amz-copy-source', 'x-amz-acl', 'x-forwarded-for']) expect(headers, name).not.toHaveProperty(name);
  });

  it("answers, as S3 would, what is not a read or write of the bucket's objects, without passing it on", async () => {
    const storage = await fakeStorage();
    const base = await gateway(storage.endpoint);
    const deleted = await send(base, 'DELETE', '/s3/pics/k');
    expect(deleted.status).toBe(405);
    expect(deleted.headers.allow).toBe('GET, HEAD, PUT, OPTIONS');
    expect(deleted.body).toContain('<Code>MethodNotAllowed</Code>');
    expect((await send(base, 'POST', '/s3/pics/k?uploads')).status).toBe(405);
    for (const path of ['/s3', '/s3/', '/s3?list', '/s3/pics', '/s3/pics/', '/s3/pics?list-type=2', '/s3/other/k', '/s3/pics-2/k', '/s3/pics/a/../../other/k', '/s3/pics/%2E%2E/other/k', '/s3/pics/./k', '/s3/pics/%zz']) {
      const refused = await send(base, 'GET', path, { origin: 'http://photos.lan:8000' });
      expect(refused.status, path).toBe(403);
      expect(refused.body, path).toContain('<Code>AccessDenied</Code>');
      // A page sees the refusal, not an opaque network error.
      expect(refused.headers['access-control-allow-origin'], path).toBe('*');
    }
    expect(storage.received).toEqual([]);
  });

  it("leaves everything outside its path to the server's other routes", async () => {
    const storage = await fakeStorage();
    const base = await gateway(storage.endpoint);
    for (const path of ['/', '/s3x/pics/k', '/v1/s3/pics/k', '/pics/k']) expect((await send(base, 'GET', path)).status, path).toBe(418);
    expect(storage.received).toEqual([]);
  });

  it('answers 503 with Retry-After when storage is not there', async () => {
    const storage = await fakeStorage();
    const gone = storage.endpoint;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const base = await gateway(gone);
    const reply = await send(base, 'GET', '/s3/pics/k');
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('5');
    expect(reply.body).toContain('<Code>ServiceUnavailable</Code>');
  });

  it('ends the storage request when the client goes away mid-upload', async () => {
    let storageSaw: () => void;
    const ended = new Promise<void>((resolve) => (storageSaw = resolve));
    const endpoint = await serve((req) => {
      // Never answers; the request must still end once the client is gone.
      req.on('close', () => storageSaw());
      req.resume();
    });
    const base = await gateway(endpoint);
    const { hostname, port } = new URL(base);
    const upload = request({ hostname, port, method: 'PUT', path: '/s3/pics/k', headers: { 'content-length': '1000000' } });
    upload.on('error', () => undefined);
    upload.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    upload.destroy();
    await expect(Promise.race([ended.then(() => 'ended'), new Promise((resolve) => setTimeout(() => resolve('still open'), 5000))])).resolves.toBe('ended');
  });
});
