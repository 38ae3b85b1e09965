import { inSpan, startTelemetry } from '@sis/telemetry';
import { InMemorySpanExporter } from '@sis/telemetry/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbedBatcher } from '../src/embed-batcher.js';

const exporter = new InMemorySpanExporter();
const telemetry = await startTelemetry({ service: 'worker', exporter });
afterAll(() => telemetry.shutdown());

describe('the span of a model call', () => {
  it("starts a trace of its own, linked both ways to the span of every image's job in the batch", async () => {
    const batcher = new EmbedBatcher({ embed: async (batch) => batch.map((pixels) => pixels.map((v) => v * 2)), maxBatch: 2, maxWaitMs: 60_000 });
    // Two uploads, two traces, one model call.
    await Promise.all(['job a', 'job b'].map((name) => inSpan(name, {}, () => batcher.embed(Float32Array.of(1)))));
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((s) => s.name === 'clip embed batch')!;
    const jobs = spans.filter((s) => s.name.startsWith('job '));
    expect(jobs).toHaveLength(2);
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.attributes['sis.batch.size']).toBe(2);
    for (const job of jobs) expect(batch.spanContext().traceId).not.toBe(job.spanContext().traceId);
    expect(batch.links.map((l) => l.context.spanId).sort()).toEqual(jobs.map((j) => j.spanContext().spanId).sort());
    for (const job of jobs) expect(job.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
  });
});
