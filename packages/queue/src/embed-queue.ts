import { context, extractTrace, failSpan, injectTrace, SpanKind, trace, tracer, type Span } from '@sis/telemetry';
import { Queue, type Job, type JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS } from './defaults.js';
import { JOB_NAMES, QUEUE_NAMES } from './names.js';
import { callRedis } from './unavailable.js';
import { embedImageJobSchema, reembedImageJobSchema, type EmbedImageJob, type ReembedImageJob } from './payloads.js';

/** An embed job as the queue and the worker see it; the worker's result is its outcome. */
export type EmbedJob = Job<EmbedImageJob, unknown, string>;
export type ReembedJob = Job<ReembedImageJob, unknown, string>;

/**
 * The BullMQ priority of re-embedding jobs. Jobs with none (every upload's) always run first:
 * filling in a new model never delays a new image.
 */
export const REEMBED_PRIORITY = 100;
const REEMBED_JOB_PREFIX = 'reembed-';

/** Counts of the embed queue's jobs by state. */
export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed' | 'paused' | 'prioritized', number>;

export interface EmbedQueueOptions {
  /** Redis for the queue; BullMQ wants `maxRetriesPerRequest: null` (createRedisConnection). */
  connection: Redis;
  /** Prefix of the queue's Redis keys (QUEUE_PREFIX); workers must use the same. */
  prefix: string;
}

/**
 * The producer side of the embed queue. The job id is the image id, so enqueueing the same image
 * twice adds one job: completing an upload twice, or a sweeper re-enqueueing, cannot duplicate work.
 */
export class EmbedQueue {
  readonly queue: Queue<EmbedImageJob | ReembedImageJob, unknown, string>;

  constructor(options: EmbedQueueOptions) {
    this.queue = new Queue(QUEUE_NAMES.embed, { connection: options.connection, prefix: options.prefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS } });
  }

  /** Enqueues one image; a no-op when a job for it already exists. */
  async enqueue(payload: EmbedImageJob): Promise<EmbedJob> {
    const [job] = await this.enqueueMany([payload]);
    return job!;
  }

  /**
   * Enqueues many images in one round trip; existing jobs are left alone. Each job is sent in a
   * producer span of its own, whose context the job carries to the worker: a child of the trace
   * the payload names (the upload's), else of the active span, with a link to the active span
   * when the two differ.
   */
  async enqueueMany(payloads: readonly EmbedImageJob[]): Promise<EmbedJob[]> {
    // Every payload checked before any span starts, so a bad one leaves no span unended.
    const sends = payloads.map((payload) => embedImageJobSchema.parse(payload)).map(send);
    try {
      return await callRedis(() => this.queue.addBulk(sends.map(({ data }) => ({ name: JOB_NAMES.embedImage, data, opts: { jobId: data.imageId } }))));
    } catch (error) {
      for (const { span } of sends) failSpan(span, error);
      throw error;
    } finally {
      for (const { span } of sends) span.end();
    }
  }

  /**
   * Enqueues re-embedding of ready images with one model, at {@link REEMBED_PRIORITY}, in one
   * round trip. The job id names model and image, so an image already waiting is not added twice.
   */
  async enqueueReembed(modelId: number, imageIds: readonly string[]): Promise<void> {
    const jobs = imageIds.map((imageId) => reembedImageJobSchema.parse({ imageId, modelId }));
    await callRedis(() =>
      this.queue.addBulk(
        jobs.map((data) => ({
          name: JOB_NAMES.reembedImage,
          data,
          // A failed job is kept an hour, for the dashboard to count, then its image can be enqueued again.
          opts: { jobId: `${REEMBED_JOB_PREFIX}${data.modelId}-${data.imageId}`, priority: REEMBED_PRIORITY, removeOnFail: { age: 3600 } },
        })),
      ),
    );
  }

  async getJob(imageId: string): Promise<EmbedJob | undefined> {
    return callRedis(() => this.queue.getJob(imageId) as Promise<EmbedJob | undefined>);
  }

  async state(imageId: string): Promise<JobState | 'unknown'> {
    return callRedis(() => this.queue.getJobState(imageId));
  }

  /**
   * Removes an image's job unless a worker holds it right now.
   * @returns whether a job existed and was removed.
   */
  async remove(imageId: string): Promise<boolean> {
    // Queue.remove answers 1 for a job that never existed, so look first.
    if (!(await this.getJob(imageId))) return false;
    return (await callRedis(() => this.queue.remove(imageId))) === 1;
  }

  /**
   * Runs a failed job again, with all its attempts: a person asking for a retry means "try
   * properly", not "try once more and give up". A job that Redis no longer holds is enqueued
   * afresh instead.
   * @returns how the job was brought back.
   */
  async retry(imageId: string, requestId?: string): Promise<'retried' | 'enqueued'> {
    const job = await this.getJob(imageId);
    if (job && (await callRedis(() => job.getState())) === 'failed') {
      await callRedis(() => job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true }));
      return 'retried';
    }
    // A completed or orphaned job with this id would make the enqueue below a no-op.
    if (job) await callRedis(() => job.remove());
    await this.enqueue({ imageId, ...(requestId ? { requestId } : {}) });
    return 'enqueued';
  }

  /**
   * Upload jobs not finished (waiting, running or delayed), leaving out re-embedding jobs: what the
   * sweeper compares with the images Postgres calls queued or processing. Reads job ids only.
   */
  async unfinishedUploads(): Promise<number> {
    const client = await this.queue.client;
    const [counts, active, delayed] = await Promise.all([
      this.counts(),
      callRedis(() => client.lrange(this.queue.keys.active!, 0, -1)),
      callRedis(() => client.zrange(this.queue.keys.delayed!, 0, -1)),
    ]);
    const reembedding = [...active, ...delayed].filter((id) => id.startsWith(REEMBED_JOB_PREFIX)).length;
    // Re-embedding jobs never wait in the plain list: they have a priority.
    return counts.waiting + counts.paused + counts.active + counts.delayed - reembedding;
  }

  async counts(): Promise<QueueCounts> {
    const counts = await callRedis(() => this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'paused', 'prioritized'));
    return counts as QueueCounts;
  }

  /**
   * How long ago, in seconds, the oldest job ready to run was first enqueued (0 with none; a job
   * back from a retry's backoff counts from its first enqueue): a backlog that is not moving shows
   * here before it shows in the counts.
   */
  async oldestWaitingSeconds(): Promise<number> {
    const [oldest] = await callRedis(() => this.queue.getJobs(['waiting'], 0, 0, true));
    return oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Starts the producer span of one job, and gives the job that span's context to carry. */
function send(payload: EmbedImageJob): { data: EmbedImageJob; span: Span } {
  const active = trace.getActiveSpan();
  const parent = payload.trace ? extractTrace(payload.trace) : context.active();
  const link = payload.trace && active ? [{ context: active.spanContext() }] : [];
  const span = tracer().startSpan(
    `send ${QUEUE_NAMES.embed}`,
    {
      kind: SpanKind.PRODUCER,
      links: link,
      attributes: { 'messaging.system': 'bullmq', 'messaging.operation.type': 'send', 'messaging.destination.name': QUEUE_NAMES.embed, 'messaging.message.id': payload.imageId },
    },
    parent,
  );
  const carrier = injectTrace(trace.setSpan(parent, span));
  return { data: carrier ? { ...payload, trace: carrier } : payload, span };
}
