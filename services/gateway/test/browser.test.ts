import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { colourImage } from '@sis/image/testing';
import { imageKey } from '@sis/storage';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropFile } from './drop-file.js';
import { startGateway, type Gateway } from './harness.js';

/**
 * The pages in Debian's Chromium, driven by playwright-core (it cannot download a browser here).
 * Screenshots go to a temporary folder, or to SIS_SCREENSHOTS (`pnpm screenshots` writes the ones
 * in docs/).
 */
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
let gw: Gateway;
let browser: Browser;
let shots: string;
const requested: string[] = [];
/** What Chromium refused under the pages' content security policy: nothing, or the pages are broken. */
const violations: string[] = [];
const ids: Record<string, string> = {};

beforeAll(async () => {
  gw = await startGateway();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  shots = process.env.SIS_SCREENSHOTS ? resolve(process.env.SIS_SCREENSHOTS) : await mkdtemp(join(tmpdir(), 'sis-shots-'));
  await mkdir(shots, { recursive: true });
  for (const colour of ['red', 'green', 'blue', 'yellow', 'black', 'white', 'orange', 'purple', 'pink', 'brown']) {
    ids[colour] = await gw.upload(await colourImage(colour, { band: colour === 'white' ? 'black' : 'white' }), 'image/jpeg', `${colour}.jpg`);
  }
  for (const id of Object.values(ids)) await gw.settled(id);
});
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  // Every request any page made went to this machine: no CDN, no telemetry.
  const hosts = new Set(requested.map((url) => new URL(url).hostname));
  expect([...hosts].filter((host) => host !== '127.0.0.1' && host !== 'localhost')).toEqual([]);
  expect(violations).toEqual([]);
});

/** A browser context that already holds an API key, as after the key prompt. */
async function pageWithKey(key: string | undefined, options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  if (key) await context.addInitScript(`localStorage.setItem('sis.apiKey', ${JSON.stringify(key)})`);
  const page = await context.newPage();
  page.on('request', (request) => requested.push(request.url()));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  return { context, page };
}

describe('search page', () => {
  it('shows ranked thumbnails for a colour query, and an image with "more like this"', async () => {
    const { context, page } = await pageWithKey(await gw.key('read', 'write'));
    const served = await page.goto(`${gw.base}/`);
    // Thumbnails come from storage, so its origin, and only it, is allowed besides this one.
    expect(served?.headers()['content-security-policy']).toContain(`img-src 'self' data: blob: ${gw.storage.urlOrigin}`);
    await page.fill('input[name=q]', 'a red picture');
    await page.click('button[type=submit]');
    // Waits poll from here: the pages' policy forbids the eval that waitForFunction uses in the page.
    await page.locator('#summary', { hasText: 'results for' }).waitFor();
    const cards = page.locator('#results .card');
    expect(await cards.first().getAttribute('data-id')).toBe(ids.red);
    await expect.poll(() => page.evaluate(`[...document.querySelectorAll('#results .card img')].every((img) => img.complete && img.naturalWidth > 0)`)).toBe(true);
    expect(await page.locator('#results .card .score').first().textContent()).toMatch(/^0\.\d{3}$/);
    await page.screenshot({ path: join(shots, 'search.png') });

    await cards.first().click();
    await page.waitForSelector('#detail[open] img');
    await expect(page.locator('#detail').textContent()).resolves.toMatch(/640 × 480/);
    // With a word query on screen, "more like this" refines it.
    await page.click('#detail button.primary');
    await expect.poll(() => page.textContent('#summary')).toMatch(/^9 results for “a red picture”, refined: 1 more like, 0 less like/);
    // From the newest images, it shows the image's neighbours.
    await page.goto(`${gw.base}/`);
    await page.locator('#summary', { hasText: 'Newest images' }).waitFor();
    await page.locator('#results .card').first().click();
    await page.waitForSelector('#detail[open] img');
    await page.click('#detail button.primary');
    await expect.poll(() => page.textContent('#summary')).toBe('More like this');
    expect(await page.locator('#results .card').count()).toBe(9);
    await context.close();
  });

  it('searches by file name in text mode, and refines a word query with more and less like an image', async () => {
    const { context, page } = await pageWithKey(await gw.key('read'));
    await page.goto(`${gw.base}/`);
    await page.fill('input[name=q]', 'green');
    await page.selectOption('select[name=mode]', 'text');
    await page.click('button[type=submit]');
    await page.locator('#summary', { hasText: '(text)' }).waitFor();
    expect(await page.locator('#results .card').count()).toBe(1);
    expect(await page.locator('#results .card').first().getAttribute('data-id')).toBe(ids.green);
    expect(page.url()).toContain('mode=text');

    await page.selectOption('select[name=mode]', 'semantic');
    await page.fill('input[name=q]', 'a red picture');
    await page.click('button[type=submit]');
    await page.locator('#summary', { hasText: '“a red picture” in' }).waitFor();
    await page.locator(`#results .card[data-id="${ids.blue}"]`).click();
    await page.click('#detail button[data-refine=more]');
    await page.locator('#summary', { hasText: 'refined: 1 more like, 0 less like' }).waitFor();
    // The image a query names is left out of its results; red still leads.
    expect(await page.locator(`#results .card[data-id="${ids.blue}"]`).count()).toBe(0);
    expect(await page.locator('#results .card').first().getAttribute('data-id')).toBe(ids.red);
    await page.locator(`#results .card[data-id="${ids.green}"]`).click();
    await page.click('#detail button[data-refine=less]');
    await page.locator('#summary', { hasText: 'refined: 1 more like, 1 less like' }).waitFor();
    expect(await page.locator(`#results .card[data-id="${ids.green}"]`).count()).toBe(0);
    await context.close();
  });

  it('uploads dropped files straight to storage and shows them when ready', async () => {
    const { context, page } = await pageWithKey(await gw.key('read', 'write'));
    await page.goto(`${gw.base}/`);
    await dropFile(page, await colourImage('gray', { width: 300, height: 200 }), 'dropped.jpg');
    await page.waitForSelector('.upload[data-file="dropped.jpg"][data-status="ready"]', { timeout: 30_000 });
    expect(await page.locator('#results .card').first().textContent()).toContain('dropped.jpg');
    await context.close();
  });

  it('searches with a photo dropped on its half of the page or picked, and scrolls on for more pages', async () => {
    const { context, page } = await pageWithKey(await gw.key('read'));
    await page.goto(`${gw.base}/`);
    await page.locator('#summary', { hasText: 'Newest images' }).waitFor();
    await dropFile(page, await colourImage('green', { width: 320, height: 240 }), 'holiday.jpg', '[data-drop="search"]');
    await page.locator('#summary', { hasText: 'like holiday.jpg' }).waitFor();
    expect(await page.locator('#results .card').first().getAttribute('data-id')).toBe(ids.green);
    // Nothing was uploaded.
    expect(await page.locator('.upload').count()).toBe(0);
    await page.screenshot({ path: join(shots, 'search-photo.png') });
    // Picked instead of dropped.
    await page.setInputFiles('#photo', { name: 'sunset.png', mimeType: 'image/png', buffer: await colourImage('orange', { format: 'png' }) });
    await page.locator('#summary', { hasText: 'like sunset.png' }).waitFor();
    expect(await page.locator('#results .card').first().getAttribute('data-id')).toBe(ids.orange);

    // Four at a time: scrolling to the end fetches the next page until there is none.
    await page.goto(`${gw.base}/?q=${encodeURIComponent('a red picture')}&limit=4`);
    await page.locator('#summary', { hasText: 'scroll for more' }).waitFor();
    const cards = page.locator('#results .card');
    const ready: number = (await gw.api('GET', '/v1/images?status=ready&limit=200')).body.items.length;
    for (let i = 0; i < 10 && (await page.textContent('#summary'))!.includes('scroll for more'); i++) {
      await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
      await page.waitForTimeout(200);
    }
    await expect.poll(() => page.textContent('#summary')).toMatch(/^\d+ results for “a red picture” in \d+ ms$/);
    const shown = await cards.evaluateAll((all) => all.map((card) => card.getAttribute('data-id')));
    expect(shown[0]).toBe(ids.red);
    expect(new Set(shown).size).toBe(shown.length);
    expect(shown.length).toBeGreaterThanOrEqual(Object.keys(ids).length);
    expect(shown.length).toBeLessThanOrEqual(ready);
    await context.close();
  });

  it('asks for a key when the server wants one', async () => {
    const { context, page } = await pageWithKey(undefined);
    await page.goto(`${gw.base}/`);
    await page.waitForSelector('#key-dialog[open]');
    await page.fill('#key-dialog input', await gw.key('read'));
    await page.click('#key-dialog button[value=save]');
    await page.locator('#results .card').first().waitFor();
    expect(await page.evaluate(`localStorage.getItem('sis.apiKey')`)).toMatch(/^sis_/);
    await context.close();
  });
});

describe('dashboard', () => {
  it('shows counts that move as jobs run, and retries a failed image from the page', async () => {
    // A batch, as the CLI makes them, so the batches panel has something to show.
    const files = await Promise.all(['red', 'blue', 'green'].map((colour, i) => colourImage(colour, { width: 500 + i, height: 300 })));
    const batch = await gw.api('POST', '/v1/uploads/batch', { json: { label: 'holiday photos', items: files.map((bytes, i) => ({ filename: `holiday-${i}.jpg`, contentType: 'image/jpeg', size: bytes.length })) } });
    await Promise.all(batch.body.items.map((item: any, i: number) => fetch(item.upload.url, { method: 'PUT', headers: item.upload.headers, body: files[i] })));
    await gw.api('POST', `/v1/batches/${batch.body.batch.id}/complete`);
    for (const item of batch.body.items) await gw.settled(item.image.id);

    const { context, page } = await pageWithKey(gw.config.auth.adminToken);
    await page.goto(`${gw.base}/dashboard`);
    const ready = page.locator('[data-metric="images-ready"] .value');
    await ready.waitFor();
    const before = Number((await ready.textContent())!.replace(/,/g, ''));
    expect(before).toBeGreaterThanOrEqual(10);
    expect(await page.locator('[data-worker]').count()).toBe(1);
    // The worker's own model, registered at its start: the one searches answer from, covering every ready image.
    const model = page.locator('[data-model]');
    expect(await model.count()).toBe(1);
    expect(await model.getAttribute('data-state')).toBe('active');
    expect(await model.locator('.badge').textContent()).toBe('active');
    expect(await model.locator('td').nth(1).textContent()).toBe(gw.config.clip.model);
    expect(await model.locator('td').nth(2).textContent()).toBe('512');
    expect(await model.locator('progress').getAttribute('value')).toBe('1');
    expect(await model.locator('.coverage').textContent()).toMatch(/^(\d+) \/ \1 \(100\.0 %\)$/);
    expect(await model.textContent()).toContain('up to date');

    // Junk declared as a JPEG fails; then the real bytes arrive and the operator presses Retry.
    const good = await colourImage('yellow', { width: 404, height: 303 });
    const junk = Buffer.concat([Buffer.from('garbage!'), Buffer.alloc(good.length - 8)]);
    const id = await gw.upload(junk, 'image/jpeg', 'needs-retry.jpg');
    await gw.settled(id);
    const row = page.locator(`[data-failed="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator('[data-batch]').first().waitFor();
    expect(await row.textContent()).toMatch(/not an image/);
    await page.screenshot({ path: join(shots, 'dashboard.png'), fullPage: true });

    await gw.storage.put(imageKey(id, 'image/jpeg'), good, 'image/jpeg');
    await row.locator('[data-action="retry"]').click();
    await row.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(async () => Number((await page.textContent('[data-metric="images-ready"] .value'))!.replace(/,/g, '')), { timeout: 20_000 }).toBeGreaterThan(before);
    expect((await gw.images.findById(id))?.status).toBe('ready');
    await context.close();
  });

  it('shows a model being added: building, its coverage, how fast it fills in, and why a worker cannot load it', async () => {
    const added = await gw.api('POST', '/v1/models', { json: { source: '/nonexistent/model' } });
    expect(added.status).toBe(202);
    const id: number = added.body.id;
    const { context, page } = await pageWithKey(gw.config.auth.adminToken);
    // A real model fills this small library in within a second or two, too fast to catch mid-way,
    // so one filling in is added to the server's real answer.
    const halfway = { ...added.body, id: 999, source: `/srv/models/${'halfway'.repeat(14)}`, dtype: 'q8', dimension: 256, error: null, coverage: { embedded: 180, ready: 240, ratio: 0.75, perMinute: 60, etaSeconds: 180 } };
    await page.route('**/v1/models', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: { items: [...body.items, halfway] } });
    });
    await page.goto(`${gw.base}/dashboard`);

    const row = page.locator(`[data-model="${id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('building');
    expect(await row.locator('.badge').textContent()).toBe('building');
    expect(await row.textContent()).toContain('active once complete');
    expect(await row.locator('progress').getAttribute('value')).toBe('0');
    expect(await row.locator('.coverage').textContent()).toMatch(/^0 \/ [1-9]\d* \(0\.0 %\)$/);
    expect(await page.locator('[data-model="1"]').getAttribute('data-state')).toBe('active');

    const filling = page.locator('[data-model="999"]');
    expect(await filling.locator('.coverage').textContent()).toBe('180 / 240 (75.0 %)');
    expect(await filling.locator('td').nth(1).textContent()).toBe(`/srv/models/${'halfway'.repeat(14)} (q8)`);
    expect(await filling.textContent()).toContain('60/min, about 3 min left');

    // The worker looks for new models every few seconds, cannot load this one, and records why.
    const error = page.locator(`[data-model-error="${id}"]`);
    await error.waitFor({ timeout: 20_000 });
    expect(await error.textContent()).toMatch(/CLIP model "\/nonexistent\/model" was not found/);
    expect(await row.textContent()).toContain('waiting for a worker');
    // A loader's message and a model's folder are long; they wrap instead of widening the page.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

    // Retired, it leaves the table and is only counted.
    expect((await gw.api('POST', `/v1/models/${id}/retire`)).status).toBe(200);
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await error.count()).toBe(0);
    expect(await page.textContent('#models')).toContain('1 retired model not shown.');
    await context.close();
  });

  it('shows the API documentation under the same policy', async () => {
    const { context, page } = await pageWithKey(undefined);
    await page.goto(`${gw.base}/docs/`);
    await page.locator('.swagger-ui .info', { hasText: 'sis — semantic image search' }).waitFor({ timeout: 15_000 });
    await page.locator('.opblock-summary-path', { hasText: '/v1/search' }).first().waitFor();
    await context.close();
  });

  it('opens Bull Board only with the admin password', async () => {
    // Without credentials the browser meets a Basic challenge it cannot answer.
    const anonymous = await pageWithKey(undefined);
    await expect(anonymous.page.goto(`${gw.base}/admin/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    await anonymous.context.close();

    const admin = await pageWithKey(undefined, { httpCredentials: { username: 'admin', password: gw.config.auth.adminToken! } });
    const board = await admin.page.goto(`${gw.base}/admin/queues`);
    expect(board?.status()).toBe(200);
    // Under the same policy as every page, and with nothing naming the framework.
    expect(board?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    expect(board?.headers()['x-powered-by']).toBeUndefined();
    await admin.page.waitForSelector('text=sis-embed', { timeout: 15_000 });
    await admin.context.close();
  });
});

// Last: it grows the library past the 20 images relevance needs, which the counts above assume it is not.
describe('relevance slider', () => {
  it('leaves out results under the cut, the same way for words, and runs the search again as it moves', async () => {
    const more = [];
    for (const [i, colour] of ['red', 'green', 'blue', 'yellow', 'black', 'orange', 'purple', 'pink', 'brown', 'gray', 'green', 'blue'].entries()) {
      more.push(await gw.upload(await colourImage(colour, { band: i % 2 ? 'gray' : 'white', width: 200 + i, height: 150 }), 'image/jpeg', `more-${colour}-${i}.jpg`));
    }
    for (const id of more) await gw.settled(id);
    // The search service draws its background again within seconds of seeing the library too small.
    await expect.poll(async () => (await gw.api('GET', '/v1/search?q=red&limit=1')).body.results[0].relevance, { timeout: 20_000, interval: 500 }).not.toBeNull();
    const { context, page } = await pageWithKey(await gw.key('read'));
    await page.goto(`${gw.base}/?q=${encodeURIComponent('a red picture')}`);
    await page.locator('#summary', { hasText: 'results for' }).waitFor();
    const relevances = async () => (await page.locator('#results .card').evaluateAll((cards) => cards.map((card) => card.getAttribute('data-relevance')))).map(Number);
    const all = await relevances();
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.every((r) => r >= 0 && r <= 1)).toBe(true);
    await page.locator('input[name=minRelevance]').evaluate((slider: { value: string; dispatchEvent(event: Event): boolean }) => {
      slider.value = '0.3';
      slider.dispatchEvent(new Event('input'));
      slider.dispatchEvent(new Event('change'));
    });
    expect(await page.textContent('#relevance-value')).toBe('0.30');
    await expect.poll(async () => (await relevances()).length).toBeLessThan(all.length);
    const kept = await relevances();
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((r) => r >= 0.3)).toBe(true);
    expect(kept.length).toBe(all.filter((r) => r >= 0.3).length);
    expect(await page.locator('#results .card').first().getAttribute('data-id')).toBe(ids.red);
    await page.screenshot({ path: join(shots, 'search-relevance.png') });
    await context.close();
  });
});
