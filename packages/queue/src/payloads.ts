import { z } from 'zod';
import { JOB_NAMES, type JobName } from './names.js';

/** Payload of an `embed-image` job. The image row in Postgres holds everything else. */
export const embedImageJobSchema = z.object({
  imageId: z.uuid(),
  /** The request that accepted the upload, carried into the worker's logs. */
  requestId: z.string().max(200).optional(),
});
export type EmbedImageJob = z.infer<typeof embedImageJobSchema>;

/** The payload schema of every job name: producers parse before enqueueing, the worker before handling. */
export const JOB_PAYLOADS: Readonly<Record<JobName, z.ZodType>> = {
  [JOB_NAMES.embedImage]: embedImageJobSchema,
};
