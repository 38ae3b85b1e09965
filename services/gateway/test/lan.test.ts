import { request } from 'node:http';
import { text } from 'node:stream/consumers';
import { colourImage } from '@sis/image/testing';
import { freePort } from '@sis/local-stack';
import { stagingKey } from '@sis/storage';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropFile } from './drop-file.js';
import { startGateway, type Gateway } from './harness.js';

/**
 * sis used from another machine on the LAN. The local S3 listens on 127.0.0.1 only, which such a
 * machine cannot reach, so presigned URLs point at the gateway's public address (PUBLIC_URL), as
 * `sis up` sets things up, and the gateway passes them on. 127.0.0.2 stands in for the LAN
 * address: the gateway listens there, and the browser below is kept away from 127.0.0.1.
 */
const LAN_HOST = '127.0.0.2';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
let gw: Gateway;
let publicUrl: string;
let browser: Browser;
let redId: string;

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://${LAN_HOST}:${port}`;
  gw = await startGateway({ PUBLIC_URL: publicUrl, S3_VIA_GATEWAY: 'true' }, { listen: { host: LAN_HOST, port } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  // Through the gateway: upload() PUTs to the presigned URL it is given.
  redId = await gw.upload(await colourImage('red'), 'image/jpeg', 'red.jpg');
  expect((await gw.settled(redId)).status).toBe('ready');
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

/** A request sent exactly as written, path and Host included, which fetch would normalise or refuse. */
function rawRequest(method: string, path: string, options: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(publicUrl);
  return new Promise((resolve, reject) => {
    const sent = request({ host: hostname, port, method, path, headers: options.headers }, (reply) => {
      text(reply).then((body) => resolve({ status: reply.statusCode ?? 0, body }), reject);
    });
    sent.on('error', reject);
    sent.end(options.body);
  });
}

describe('presigned URLs with PUBLIC_URL', () => {
  it("point at the gateway's public address, which serves the bucket's objects", async () => {
    expect(gw.base).toBe(publicUrl);
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'a.jpg', contentType: 'image/jpeg', size: 10 } });
    expect(created.body.upload.url.startsWith(`${publicUrl}/s3/${gw.config.s3.bucket}/uploads/`)).toBe(true);

    const { body: image } = await gw.api('GET', `/v1/images/${redId}`);
    expect(image.thumbnailUrl.startsWith(`${publicUrl}/s3/${gw.config.s3.bucket}/`)).toBe(true);
    expect(image.url.startsWith(`${publicUrl}/s3/${gw.config.s3.bucket}/`)).toBe(true);
    const thumbnail = await fetch(image.thumbnailUrl);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect((await thumbnail.arrayBuffer()).byteLength).toBeGreaterThan(0);
    // Storage's answer as storage sent it: the pages' policy headers belong to the pages, and
    // their Cross-Origin-Resource-Policy would hide thumbnails from a page on another address.
    expect(thumbnail.headers.get('cross-origin-resource-policy')).toBeNull();
    expect((await fetch(`${publicUrl}/`)).headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('are refused by the local S3 when tampered with on the way through the gateway, and store nothing', async () => {
    const bytes = await colourImage('blue');
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'b.jpg', contentType: 'image/jpeg', size: bytes.length } });
    const { url, headers } = created.body.upload;
    const tampered = new URL(url);
    const signature = tampered.searchParams.get('X-Amz-Signature')!;
    tampered.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
    const refused = await fetch(tampered, { method: 'PUT', headers, body: bytes });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    // Signed for the public address: the same URL sent with another Host is another request.
    const { pathname, search } = new URL(url);
    const elsewhere = await rawRequest('PUT', `${pathname}${search}`, { headers: { ...headers, host: `localhost:${new URL(publicUrl).port}` }, body: bytes });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await gw.storage.head(stagingKey(created.body.image.id, 'image/jpeg'))).toBeUndefined();

    const honest = await fetch(url, { method: 'PUT', headers, body: bytes });
    expect(honest.status).toBe(200);
    expect(await gw.storage.head(stagingKey(created.body.image.id, 'image/jpeg'))).toMatchObject({ size: bytes.length });
  });

  it("forwards only reads and writes of the bucket's objects", async () => {
    const { body: image } = await gw.api('GET', `/v1/images/${redId}`);
    const objectUrl = image.thumbnailUrl.split('?')[0];
    expect((await fetch(image.thumbnailUrl, { method: 'DELETE' })).status).toBe(405);
    expect((await fetch(image.thumbnailUrl, { method: 'POST' })).status).toBe(405);
    for (const path of [`/s3/${gw.config.s3.bucket}`, `/s3/${gw.config.s3.bucket}/`, `/s3/${gw.config.s3.bucket}?list-type=2`, '/s3/other-bucket/key', '/s3/', `/s3/${gw.config.s3.bucket}/images/%2e%2e/x`]) {
      const response = await rawRequest('GET', path);
      expect(response.status, path).toBe(403);
      expect(response.body, path).toContain('<Code>AccessDenied</Code>');
    }
    // Unsigned, the object itself is not served either: the gateway only passes requests on.
    expect((await fetch(objectUrl)).status).toBe(403);
  });
});

describe('the search page, loaded from the public address', () => {
  it('shows thumbnails and takes a drag-and-drop upload, reaching nothing but that address', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addInitScript(`localStorage.setItem('sis.apiKey', ${JSON.stringify(await gw.key('read', 'write'))})`);
    // A machine on the LAN cannot reach this one's loopback address, where the local S3 listens.
    const elsewhere: string[] = [];
    await context.route((url) => url.hostname !== LAN_HOST, (route) => {
      elsewhere.push(route.request().url());
      return route.abort();
    });
    const violations: string[] = [];
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });

    const served = await page.goto(`${publicUrl}/`);
    expect(served?.headers()['content-security-policy']).toContain(`img-src 'self' data: blob: ${publicUrl}`);
    await page.fill('input[name=q]', 'a red picture');
    await page.click('button[type=submit]');
    await page.locator('#summary', { hasText: 'results for' }).waitFor();
    expect(await page.locator(`#results .card[data-id="${redId}"]`).count()).toBe(1);
    const thumbnails = `[...document.querySelectorAll('#results .card img')]`;
    expect(await page.evaluate(`${thumbnails}.length`)).toBeGreaterThan(0);
    expect(await page.evaluate(`${thumbnails}.every((img) => img.src.startsWith(${JSON.stringify(`${publicUrl}/s3/`)}))`)).toBe(true);
    await expect.poll(() => page.evaluate(`${thumbnails}.every((img) => img.complete && img.naturalWidth > 0)`)).toBe(true);

    await dropFile(page, await colourImage('gray', { width: 300, height: 200 }), 'from-the-lan.jpg');
    await page.waitForSelector('.upload[data-file="from-the-lan.jpg"][data-status="ready"]', { timeout: 30_000 });
    expect(await page.locator('#results .card').first().textContent()).toContain('from-the-lan.jpg');
    await expect.poll(() => page.evaluate(`(() => { const img = document.querySelector('#results .card img'); return img.complete && img.naturalWidth > 0; })()`)).toBe(true);

    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  });
});
