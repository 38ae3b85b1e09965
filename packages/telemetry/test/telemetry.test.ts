import { afterEach, describe, expect, it } from 'vitest';
import { extractTrace, inSpan, injectTrace, SpanKind, startTelemetry, traceFields, traceHeaders, type Telemetry } from '../src/index.js';
import { InMemorySpanExporter, OtlpReceiver } from '../src/testing.js';

let running: Telemetry | undefined;
afterEach(async () => {
  await running?.shutdown();
  running = undefined;
});

describe('telemetry off', () => {
  it('records nothing and carries nothing without an endpoint', async () => {
    running = await startTelemetry({ service: 'probe' });
    expect(running.enabled).toBe(false);
    await inSpan('work', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(injectTrace()).toBeUndefined();
      expect(traceHeaders()).toEqual({});
      expect(traceFields()).toEqual({});
    });
  });
});

describe('telemetry with an in-memory exporter', () => {
  async function start(): Promise<InMemorySpanExporter> {
    const exporter = new InMemorySpanExporter();
    running = await startTelemetry({ service: 'probe', exporter });
    return exporter;
  }

  it('nests spans made inside another, and names the service', async () => {
    const exporter = await start();
    await inSpan('outer', {}, () => inSpan('inner', { kind: SpanKind.CLIENT }, async () => undefined));
    const [inner, outer] = exporter.getFinishedSpans();
    expect(inner!.name).toBe('inner');
    expect(inner!.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(inner!.spanContext().traceId).toBe(outer!.spanContext().traceId);
    expect(inner!.kind).toBe(SpanKind.CLIENT);
    expect(outer!.resource.attributes).toMatchObject({ 'service.name': 'probe', 'service.namespace': 'sis' });
  });

  it('records a thrown error on the span and throws it on', async () => {
    const exporter = await start();
    await expect(inSpan('broken', {}, async () => Promise.reject(new Error('disk on fire')))).rejects.toThrow('disk on fire');
    const [span] = exporter.getFinishedSpans();
    expect(span!.status).toMatchObject({ code: 2, message: 'disk on fire' });
    expect(span!.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('carries a span across a carrier: the far side continues the same trace', async () => {
    const exporter = await start();
    const carrier = await inSpan('producer', { kind: SpanKind.PRODUCER }, async () => injectTrace());
    expect(carrier?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // As a job's data would hold it: plain JSON, read back in another process.
    const parent = extractTrace(JSON.parse(JSON.stringify(carrier)));
    await inSpan('consumer', { kind: SpanKind.CONSUMER, parent }, async () => undefined);
    const [producer, consumer] = exporter.getFinishedSpans();
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
  });

  it('starts a trace of its own when the carrier is missing or malformed', async () => {
    const exporter = await start();
    await inSpan('no carrier', { parent: extractTrace(undefined) }, async () => undefined);
    await inSpan('bad carrier', { parent: extractTrace({ traceparent: 'not-a-traceparent' }) }, async () => undefined);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.parentSpanContext)).toEqual([undefined, undefined]);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(2);
  });

  it("gives log lines the active span's ids, and none outside a span", async () => {
    const exporter = await start();
    expect(traceFields()).toEqual({});
    const fields = await inSpan('logged', {}, async () => traceFields());
    const [span] = exporter.getFinishedSpans();
    expect(fields).toEqual({ trace_id: span!.spanContext().traceId, span_id: span!.spanContext().spanId });
  });
});

describe('telemetry with an OTLP endpoint', () => {
  it('exports spans as OTLP/HTTP JSON to <endpoint>/v1/traces, all of them by shutdown', async () => {
    const receiver = await OtlpReceiver.start();
    try {
      running = await startTelemetry({ service: 'probe', endpoint: `${receiver.url}/` });
      const traceId = await inSpan('parent', {}, async (parent) => {
        await inSpan('child', { kind: SpanKind.SERVER, attributes: { 'probe.count': 3 } }, async () => undefined);
        return parent.spanContext().traceId;
      });
      await running.shutdown();
      running = undefined;
      const spans = receiver.spans();
      expect(spans.map((s) => [s.service, s.name, s.traceId])).toEqual([
        ['probe', 'child', traceId],
        ['probe', 'parent', traceId],
      ]);
      expect(spans[0]).toMatchObject({ kind: 2, parentSpanId: spans[1]!.spanId, attributes: { 'probe.count': 3 } });
    } finally {
      await receiver.close();
    }
  });
});
