import { z } from 'zod';
import { JOB_NAMES, type JobName } from './names.js';

/**
 * A W3C trace context inside a job: the worker's span for the job continues this trace. Optional,
 * so jobs enqueued before tracing existed, or while it is off, still run.
 */
export const traceCarrierSchema = z.object({
  traceparent: z.string().max(100),
  tracestate: z.string().max(512).optional(),
});

/** Payload of an `embed-image` job. The image row in Postgres holds everything else. */
export const embedImageJobSchema = z.object({
  imageId: z.uuid(),
  /** The request that accepted the upload, carried into the worker's logs. */
  requestId: z.string().max(200).optional(),
  /**
   * The trace the job belongs to. Given to the producer, it names the upload's own trace; the
   * queue replaces it with the span that sent the job.
   */
  trace: traceCarrierSchema.optional(),
});
export type EmbedImageJob = z.infer<typeof embedImageJobSchema>;

/** Payload of a `reembed-image` job: the image (ready already) and the model it still lacks a vector from. */
export const reembedImageJobSchema = z.object({
  imageId: z.uuid(),
  modelId: z.number().int().positive(),
});
export type ReembedImageJob = z.infer<typeof reembedImageJobSchema>;

/** The payload schema of every job name: producers parse before enqueueing, the worker before handling. */
export const JOB_PAYLOADS: Readonly<Record<JobName, z.ZodType>> = {
  [JOB_NAMES.embedImage]: embedImageJobSchema,
  [JOB_NAMES.reembedImage]: reembedImageJobSchema,
};
