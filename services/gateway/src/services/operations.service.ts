import { ConflictError, NotFoundError, type BatchResponse, type JobResponse, type QueuesResponse } from '@sis/contracts';
import type { ImageRepository, IngestBatchRepository } from '@sis/db';
import { QUEUE_NAMES, type EmbedQueue } from '@sis/queue';

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/** What operators see and do: jobs, queue depth, batches, retries. */
export class OperationsService {
  readonly #props: Readonly<{ images: ImageRepository; batches: IngestBatchRepository; queue: EmbedQueue }>;

  constructor(props: { images: ImageRepository; batches: IngestBatchRepository; queue: EmbedQueue }) {
    this.#props = Object.freeze({ ...props });
  }

  async job(id: string): Promise<JobResponse> {
    const image = await this.#props.images.findById(id);
    if (!image) throw new NotFoundError('job_not_found', `no image or job with id ${id}`);
    const job = await this.#props.queue.getJob(id);
    return {
      id,
      state: job ? await job.getState() : 'unknown',
      imageStatus: image.status,
      attemptsMade: job?.attemptsMade ?? 0,
      failedReason: job?.failedReason || image.error,
      requestId: job?.data.requestId ?? null,
      createdAt: iso(job?.timestamp),
      processedAt: iso(job?.processedOn),
      finishedAt: iso(job?.finishedOn),
    };
  }

  async queues(): Promise<QueuesResponse> {
    const [counts, images] = await Promise.all([this.#props.queue.counts(), this.#props.images.countByStatus()]);
    return { queues: [{ name: QUEUE_NAMES.embed, counts }], images };
  }

  async batch(id: string): Promise<BatchResponse> {
    const batch = await this.#props.batches.findById(id);
    if (!batch) throw new NotFoundError('batch_not_found', `no batch with id ${id}`);
    return {
      id: batch.id,
      label: batch.label,
      total: batch.total,
      counts: { pending_upload: batch.pending_upload, queued: batch.queued, processing: batch.processing, ready: batch.ready, failed: batch.failed },
      createdAt: batch.created_at.toISOString(),
      updatedAt: batch.updated_at.toISOString(),
    };
  }

  /** Runs a failed image's job again; only failed images can be retried. */
  async retry(id: string, requestId: string): Promise<JobResponse> {
    const image = await this.#props.images.findById(id);
    if (!image) throw new NotFoundError('job_not_found', `no image or job with id ${id}`);
    if (image.status !== 'failed') throw new ConflictError('not_failed', `image ${id} is ${image.status}; only failed images can be retried`);
    await this.#props.images.transition(id, ['failed'], 'queued', { error: null });
    await this.#props.queue.retry(id, requestId);
    return this.job(id);
  }
}
