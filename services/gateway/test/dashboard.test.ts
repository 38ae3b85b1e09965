import { readFile } from 'node:fs/promises';
import { colourImage } from '@sis/image/testing';
import { DashboardResponseSchema } from '@sis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, renderClientTypes } from '../src/client-types.js';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

/** An image that fails in the worker: junk declared as a JPEG. */
async function failingUpload(label: string): Promise<string> {
  const junk = Buffer.from(`not an image: ${label}`);
  const id = await gw.upload(junk, 'image/jpeg', `${label}.jpg`);
  expect((await gw.settled(id)).status).toBe('failed');
  return id;
}

describe('GET /v1/dashboard', () => {
  it('shows queues, statuses, throughput, the worker, the index, batches and failures', async () => {
    const good = await gw.upload(await colourImage('green', { width: 99, height: 99 }), 'image/jpeg', 'good.jpg');
    await gw.settled(good);
    const bad = await failingUpload('bad');
    const { status, body } = await gw.api('GET', '/v1/dashboard');
    expect(status).toBe(200);
    const dashboard = DashboardResponseSchema.parse(body);
    expect(dashboard.images).toMatchObject({ ready: 1, failed: 1 });
    expect(dashboard.throughput).toHaveLength(30);
    // Summed over the window: the two may land in different minutes when one turns over mid-test.
    const total = dashboard.throughput.reduce((sum, m) => ({ ready: sum.ready + m.ready, failed: sum.failed + m.failed }), { ready: 0, failed: 0 });
    expect(total).toEqual({ ready: 1, failed: 1 });
    expect(dashboard.workers).toEqual([expect.objectContaining({ model: gw.config.clip.model, batch: 8, concurrency: 16 })]);
    expect(dashboard.index.vectors).toBe(1);
    expect(dashboard.index.sizeBytes).toBeGreaterThan(0);
    expect(dashboard.failed).toEqual([expect.objectContaining({ id: bad, filename: 'bad.jpg', error: expect.stringMatching(/not an image/) })]);
    const reader = await gw.key('read');
    expect((await gw.api('GET', '/v1/dashboard', { key: reader })).status).toBe(403);
  });
});

describe('failed images', () => {
  it('discards one (admin only), and refuses to discard one that did not fail', async () => {
    const bad = await failingUpload('discard-me');
    const writer = await gw.key('write');
    expect((await gw.api('POST', `/v1/jobs/${bad}/discard`, { key: writer })).status).toBe(403);
    expect((await gw.api('POST', `/v1/jobs/${bad}/discard`)).status).toBe(204);
    expect(await gw.images.findById(bad)).toBeUndefined();
    const good = await gw.upload(await colourImage('blue', { width: 98, height: 98 }), 'image/jpeg');
    await gw.settled(good);
    const refused = await gw.api('POST', `/v1/jobs/${good}/discard`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_failed');
  });

  it('retries all, then discards all', async () => {
    await failingUpload('one');
    await failingUpload('two');
    const failedBefore = (await gw.api('GET', '/v1/images?status=failed')).body.items.length;
    const retried = await gw.api('POST', '/v1/jobs/retry-failed');
    expect(retried.status).toBe(202);
    expect(retried.body.count).toBe(failedBefore);
    // Junk fails again, of course.
    await expect.poll(async () => (await gw.api('GET', '/v1/images?status=failed')).body.items.length, { timeout: 20_000 }).toBe(failedBefore);
    const discarded = await gw.api('POST', '/v1/jobs/discard-failed');
    expect(discarded.body.count).toBe(failedBefore);
    expect((await gw.api('GET', '/v1/images?status=failed')).body.items).toEqual([]);
  });
});

describe('GET /v1/batches', () => {
  it('lists recent batches newest first, and checks its limit', async () => {
    await gw.api('POST', '/v1/uploads/batch', { json: { label: 'older', items: [{ filename: 'a.jpg', contentType: 'image/jpeg', size: 3 }] } });
    await gw.api('POST', '/v1/uploads/batch', { json: { label: 'newer', items: [{ filename: 'b.jpg', contentType: 'image/jpeg', size: 3 }] } });
    const { body } = await gw.api('GET', '/v1/batches?limit=2');
    expect(body.items.map((b: { label: string }) => b.label)).toEqual(['newer', 'older']);
    expect(body.items[0].counts.pending_upload).toBe(1);
    expect((await gw.api('GET', '/v1/batches?limit=0')).status).toBe(400);
  });
});

describe('web pages', () => {
  it('serves the search page and the dashboard from the gateway, referencing only local files', async () => {
    for (const path of ['/', '/dashboard']) {
      const page = await fetch(`${gw.base}${path}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<script type="module" src="\/(search|dashboard)\.js">/);
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
    for (const asset of ['/api.js', '/search.js', '/dashboard.js', '/app.css']) expect((await fetch(`${gw.base}${asset}`)).status).toBe(200);
  });

  it('puts Bull Board behind admin Basic auth', async () => {
    const anonymous = await fetch(`${gw.base}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="sis admin"/);
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });
    expect((await fetch(`${gw.base}/admin/queues`, { headers: basic('wrong') })).status).toBe(401);
    expect((await fetch(`${gw.base}/admin/queues`, { headers: basic(await gw.key('read')) })).status).toBe(401);
    const board = await fetch(`${gw.base}/admin/queues`, { headers: basic(gw.config.auth.adminToken!) });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('sis queues');
  });
});

describe("the CLI's generated client", () => {
  it('matches the API the gateway serves (pnpm generate:client rewrites it)', async () => {
    expect(await readFile(CLIENT_TYPES_PATH, 'utf8')).toBe(await renderClientTypes());
  });
});
