import { spawnSync } from 'node:child_process';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConflictError, ServiceUnavailableError } from '@sis/contracts';
import express, { type Express } from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMetricsRegistry, createServiceApp, MemoryBudget, parse, receiveFile, type ReadinessChecks } from '../src/index.js';

const logger = pino({ level: 'silent' });
const open: { close(): void }[] = [];
afterEach(() => {
  for (const server of open.splice(0)) server.close();
});

/** A JSON body, shaped as the assertions check it. */
const body = (response: Response): Promise<any> => response.json();

/** Serves an app on a free loopback port; each test gets its own, so none shares state. */
async function serve(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  open.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function app(options: { readiness?: ReadinessChecks; routes?: (app: Express) => void; trustedOrigins?: string[] } = {}): Express {
  return createServiceApp({ service: 'worker', logger, metrics: createMetricsRegistry('test'), readiness: options.readiness ?? {}, routes: options.routes, trustedOrigins: options.trustedOrigins });
}

describe('health routes', () => {
  it('answers /healthz with the service name', async () => {
    const base = await serve(app());
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await body(response)).toEqual({ status: 'ok', service: 'worker' });
  });

  it('answers /readyz 503 naming the failing dependency, and 200 once every check passes', async () => {
    let postgresUp = false;
    const base = await serve(app({ readiness: { postgres: async () => { if (!postgresUp) throw new Error('connection refused'); }, redis: async () => 'PONG' } }));
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await body(down)).toEqual({
      status: 'unavailable',
      checks: { postgres: { ok: false, error: 'connection refused', ms: expect.any(Number) }, redis: { ok: true, ms: expect.any(Number) } },
    });
    postgresUp = true;
    const up = await fetch(`${base}/readyz`);
    expect(up.status).toBe(200);
    expect((await body(up)).status).toBe('ready');
  });

  it('gives up on a check that hangs, within the readiness timeout', async () => {
    const base = await serve(app({ readiness: { storage: () => new Promise(() => undefined) } }));
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(503);
    expect((await body(response)).checks.storage).toMatchObject({ ok: false, error: 'no answer within 2000 ms' });
  });

  it('serves Prometheus text with process metrics, peak memory and request timings by route pattern', async () => {
    const base = await serve(app({ routes: (a) => a.get('/things/:id', (_req, res) => res.json({})) }));
    await fetch(`${base}/things/42`);
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^sis_test_process_max_rss_bytes \d+/m);
    expect(text).toMatch(/^sis_test_process_cpu_seconds_total /m);
    expect(text).toMatch(/^sis_http_request_seconds_count\{method="GET",route="\/things\/:id",status="200"\} 1$/m);
  });

  it('reports its own peak memory, not the peak of the larger process that started it', () => {
    // getrusage's maxrss survives exec: a child of this 400 MB process would start at 400 MB.
    const ballast = Buffer.alloc(400 * 2 ** 20, 1);
    const metrics = pathToFileURL(fileURLToPath(new URL('../dist/metrics.js', import.meta.url))).href;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import { peakRssBytes } from ${JSON.stringify(metrics)}; console.log(JSON.stringify({ own: peakRssBytes(), inherited: process.resourceUsage().maxRSS * 1024 }))`], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const { own, inherited } = JSON.parse(child.stdout) as { own: number; inherited: number };
    expect(inherited).toBeGreaterThan(ballast.length);
    expect(own).toBeLessThan(200 * 2 ** 20);
    expect(own).toBeGreaterThan(10 * 2 ** 20);
  });

  it('reports each readiness check as sis_ready at scrape time, so alerts see a service that runs but cannot serve', async () => {
    let postgresUp = false;
    const base = await serve(app({ readiness: { postgres: async () => { if (!postgresUp) throw new Error('connection refused'); }, redis: async () => 'PONG' } }));
    const scrape = async () => (await fetch(`${base}/metrics`)).text();
    const down = await scrape();
    expect(down).toMatch(/^sis_ready\{check="postgres"\} 0$/m);
    expect(down).toMatch(/^sis_ready\{check="redis"\} 1$/m);
    postgresUp = true;
    expect(await scrape()).toMatch(/^sis_ready\{check="postgres"\} 1$/m);
  });
});

describe('security headers', () => {
  it('forbid inline script and framing, sniffing and leaking the referrer, and say nothing of express', async () => {
    const base = await serve(app({ trustedOrigins: ['https://bucket.s3.example'] }));
    for (const path of ['/healthz', '/nope']) {
      const { headers } = await fetch(`${base}${path}`);
      const csp = Object.fromEntries(headers.get('content-security-policy')!.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      expect(csp['object-src']).toEqual(["'none'"]);
      expect(csp['img-src']).toContain('https://bucket.s3.example');
      expect(csp['connect-src']).toEqual(["'self'", 'https://bucket.s3.example']);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('referrer-policy')).toBe('same-origin');
      expect(headers.get('x-powered-by')).toBeNull();
    }
  });

  it('leave answers passed through from another server as that server sent them', async () => {
    const base = await serve(
      createServiceApp({
        service: 'gateway', logger, metrics: createMetricsRegistry('test'), readiness: {},
        passThrough: [(req, res, next) => (req.url === '/elsewhere' ? res.type('image/webp').send('bytes') : next())],
      }),
    );
    const passed = await fetch(`${base}/elsewhere`);
    expect(await passed.text()).toBe('bytes');
    for (const name of ['content-security-policy', 'cross-origin-resource-policy', 'x-frame-options', 'x-powered-by', 'x-request-id']) expect(passed.headers.get(name), name).toBeNull();
    const own = await fetch(`${base}/healthz`);
    expect(own.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(own.headers.get('content-security-policy')).not.toBeNull();
  });
});

describe('errors', () => {
  const routes = (a: Express) => {
    a.use(express.json({ limit: '1kb' }));
    a.post('/validate', (req, res) => {
      res.json(parse(z.object({ size: z.number().int().min(1), name: z.string() }), req.body));
    });
    a.get('/conflict', () => {
      throw new ConflictError('not_failed', 'only failed images can be retried');
    });
    a.get('/busy', () => {
      throw new ServiceUnavailableError('database_unavailable', 'PostgreSQL is not answering', { retryAfterSeconds: 5 });
    });
    a.get('/bug', () => {
      throw new TypeError('internal detail that must not leak');
    });
    a.post('/upload', receiveFile({ field: 'file', maxBytes: 10, memory: new MemoryBudget(1024 * 1024) }), (req, res) => {
      res.json({ bytes: req.file?.size ?? 0, name: req.file?.originalname });
    });
  };

  it('answers a route that does not exist with a JSON 404 carrying the request id it was given', async () => {
    const base = await serve(app({ routes }));
    const response = await fetch(`${base}/nope`, { headers: { 'x-request-id': 'req-1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-1');
    expect(await body(response)).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /nope', requestId: 'req-1' } });
  });

  it('replaces a request id that is not sane with a fresh one', async () => {
    const base = await serve(app({ routes }));
    const response = await fetch(`${base}/nope`, { headers: { 'x-request-id': 'has spaces and <angles>' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('names every failing field of a body, and says "is required" for missing ones', async () => {
    const base = await serve(app({ routes }));
    const response = await fetch(`${base}/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 0 }) });
    expect(response.status).toBe(400);
    const { error } = await body(response);
    expect(error).toMatchObject({ code: 'validation_failed', details: [{ field: 'size', message: expect.stringMatching(/>=1|at least/) }, { field: 'name', message: 'is required' }] });
  });

  it('maps malformed and oversized JSON to 400 and 413', async () => {
    const base = await serve(app({ routes }));
    const post = (body: string) => fetch(`${base}/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const malformed = await post('{"size": ');
    expect(malformed.status).toBe(400);
    expect((await body(malformed)).error.code).toBe('invalid_json');
    const large = await post(JSON.stringify({ name: 'x'.repeat(2000), size: 1 }));
    expect(large.status).toBe(413);
    expect((await body(large)).error.code).toBe('payload_too_large');
  });

  it('answers JSON in a content encoding or charset it does not read with 415, not 500', async () => {
    const base = await serve(app({ routes }));
    const post = (headers: Record<string, string>) => fetch(`${base}/validate`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"size":1,"name":"a"}' });
    const encoded = await post({ 'content-encoding': 'x-nonsense' });
    expect(encoded.status).toBe(415);
    expect((await body(encoded)).error).toMatchObject({ code: 'unsupported_content_encoding', message: 'unsupported content encoding "x-nonsense"' });
    const latin1 = await post({ 'content-type': 'application/json; charset=latin1' });
    expect(latin1.status).toBe(415);
    expect((await body(latin1)).error).toMatchObject({ code: 'unsupported_charset', message: 'unsupported charset "LATIN1"' });
  });

  it('maps domain errors to their status, with Retry-After when the error gives one', async () => {
    const base = await serve(app({ routes }));
    expect((await fetch(`${base}/conflict`)).status).toBe(409);
    const busy = await fetch(`${base}/busy`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect((await body(busy)).error).toMatchObject({ code: 'database_unavailable', details: { retryAfterSeconds: 5 } });
  });

  it('answers an unexpected error 500 without its internals', async () => {
    const base = await serve(app({ routes }));
    const response = await fetch(`${base}/bug`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/internal detail/);
    expect(JSON.parse(text).error.code).toBe('internal_error');
  });

  it('answers a multipart body it cannot parse with 400 invalid_multipart, not 500', async () => {
    const base = await serve(app({ routes }));
    for (const payload of ['garbage without any boundary', '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nno end']) {
      const response = await fetch(`${base}/upload`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body: payload });
      expect(response.status).toBe(400);
      expect((await body(response)).error).toMatchObject({ code: 'invalid_multipart', message: expect.stringMatching(/^the multipart body cannot be read: /) });
    }
  });

  it('answers a form part without a name with 400 invalid_multipart, not 500', async () => {
    const base = await serve(app({ routes }));
    const form = new FormData();
    form.append('', 'value');
    const response = await fetch(`${base}/upload`, { method: 'POST', body: form });
    expect(response.status).toBe(400);
    expect((await body(response)).error).toMatchObject({ code: 'invalid_multipart', message: 'Field name missing' });
  });

  it('reads file names as UTF-8', async () => {
    const base = await serve(app({ routes }));
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(3)]), 'café – 写真.png');
    expect(await body(await fetch(`${base}/upload`, { method: 'POST', body: form }))).toEqual({ bytes: 3, name: 'café – 写真.png' });
  });

  it('takes a file within the limit and answers 413 for a larger one', async () => {
    const base = await serve(app({ routes }));
    const upload = (bytes: number) => {
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(bytes)]), 'f.bin');
      return fetch(`${base}/upload`, { method: 'POST', body: form });
    };
    expect(await body(await upload(10))).toEqual({ bytes: 10, name: 'f.bin' });
    const large = await upload(11);
    expect(large.status).toBe(413);
    expect((await body(large)).error).toMatchObject({ code: 'file_too_large', message: 'file: the file is larger than the upload limit' });
  });
});

describe('memory for received files', () => {
  const KiB = 1024;
  const boundary = 'sis-test-boundary';
  const head = (filename: string) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const multipart = (bytes: number) => Buffer.concat([head('f.bin'), Buffer.alloc(bytes, 7), tail]);

  /** Starts a POST of `body` and sends only its first part, so the request holds its memory. */
  function held(url: string, body: Buffer): { request: ClientRequest; response: Promise<IncomingMessage>; finish(): void } {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } });
    const response = new Promise<IncomingMessage>((resolve, reject) => request.once('response', resolve).once('error', reject));
    request.write(body.subarray(0, 1000));
    return { request, response, finish: () => request.end(body.subarray(1000)) };
  }

  it('refuses a file with 503 upload_capacity while others hold the memory, and takes it once they are done', async () => {
    const memory = new MemoryBudget(300 * KiB);
    const base = await serve(app({ routes: (a) => a.post('/upload', receiveFile({ field: 'file', maxBytes: 200 * KiB, memory }), (req, res) => res.json({ bytes: req.file?.size })) }));
    const post = (bytes: number) => fetch(`${base}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: multipart(bytes) });

    const first = held(`${base}/upload`, multipart(200 * KiB));
    await expect.poll(() => memory.inUse).toBe(multipart(200 * KiB).length);
    const refused = await post(150 * KiB);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect((await body(refused)).error).toMatchObject({ code: 'upload_capacity', message: expect.stringContaining('POST /v1/uploads') });
    // A small file still fits beside the held one.
    expect(await body(await post(10 * KiB))).toEqual({ bytes: 10 * KiB });

    first.finish();
    expect((await first.response).statusCode).toBe(200);
    await expect.poll(() => memory.inUse).toBe(0);
    expect(await body(await post(150 * KiB))).toEqual({ bytes: 150 * KiB });
  });

  it('gives the memory back when a client goes away mid-upload, and counts a chunked body at its most', async () => {
    const memory = new MemoryBudget(1024 * KiB);
    const base = await serve(app({ routes: (a) => a.post('/upload', receiveFile({ field: 'file', maxBytes: 100 * KiB, memory }), (_req, res) => res.json({})) }));
    const gone = held(`${base}/upload`, multipart(100 * KiB));
    gone.response.catch(() => undefined);
    await expect.poll(() => memory.inUse).toBeGreaterThan(0);
    gone.request.destroy();
    await expect.poll(() => memory.inUse).toBe(0);

    const chunked = httpRequest(`${base}/upload`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } });
    chunked.on('error', () => undefined);
    chunked.write(head('f.bin'));
    // No length given: it reserves the largest body the limits allow, not the bytes sent so far.
    await expect.poll(() => memory.inUse).toBeGreaterThan(100 * KiB);
    chunked.destroy();
    await expect.poll(() => memory.inUse).toBe(0);
  });
});
