import pLimit from 'p-limit';
import { ConflictError, NotFoundError, type BatchResponse, type DashboardResponse, type JobResponse, type QueuesResponse } from '@sis/contracts';
import type { ImageRepository, IngestBatchRecord, IngestBatchRepository } from '@sis/db';
import { QUEUE_NAMES, type EmbedQueue, type WorkerRegistry } from '@sis/queue';
import type { ImageService } from './image.service.js';
import type { ImageStats } from './image-stats.js';

/** Failed images one bulk retry or discard reaches; run it again for more. */
export const BULK_LIMIT = 1000;
/** Images a bulk retry or discard works on at once (database, Redis and storage calls each). */
const BULK_CONCURRENCY = 16;
/** Minutes of throughput the dashboard charts. */
export const THROUGHPUT_MINUTES = 30;

export interface OperationsServiceOptions {
  images: ImageRepository;
  stats: ImageStats;
  batches: IngestBatchRepository;
  queue: EmbedQueue;
  workers: WorkerRegistry;
  imageService: ImageService;
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);

/** What operators see and do: jobs, queue depth, batches, retries. */
export class OperationsService {
  readonly #options: Readonly<OperationsServiceOptions>;

  constructor(options: OperationsServiceOptions) {
    this.#options = Object.freeze({ ...options });
  }

  async job(id: string): Promise<JobResponse> {
    const image = await this.#options.images.findById(id);
    if (!image) throw new NotFoundError('job_not_found', `no image or job with id ${id}`);
    // The state first: the job read after it is at least as new, so a completed job never shows
    // the attempt count it had while still running.
    const state = await this.#options.queue.state(id);
    const job = await this.#options.queue.getJob(id);
    return {
      id,
      state: job ? state : 'unknown',
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
    const [counts, images] = await Promise.all([this.#options.queue.counts(), this.#options.stats.countByStatus()]);
    return { queues: [{ name: QUEUE_NAMES.embed, counts }], images };
  }

  async batch(id: string): Promise<BatchResponse> {
    const batch = await this.#options.batches.findById(id);
    if (!batch) throw new NotFoundError('batch_not_found', `no batch with id ${id}`);
    return toBatch(batch);
  }

  async recentBatches(limit: number): Promise<BatchResponse[]> {
    return (await this.#options.batches.listRecent(limit)).map(toBatch);
  }

  /** Everything the ops dashboard shows, in one call it can poll. */
  async dashboard(): Promise<DashboardResponse> {
    const { images, stats, queue, workers, imageService } = this.#options;
    const [counts, statuses, throughput, workerList, index, batches, failed] = await Promise.all([
      queue.counts(),
      stats.countByStatus(),
      stats.throughput(THROUGHPUT_MINUTES),
      workers.list(),
      stats.vectorIndexStats(),
      this.recentBatches(10),
      images.list({ status: 'failed', limit: 20 }),
    ]);
    return {
      queues: [{ name: QUEUE_NAMES.embed, counts }],
      images: statuses,
      throughput: throughput.map((t) => ({ minute: t.minute.toISOString(), ready: t.ready, failed: t.failed })),
      workers: workerList,
      index: { vectors: index.vectors, sizeBytes: index.indexBytes },
      batches,
      failed: await Promise.all(failed.map((row) => imageService.summary(row))),
    };
  }

  /** Deletes a failed image: its row, file and job. Only failed images can be discarded. */
  async discard(id: string): Promise<void> {
    const image = await this.#options.images.findById(id);
    if (!image) throw new NotFoundError('job_not_found', `no image or job with id ${id}`);
    if (image.status !== 'failed') throw new ConflictError('not_failed', `image ${id} is ${image.status}; only failed images can be discarded`);
    // Deleted only if still failed: a retry may have queued it since.
    const discarded = await this.#options.imageService.deleteIf(id, ['failed']);
    if (!discarded) throw new ConflictError('not_failed', `image ${id} is no longer failed; only failed images can be discarded`);
  }

  /** @returns how many failed images this call queued again. */
  async retryAllFailed(requestId: string): Promise<number> {
    const failed = await this.#options.images.list({ status: 'failed', limit: BULK_LIMIT });
    const limit = pLimit(BULK_CONCURRENCY);
    const retried = await Promise.all(failed.map((image) => limit(() => this.retry(image.id, requestId).then(() => true, changedMeanwhile))));
    return retried.filter(Boolean).length;
  }

  /** @returns how many failed images this call deleted. */
  async discardAllFailed(): Promise<number> {
    const failed = await this.#options.images.list({ status: 'failed', limit: BULK_LIMIT });
    const limit = pLimit(BULK_CONCURRENCY);
    const discarded = await Promise.all(failed.map((image) => limit(() => this.discard(image.id).then(() => true, changedMeanwhile))));
    return discarded.filter(Boolean).length;
  }

  /** Runs a failed image's job again; only failed images can be retried. */
  async retry(id: string, requestId: string): Promise<JobResponse> {
    const image = await this.#options.images.findById(id);
    if (!image) throw new NotFoundError('job_not_found', `no image or job with id ${id}`);
    if (image.status !== 'failed') throw new ConflictError('not_failed', `image ${id} is ${image.status}; only failed images can be retried`);
    // A failed image's hash is that of the bytes it last held; the retry is for whatever is there now.
    // Of requests retrying one image at once, only the one that moves it out of failed queues it.
    const claimed = await this.#options.images.transition(id, ['failed'], 'queued', { error: null, sha256: null });
    if (!claimed) throw new ConflictError('not_failed', `image ${id} is no longer failed; only failed images can be retried`);
    await this.#options.queue.retry(id, requestId);
    return this.job(id);
  }
}

/**
 * For bulk actions: an image retried, discarded or deleted by another request since it was
 * listed is skipped (false), not an error of this call.
 */
function changedMeanwhile(error: unknown): false {
  if (error instanceof NotFoundError || error instanceof ConflictError) return false;
  throw error;
}

function toBatch(batch: IngestBatchRecord): BatchResponse {
  return {
    id: batch.id,
    label: batch.label,
    total: batch.total,
    counts: { pending_upload: batch.pending_upload, queued: batch.queued, processing: batch.processing, ready: batch.ready, failed: batch.failed },
    createdAt: batch.created_at.toISOString(),
    updatedAt: batch.updated_at.toISOString(),
  };
}
