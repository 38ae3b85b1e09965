import { z } from 'zod';
import { IdSchema, ImageCountsSchema, ImageStatusSchema, queryInt, TimestampSchema } from './common.js';
import { ImageSummarySchema } from './images.js';

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
    images: ImageCountsSchema.meta({ description: 'Images by status, from the database.' }),
  })
  .meta({ id: 'Queues' });
export type QueuesResponse = z.infer<typeof QueuesResponseSchema>;

export const BatchResponseSchema = z
  .object({
    id: IdSchema,
    label: z.string().nullable(),
    total: z.number().int(),
    counts: ImageCountsSchema,
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Batch' });
export type BatchResponse = z.infer<typeof BatchResponseSchema>;

export const ListBatchesQuerySchema = z.object({ limit: queryInt(1, 100, 20) });
export const ListBatchesResponseSchema = z.object({ items: z.array(BatchResponseSchema) }).meta({ id: 'BatchList' });

export const BulkActionResponseSchema = z
  .object({ count: z.number().int().meta({ description: 'How many images the action reached.' }) })
  .meta({ id: 'BulkActionResult' });

export const WorkerInfoSchema = z
  .object({
    id: z.string(),
    host: z.string(),
    pid: z.number().int(),
    model: z.string(),
    batch: z.number().int(),
    concurrency: z.number().int(),
    startedAt: TimestampSchema,
    jobs: z.record(z.string(), z.number()),
  })
  .meta({ id: 'WorkerInfo' });

export const DashboardResponseSchema = z
  .object({
    queues: QueuesResponseSchema.shape.queues,
    images: QueuesResponseSchema.shape.images,
    throughput: z.array(z.object({ minute: TimestampSchema, ready: z.number().int(), failed: z.number().int() })).meta({ description: 'Images made ready and failed per minute, oldest first.' }),
    workers: z.array(WorkerInfoSchema),
    index: z.object({ vectors: z.number().int(), sizeBytes: z.number().int() }),
    batches: z.array(BatchResponseSchema),
    failed: z.array(ImageSummarySchema).meta({ description: 'The most recently failed images, with their reasons.' }),
  })
  .meta({ id: 'Dashboard' });
export type DashboardResponse = z.infer<typeof DashboardResponseSchema>;
