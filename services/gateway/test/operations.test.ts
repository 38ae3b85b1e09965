import { randomUUID } from 'node:crypto';
import { colourImage } from '@sis/image/testing';
import { JobResponseSchema, ListModelsResponseSchema, ModelSchema, QueuesResponseSchema } from '@sis/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.stop());

describe('jobs', () => {
  it('shows a job by image id, carrying the request id that queued it', async () => {
    const bytes = await colourImage('green', { width: 50, height: 50 });
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'g.jpg', contentType: 'image/jpeg', size: bytes.length } });
    await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: bytes });
    const completed = await gw.api('POST', `/v1/uploads/${created.body.image.id}/complete`, { headers: { 'x-request-id': 'ingest-run-7' } });
    expect(completed.headers.get('x-request-id')).toBe('ingest-run-7');
    await gw.settled(created.body.image.id);
    // The image is ready a moment before BullMQ marks its job completed.
    const jobOf = async () => JobResponseSchema.parse((await gw.api('GET', `/v1/jobs/${created.body.image.id}`)).body);
    await expect.poll(async () => (await jobOf()).state).toBe('completed');
    expect(await jobOf()).toMatchObject({ state: 'completed', imageStatus: 'ready', requestId: 'ingest-run-7', attemptsMade: 1 });
    expect((await gw.api('GET', `/v1/jobs/${randomUUID()}`)).status).toBe(404);
  });

  it('retries a failed image (admin only), and refuses to retry one that did not fail', async () => {
    const bytes = await colourImage('red', { width: 52, height: 52 });
    const created = await gw.api('POST', '/v1/uploads', { json: { filename: 'r.jpg', contentType: 'image/jpeg', size: bytes.length } });
    const id = created.body.image.id;
    await gw.storage.put(`images/${id}.jpg`, Buffer.from('not a jpeg at all, but the right length?'), 'image/jpeg');
    // Declared size differs from the junk, so complete fails; fix the record to match and go on.
    await gw.storage.put(`images/${id}.jpg`, Buffer.concat([Buffer.from('junk'), Buffer.alloc(bytes.length - 4)]), 'image/jpeg');
    await gw.api('POST', `/v1/uploads/${id}/complete`);
    const failed = await gw.settled(id);
    expect(failed.status).toBe('failed');
    const job = await gw.api('GET', `/v1/jobs/${id}`);
    expect(job.body).toMatchObject({ state: 'failed', imageStatus: 'failed' });
    expect(job.body.failedReason).toMatch(/not an image/);

    // The right bytes arrive after all; an operator retries.
    await gw.storage.put(`images/${id}.jpg`, bytes, 'image/jpeg');
    const writer = await gw.key('write');
    expect((await gw.api('POST', `/v1/jobs/${id}/retry`, { key: writer })).status).toBe(403);
    const retried = await gw.api('POST', `/v1/jobs/${id}/retry`);
    expect(retried.status).toBe(202);
    expect((await gw.settled(id)).status).toBe('ready');
    const again = await gw.api('POST', `/v1/jobs/${id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toBe(`image ${id} is ready; only failed images can be retried`);
  });
});

describe('retries and discards at the same time', () => {
  // No worker: a retried image stays queued, so each request meets only the other requests.
  let still: Gateway;
  beforeAll(async () => {
    still = await startGateway({}, { worker: false });
  });
  afterAll(() => still?.stop());

  const failedImage = async () => {
    const created = await still.api('POST', '/v1/uploads', { json: { filename: 'lost.jpg', contentType: 'image/jpeg', size: 10 } });
    await still.images.transition(created.body.image.id, ['pending_upload'], 'failed', { error: 'the upload is missing from storage' });
    return created.body.image.id as string;
  };

  it('count only the images each bulk call reached, and answer nothing but their statuses', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, failedImage));
    const calls = await Promise.all([
      ...Array.from({ length: 3 }, () => still.api('POST', '/v1/jobs/retry-failed')),
      ...Array.from({ length: 3 }, () => still.api('POST', '/v1/jobs/discard-failed')),
      ...ids.map((id) => still.api('POST', `/v1/jobs/${id}/retry`)),
    ]);
    expect(calls.slice(0, 3).map((c) => c.status)).toEqual([202, 202, 202]);
    expect(calls.slice(3, 6).map((c) => c.status)).toEqual([200, 200, 200]);
    for (const single of calls.slice(6)) expect([202, 404, 409]).toContain(single.status);
    // Each image was queued again or deleted by exactly one of the calls.
    const reached = calls.slice(0, 6).reduce((n, c) => n + c.body.count, 0) + calls.slice(6).filter((c) => c.status === 202).length;
    expect(reached).toBe(ids.length);
  });
});

describe('queues and batches', () => {
  it('counts jobs by state and images by status', async () => {
    const { status, body } = await gw.api('GET', '/v1/queues');
    expect(status).toBe(200);
    const parsed = QueuesResponseSchema.parse(body);
    expect(parsed.queues[0]!.name).toBe('sis-embed');
    expect(parsed.images.ready).toBeGreaterThanOrEqual(1);
  });

  it('lists the models: the worker registered its own at start, the active one, covering every ready image', async () => {
    const id = await gw.upload(await colourImage('blue', { width: 53, height: 53 }), 'image/jpeg', 'b.jpg');
    expect((await gw.settled(id)).status).toBe('ready');
    const { items } = ListModelsResponseSchema.parse((await gw.api('GET', '/v1/models')).body);
    expect(items).toHaveLength(1);
    const [model] = items;
    expect(model).toMatchObject({ id: 1, source: inject('stackEnv').CLIP_MODEL, dtype: null, dimension: 512, state: 'active', active: true, error: null, retiredAt: null });
    expect(model!.coverage.embedded).toBe(model!.coverage.ready);
    expect(model!.coverage).toMatchObject({ ratio: 1 });
    expect(model!.coverage.ready).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${gw.base}/v1/models`)).status).toBe(401);
  });

  it('adds, activates and retires models for admins only, with a clear error for each bad request', async () => {
    const missing = '/nonexistent/sis-model';
    const created = await gw.api('POST', '/v1/models', { json: { source: missing, dtype: 'fp16' } });
    expect(created.status).toBe(202);
    const model = ModelSchema.parse(created.body);
    expect(model).toMatchObject({ source: missing, dtype: 'fp16', state: 'building', active: false, dimension: null, activateWhenComplete: true });
    // The same model again is the same model.
    expect((await gw.api('POST', '/v1/models', { json: { source: missing, dtype: 'fp16' } })).body.id).toBe(model.id);
    // The worker tries to load it within seconds, and says why it cannot.
    await expect.poll(async () => ListModelsResponseSchema.parse((await gw.api('GET', '/v1/models')).body).items.find((m) => m.id === model.id)?.error, { timeout: 20_000 }).toMatch(/sis-model/);
    const notLoaded = await gw.api('POST', `/v1/models/${model.id}/activate`, { json: { force: true } });
    expect(notLoaded.status).toBe(409);
    expect(notLoaded.body.error.code).toBe('model_not_loaded');

    const active = ListModelsResponseSchema.parse((await gw.api('GET', '/v1/models')).body).items.find((m) => m.active)!;
    // Activating the active model changes nothing; it cannot be retired.
    expect((await gw.api('POST', `/v1/models/${active.id}/activate`)).body).toMatchObject({ id: active.id, state: 'active' });
    const retireActive = await gw.api('POST', `/v1/models/${active.id}/retire`);
    expect(retireActive.status).toBe(409);
    expect(retireActive.body.error).toMatchObject({ code: 'model_active', message: `model ${active.id} is the active model; activate another first` });
    const retired = await gw.api('POST', `/v1/models/${model.id}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body).toMatchObject({ id: model.id, state: 'retired' });
    expect(retired.body.retiredAt).not.toBeNull();
    expect((await gw.api('POST', `/v1/models/${model.id}/activate`)).body.error.code).toBe('model_not_found');
    expect((await gw.api('POST', '/v1/models/424242/retire')).status).toBe(404);

    const writer = await gw.key('write');
    expect((await gw.api('POST', '/v1/models', { key: writer, json: { source: 'x' } })).status).toBe(403);
    expect((await gw.api('POST', `/v1/models/${active.id}/activate`, { key: writer })).status).toBe(403);
    expect((await gw.api('POST', `/v1/models/${active.id}/retire`, { key: writer })).status).toBe(403);
    for (const [body, message] of [
      [{}, 'source: is required'],
      [{ source: '  ' }, 'source: must not be empty'],
      [{ source: 'x'.repeat(501) }, 'source: must be at most 500 characters'],
      [{ source: 'm', dtype: 'fp64' }, `dtype: must be one of fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4`],
      [{ source: 'm', activate: 'yes' }, 'activate: must be true or false'],
      [{ source: 'm', device: 'gpu' }, '(body): Unrecognized key: "device"'],
    ] as const) {
      const refused = await gw.api('POST', '/v1/models', { json: body });
      expect(refused.status, message).toBe(400);
      expect(refused.body.error.message).toBe(message);
    }
    expect((await gw.api('POST', '/v1/models/abc/activate')).body.error.message).toBe('params.id: must be a model id');
    expect((await gw.api('POST', `/v1/models/${active.id}/activate`, { json: { force: 1 } })).body.error.message).toBe('force: must be true or false');
  });

  it('answers an unknown batch with 404', async () => {
    const response = await gw.api('GET', `/v1/batches/${randomUUID()}`);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('batch_not_found');
  });
});

describe('health, readiness, metrics', () => {
  it('is healthy and ready when everything answers', async () => {
    expect((await gw.api('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok', service: 'gateway' });
    const ready = await gw.api('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks).sort()).toEqual(['postgres', 'redis', 'search', 'storage']);
  });

  it('says which dependency is missing when search is down', async () => {
    const lonely = await startGateway({ SEARCH_URL: 'http://127.0.0.1:9', SEARCH_TIMEOUT_MS: '500' }, { worker: false });
    try {
      const ready = await lonely.api('GET', '/readyz', { key: null });
      expect(ready.status).toBe(503);
      expect(ready.body.checks.search.ok).toBe(false);
      expect(ready.body.checks.postgres.ok).toBe(true);
      const search = await lonely.api('GET', '/v1/search?q=red');
      expect(search.status).toBe(503);
      expect(search.body.error.code).toBe('search_unavailable');
    } finally {
      await lonely.stop();
    }
  });

  it('exposes HTTP, queue and ingest metrics', async () => {
    const text = (await gw.api('GET', '/metrics', { key: null })).body as string;
    expect(text).toMatch(/sis_http_request_seconds_count\{method="POST",route="\/v1\/uploads\/:id\/complete",status="202"\} \d+/);
    expect(text).toMatch(/sis_queue_jobs\{state="completed"\} \d+/);
    expect(text).toMatch(/sis_images\{status="ready"\} \d+/);
    expect(text).toMatch(/sis_uploads_completed_total \d+/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await gw.api('GET', '/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'route_not_found', message: 'no route for GET /v1/nothing-here' });
  });
});
