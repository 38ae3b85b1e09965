import { randomUUID } from 'node:crypto';
import { inSpan, SpanKind, startTelemetry, trace } from '@sis/telemetry';
import { InMemorySpanExporter } from '@sis/telemetry/testing';
import { Worker, type Job } from 'bullmq';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedisConnection, EmbedQueue, JOB_NAMES, jobProcessor, QUEUE_NAMES } from '../src/index.js';

const exporter = new InMemorySpanExporter();
const telemetry = await startTelemetry({ service: 'probe', exporter });
const redisUrl = inject('stackEnv').REDIS_URL!;
const connection = createRedisConnection(redisUrl);
const prefix = `trace-${randomUUID().slice(0, 8)}`;
const queue = new EmbedQueue({ connection, prefix });

/** What the handler saw of each job: the span active while it ran. */
const seen = new Map<string, { traceId: string; spanId: string }>();
const worker = new Worker(
  QUEUE_NAMES.embed,
  jobProcessor({
    handlers: [
      {
        jobName: JOB_NAMES.embedImage,
        handle: async (job: Job) => {
          seen.set(job.data.imageId as string, trace.getActiveSpan()!.spanContext());
          return 'done';
        },
      },
      { jobName: JOB_NAMES.reembedImage, handle: async () => 'unused' },
    ],
  }),
  { connection: createRedisConnection(redisUrl), prefix },
);

afterAll(async () => {
  await worker.close();
  await queue.close();
  connection.disconnect();
  await telemetry.shutdown();
});

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
const consumerOf = async (imageId: string) => {
  await expect.poll(() => spansNamed('process sis-embed').some((span) => span.attributes['messaging.message.id'] === imageId), { timeout: 10_000 }).toBe(true);
  return spansNamed('process sis-embed').find((span) => span.attributes['messaging.message.id'] === imageId)!;
};
const producerOf = (imageId: string) => spansNamed('send sis-embed').find((span) => span.attributes['messaging.message.id'] === imageId)!;

describe('trace context through a job', () => {
  it('travels in the job data from the producer span to the consumer span, where the handler runs', async () => {
    const imageId = randomUUID();
    const request = await inSpan('request', {}, async (span) => {
      await queue.enqueue({ imageId });
      return span.spanContext();
    });
    const consumer = await consumerOf(imageId);
    const producer = producerOf(imageId);
    expect(producer).toMatchObject({ kind: SpanKind.PRODUCER, parentSpanContext: expect.objectContaining({ spanId: request.spanId }) });
    // The job carries the producer span, in W3C form.
    expect((await queue.getJob(imageId))!.data.trace).toEqual({ traceparent: `00-${request.traceId}-${producer.spanContext().spanId}-01` });
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(request.traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.attributes).toMatchObject({ 'messaging.system': 'bullmq', 'sis.job.name': 'embed-image', 'sis.job.attempt': 1 });
    expect(seen.get(imageId)).toEqual({ traceId: request.traceId, spanId: consumer.spanContext().spanId, traceFlags: 1 });
  });

  it("follows the trace a payload names (the upload's), linked to the span that enqueued it", async () => {
    const imageId = randomUUID();
    const upload = await inSpan('presign', {}, async (span) => span.spanContext());
    const completion = await inSpan('complete', {}, async (span) => {
      await queue.enqueueMany([{ imageId, trace: { traceparent: `00-${upload.traceId}-${upload.spanId}-01` } }]);
      return span.spanContext();
    });
    const consumer = await consumerOf(imageId);
    const producer = producerOf(imageId);
    expect(producer.spanContext().traceId).toBe(upload.traceId);
    expect(producer.parentSpanContext?.spanId).toBe(upload.spanId);
    expect(producer.links.map((link) => link.context.spanId)).toEqual([completion.spanId]);
    expect(consumer.spanContext().traceId).toBe(upload.traceId);
  });

  it('runs a job that carries no trace (queued before tracing, or with it off) in a trace of its own', async () => {
    const imageId = randomUUID();
    // Written as an older release wrote jobs: no trace field.
    await queue.queue.add(JOB_NAMES.embedImage, { imageId }, { jobId: imageId });
    const consumer = await consumerOf(imageId);
    expect(consumer.parentSpanContext).toBeUndefined();
    expect(seen.get(imageId)?.spanId).toBe(consumer.spanContext().spanId);
  });

  it('refuses a payload whose carrier is not a trace context', async () => {
    await expect(queue.enqueue({ imageId: randomUUID(), trace: { traceparent: 42 } as never })).rejects.toThrow(/traceparent/);
  });
});
