import type { AddressInfo } from 'node:net';
import { createLogger } from '@sis/config';
import { ServiceUnavailableError } from '@sis/contracts';
import { inSpan, SpanKind, startTelemetry } from '@sis/telemetry';
import { InMemorySpanExporter } from '@sis/telemetry/testing';
import { Router } from 'express';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, createServiceApp } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const telemetry = await startTelemetry({ service: 'probe', exporter });
const lines: Record<string, any>[] = [];
const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, 'probe', { write: (line: string) => void lines.push(JSON.parse(line)) });

const router = Router();
router.get('/things/:id', async (req, res) => {
  await inSpan('load thing', {}, async () => req.log.info('loading'));
  res.json({ id: req.params.id });
});
router.get('/broken', () => {
  throw new ServiceUnavailableError('database_unavailable', 'the database is not answering');
});
const server = createServiceApp({ service: 'worker', logger, metrics: createMetricsRegistry('probe'), readiness: {}, routes: (app) => app.use(router) }).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

afterAll(async () => {
  server.close();
  await telemetry.shutdown();
});
beforeEach(() => {
  exporter.reset();
  lines.length = 0;
});

/** The spans of requests already answered: a server span ends when its response closes. */
async function spans() {
  await telemetry.flush();
  return exporter.getFinishedSpans();
}

describe('server spans', () => {
  it("continue the caller's trace from traceparent, named by route, with the handler's spans and logs inside", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const response = await fetch(`${base}/things/42`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    expect(response.status).toBe(200);
    await response.text();
    await expect.poll(async () => (await spans()).length).toBe(2);
    const [inner, request] = await spans();
    expect(request).toMatchObject({ name: 'GET /things/:id', kind: SpanKind.SERVER });
    expect(request!.attributes).toMatchObject({ 'http.route': '/things/:id', 'http.response.status_code': 200, 'url.path': '/things/42', 'sis.request_id': response.headers.get('x-request-id') });
    expect(request!.spanContext().traceId).toBe(traceId);
    expect(request!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(inner!.parentSpanContext?.spanId).toBe(request!.spanContext().spanId);
    expect(lines.find((line) => line.msg === 'loading')).toMatchObject({ trace_id: traceId, span_id: inner!.spanContext().spanId });
    // pino-http's line for the finished request belongs to the request's span.
    expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({ trace_id: traceId, span_id: request!.spanContext().spanId });
  });

  it('start a trace of their own without traceparent, and mark 5xx answers failed', async () => {
    const response = await fetch(`${base}/broken`);
    expect(response.status).toBe(503);
    await response.text();
    await expect.poll(async () => (await spans()).length).toBe(1);
    const [request] = await spans();
    expect(request).toMatchObject({ name: 'GET /broken', parentSpanContext: undefined, status: { code: 2 } });
  });

  it('leave probes and scrapes out, and name unmatched paths by method alone', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/nowhere']) await (await fetch(`${base}${path}`)).text();
    await expect.poll(async () => (await spans()).length).toBe(1);
    const [request] = await spans();
    expect(request).toMatchObject({ name: 'GET', attributes: expect.objectContaining({ 'http.response.status_code': 404, 'url.path': '/nowhere' }) });
  });

  it("start their own trace, whatever traceparent says, in a public service that does not continue callers' traces", async () => {
    const publicApp = createServiceApp({ service: 'gateway', logger, metrics: createMetricsRegistry('public'), readiness: {}, continueCallerTraces: false, routes: (app) => app.use(router) }).listen(0, '127.0.0.1');
    await new Promise((resolve) => publicApp.once('listening', resolve));
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      // sampled=00: a client asking for its requests not to be traced.
      const response = await fetch(`http://127.0.0.1:${(publicApp.address() as AddressInfo).port}/things/7`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-00` } });
      await response.text();
      await expect.poll(async () => (await spans()).length).toBe(2);
      const request = (await spans()).find((span) => span.name === 'GET /things/:id')!;
      expect(request.spanContext().traceId).not.toBe(traceId);
      expect(request.parentSpanContext).toBeUndefined();
    } finally {
      publicApp.close();
    }
  });
});
