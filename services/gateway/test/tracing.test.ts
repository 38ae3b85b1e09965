import { colourImage } from '@sis/image/testing';
import { startTelemetry, type Telemetry } from '@sis/telemetry';
import { OtlpReceiver, type ReceivedSpan } from '@sis/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './harness.js';

/**
 * The real export path end to end: the gateway (in this process) and the search service and
 * worker (processes of their own) each send OTLP/HTTP to a collector in this test, which is all
 * the test reads. Everything is stopped before the assertions, so every span has been exported.
 */
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

let receiver: OtlpReceiver;
let telemetry: Telemetry | undefined;
let gw: Gateway | undefined;
let imageId: string;
let workerLog: string;
let searchRequestId: string;
let spans: readonly ReceivedSpan[];

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  telemetry = await startTelemetry({ service: 'gateway', endpoint: receiver.url });
  gw = await startGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info' });
  imageId = await gw.upload(await colourImage('red'), 'image/jpeg', 'red.jpg');
  expect((await gw.settled(imageId)).status).toBe('ready');
  const search = await gw.api('GET', '/v1/search?q=a%20red%20picture&limit=2');
  expect(search.status).toBe(200);
  searchRequestId = search.headers.get('x-request-id')!;
  // Stopping flushes: the processes export what is left on SIGTERM, this process on shutdown.
  const stopped = gw;
  gw = undefined;
  await stopped.stop();
  workerLog = await stopped.serviceLog('worker');
  await telemetry.shutdown();
  telemetry = undefined;
  spans = receiver.spans();
});
afterAll(async () => {
  await gw?.stop();
  await telemetry?.shutdown();
  await receiver?.close();
});

const inTrace = (traceId: string) => spans.filter((s) => s.traceId === traceId);
const one = (list: readonly ReceivedSpan[], where: (s: ReceivedSpan) => boolean, what: string): ReceivedSpan => {
  const found = list.filter(where);
  expect(found, what).toHaveLength(1);
  return found[0]!;
};
/** Each span's parent is in the trace too, and exactly one span (the root) has none. */
function expectWhole(trace: readonly ReceivedSpan[], root: ReceivedSpan): void {
  const ids = new Set(trace.map((s) => s.spanId));
  expect(trace.filter((s) => s.parentSpanId === '')).toEqual([root]);
  expect(trace.filter((s) => s.parentSpanId !== '' && !ids.has(s.parentSpanId)).map((s) => `${s.service} ${s.name}`)).toEqual([]);
}

describe('one upload', () => {
  it('is one trace from presign to vector, with spans of the gateway and the worker', () => {
    const presign = one(spans, (s) => s.service === 'gateway' && s.name === 'POST /v1/uploads' && s.kind === SERVER, 'the presign request');
    const trace = inTrace(presign.traceId);
    expectWhole(trace, presign);
    const byName = (service: string, name: string) => trace.filter((s) => s.service === service && s.name === name);

    const send = one(trace, (s) => s.kind === PRODUCER && s.attributes['messaging.message.id'] === imageId, 'the enqueue');
    expect(send.service).toBe('gateway');
    const job = one(trace, (s) => s.kind === CONSUMER, 'the job');
    expect(job).toMatchObject({ service: 'worker', parentSpanId: send.spanId, name: 'process sis-embed' });
    expect(job.attributes).toMatchObject({ 'messaging.message.id': imageId, 'sis.job.attempt': 1 });
    for (const stage of ['fetch', 'inspect', 'decode', 'infer', 'write']) expect(byName('worker', `embed ${stage}`).length, stage).toBeGreaterThan(0);
    // The vector's write, and the image's row when the presign made it.
    expect(byName('worker', 'UPDATE images').length).toBeGreaterThan(0);
    expect(byName('gateway', 'INSERT images')).toHaveLength(1);

    // Completing is a request of its own: linked from the enqueue, which follows the presign's trace.
    const complete = one(spans, (s) => s.name === 'POST /v1/uploads/:id/complete', 'the completion request');
    expect(send.links).toEqual([{ traceId: complete.traceId, spanId: complete.spanId }]);
  });

  it("links the model call, which serves several uploads at once, to the image's infer span", () => {
    const presign = one(spans, (s) => s.name === 'POST /v1/uploads', 'the presign request');
    const infer = one(inTrace(presign.traceId), (s) => s.name === 'embed infer', 'the infer stage');
    const batch = one(spans, (s) => s.name === 'clip embed batch', 'the model call');
    expect(batch).toMatchObject({ service: 'worker', parentSpanId: '' });
    expect(batch.links).toContainEqual({ traceId: infer.traceId, spanId: infer.spanId });
    expect(infer.links).toContainEqual({ traceId: batch.traceId, spanId: batch.spanId });
  });

  it("gives the worker's log lines for the job that trace's id", () => {
    const presign = one(spans, (s) => s.name === 'POST /v1/uploads', 'the presign request');
    const embedded = workerLog
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'embedded' && line.imageId === imageId);
    expect(embedded).toMatchObject({ trace_id: presign.traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });
});

describe('one search', () => {
  it('is one trace across the gateway and the search service, parent to child', () => {
    const request = one(spans, (s) => s.service === 'gateway' && s.kind === SERVER && s.attributes['sis.request_id'] === searchRequestId, 'the search request');
    expect(request).toMatchObject({ name: 'GET /v1/search', parentSpanId: '' });
    const trace = inTrace(request.traceId);
    expectWhole(trace, request);
    const call = one(trace, (s) => s.kind === CLIENT && s.name === 'POST /search', 'the call to the search service');
    expect(call).toMatchObject({ service: 'gateway', parentSpanId: request.spanId });
    const served = one(trace, (s) => s.service === 'search' && s.kind === SERVER, 'the search service request');
    // The gateway's request id travels too, so both services' logs name the same request.
    expect(served).toMatchObject({ name: 'POST /search', parentSpanId: call.spanId, attributes: expect.objectContaining({ 'sis.request_id': searchRequestId }) });
    const encode = one(trace, (s) => s.name === 'encode query', 'the query encoding');
    expect(encode).toMatchObject({ service: 'search', parentSpanId: served.spanId });
    // The kNN query, in the search service's database spans.
    expect(trace.some((s) => s.service === 'search' && s.attributes['db.system.name'] === 'postgresql' && String(s.attributes['db.query.text']).includes('<=>'))).toBe(true);
  });
});
