import { z } from 'zod';
import { IdSchema, ImageStatusSchema, TimestampSchema } from './common.js';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children', 'unknown'] as const;

export const JobResponseSchema = z
  .object({
    id: IdSchema.meta({ description: 'The job id is the image id.' }),
    state: z.enum(JOB_STATES),
    imageStatus: ImageStatusSchema,
    attemptsMade: z.number().int(),
    failedReason: z.string().nullable(),
    requestId: z.string().nullable().meta({ description: 'The request that queued it.' }),
    createdAt: TimestampSchema.nullable(),
    processedAt: TimestampSchema.nullable(),
    finishedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Job' });
export type JobResponse = z.infer<typeof JobResponseSchema>;

export const QueueCountsSchema = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
  completed: z.number().int(),
  paused: z.number().int(),
  prioritized: z.number().int(),
});

export const QueuesResponseSchema = z
  .object({
    queues: z.array(z.object({ name: z.string(), counts: QueueCountsSchema })),
    images: z.record(ImageStatusSchema, z.number().int()).meta({ description: 'Images by status, from the database.' }),
  })
  .meta({ id: 'Queues' });
export type QueuesResponse = z.infer<typeof QueuesResponseSchema>;

export const BatchResponseSchema = z
  .object({
    id: IdSchema,
    label: z.string().nullable(),
    total: z.number().int(),
    counts: z.record(ImageStatusSchema, z.number().int()),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Batch' });
export type BatchResponse = z.infer<typeof BatchResponseSchema>;
