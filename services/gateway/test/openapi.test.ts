import { randomUUID } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';

let gw: Gateway;
let document: any;
beforeAll(async () => {
  gw = await startGateway({}, { worker: false });
  document = (await gw.api('GET', '/openapi.json', { key: null })).body;
});
afterAll(() => gw?.stop());

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every route, each with its error responses and security', () => {
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item as object).map(([method, op]) => ({ path, method, op: op as any })));
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual(
      [
        'DELETE /images/{name}', 'DELETE /v1/images/{id}', 'DELETE /v1/keys/{id}',
        'GET /healthz', 'GET /images/', 'GET /images/{name}', 'GET /metrics', 'GET /readyz',
        'GET /v1/batches', 'GET /v1/batches/{id}', 'GET /v1/dashboard', 'GET /v1/images', 'GET /v1/images/{id}', 'GET /v1/images/{id}/duplicates', 'GET /v1/images/{id}/similar', 'GET /v1/jobs/{id}',
        'GET /v1/keys', 'GET /v1/models', 'GET /v1/queues', 'GET /v1/search',
        'POST /images/', 'POST /v1/batches/{id}/complete', 'POST /v1/images', 'POST /v1/jobs/discard-failed', 'POST /v1/jobs/retry-failed',
        'POST /v1/jobs/{id}/discard', 'POST /v1/jobs/{id}/retry', 'POST /v1/keys', 'POST /v1/models', 'POST /v1/models/{id}/activate', 'POST /v1/models/{id}/retire',
        'POST /v1/search', 'POST /v1/uploads', 'POST /v1/uploads/batch', 'POST /v1/uploads/{id}/complete',
      ].sort(),
    );
    for (const { path, method, op } of operations) {
      expect(op.responses['429'], `${method} ${path}`).toBeDefined();
      if (path.startsWith('/v1/')) {
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(op.responses['401'], `${method} ${path}`).toBeDefined();
      }
    }
    expect(document.components.schemas.Error).toBeDefined();
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents both answers of a complete: 202 when it queued the image, 200 when that was done before', () => {
    const { responses } = document.paths['/v1/uploads/{id}/complete'].post;
    expect(responses['202'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CompletedUpload' });
    expect(responses['200'].content).toEqual(responses['202'].content);
  });

  it('documents what reading a body can answer on every route that reads one', () => {
    const withBody = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item as object).filter(([, op]) => op.requestBody).map(([method, op]) => ({ path, method, op })));
    expect(withBody.length).toBeGreaterThanOrEqual(6);
    for (const { path, method, op } of withBody) expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '413', '415']));
  });

  it('parses a JSON body only on routes that read one, and only after their guard', async () => {
    // A route that reads no body is not refused for sending one.
    expect((await gw.api('POST', '/v1/jobs/retry-failed', { raw: '{' })).status).toBe(202);
    expect(await gw.api('DELETE', '/images/no-such-name', { raw: '{' })).toMatchObject({ status: 404, body: { detail: 'File not found' } });
    // No body is read for a caller who may not call the route.
    expect((await gw.api('POST', '/v1/keys', { key: null, raw: '{' })).status).toBe(401);
    expect((await gw.api('POST', '/v1/keys', { raw: '{' })).body.error.code).toBe('invalid_json');
  });

  it('names only routes the gateway really serves', async () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item as object)) {
        const concrete = path.replace('{id}', randomUUID()).replace('{name}', 'no-such-name');
        const response = await gw.api(method.toUpperCase(), concrete, { key: null });
        expect(response.body?.error?.code, `${method} ${path}`).not.toBe('route_not_found');
      }
    }
  });
});

describe('/docs', () => {
  it('serves Swagger UI from the gateway itself, with no CDN', async () => {
    const page = await fetch(`${gw.base}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    const script = await fetch(`${gw.base}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    expect((await fetch(`${gw.base}/docs/swagger-ui-init.js`)).status).toBe(200);
  });
});
