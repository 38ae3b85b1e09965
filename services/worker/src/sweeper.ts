import type { Logger } from '@sis/config';
import type { ImageRepository, ImageStatsRepository } from '@sis/db';
import type { EmbedQueue, LeaderLock } from '@sis/queue';
import { STAGING_PREFIX, stagingKey, type ObjectStorage } from '@sis/storage';
import { LeaderLoop } from './leader-loop.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Rows one sweep looks at, per kind of work; the next sweep takes the rest. */
export const SWEEP_PAGE = 1000;

export interface SweeperOptions {
  images: ImageRepository;
  stats: ImageStatsRepository;
  storage: ObjectStorage;
  queue: EmbedQueue;
  /** Only the holder sweeps, so several workers do not double the work. */
  lock: LeaderLock;
  /** How often, in ms, a sweep runs (SWEEP_INTERVAL_MS). */
  intervalMs: number;
  /** How long an image may sit queued or processing before its job is checked, in ms. */
  graceMs: number;
  /** Age, in seconds, after which an upload never completed is deleted. */
  pendingExpirySeconds: number;
  logger: Logger;
}

export interface SweepResult {
  requeued: number;
  failed: number;
  expired: number;
  /** Staged uploads deleted because no pending image waits for them. */
  orphans: number;
}

/**
 * Keeps Postgres and Redis telling the same story. Postgres is the record: an image it calls
 * queued or processing must have a job in Redis, and if Redis lost it (a flush, a restore, a
 * failover without persistence) the sweeper enqueues it again. Uploads that were presigned but
 * never completed are deleted, object and row, once their URL has long expired.
 */
export class Sweeper {
  readonly #options: Readonly<SweeperOptions>;
  readonly #loop: LeaderLoop;

  constructor(options: SweeperOptions) {
    this.#options = Object.freeze({ ...options });
    this.#loop = new LeaderLoop({ lock: options.lock, intervalMs: options.intervalMs, work: () => this.sweep(), logger: options.logger, name: 'sweep' });
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One pass over both kinds of work. */
  async sweep(): Promise<SweepResult> {
    const { images, storage, pendingExpirySeconds, logger } = this.#options;
    const result: SweepResult = { requeued: 0, failed: 0, expired: 0, orphans: 0 };
    if (await this.#redisMayHaveLostJobs()) await this.#recoverJobs(result);

    // Never expire uploads while storage is away: the row would go and the object stay behind.
    const storageUp = await storage.ping().then(() => true, () => false);
    const expired = storageUp ? await images.listStale({ statuses: ['pending_upload'], before: new Date(Date.now() - pendingExpirySeconds * 1000), limit: SWEEP_PAGE }) : [];
    for (const image of expired) {
      // Delete the row first: if the client completes at this very moment, one of the two wins.
      if (await images.delete(image.id, ['pending_upload'])) {
        await Promise.all([storage.delete(image.object_key), storage.delete(stagingKey(image.id, image.content_type))]);
        result.expired++;
      }
    }
    if (storageUp) result.orphans = await this.#deleteOrphanStaging();
    if (result.requeued || result.failed || result.expired || result.orphans) logger.info(result, 'sweep');
    return result;
  }

  /**
   * A presigned URL stays valid after its upload completed, or its image was deleted: a PUT then
   * lands in the staging area with nothing waiting for it. Once such URLs have expired, staged
   * objects with no pending image behind them are deleted.
   */
  async #deleteOrphanStaging(): Promise<number> {
    const { images, storage, pendingExpirySeconds } = this.#options;
    const keys = await storage.listOlderThan(STAGING_PREFIX, new Date(Date.now() - pendingExpirySeconds * 1000), SWEEP_PAGE);
    const ids = keys.map((key) => key.slice(STAGING_PREFIX.length).replace(/\.[^.]*$/, ''));
    const waiting = new Set((await images.findByIds(ids.filter((id) => UUID.test(id)))).filter((image) => image.status === 'pending_upload').map((image) => image.id));
    const orphans = keys.filter((_key, i) => !waiting.has(ids[i]!));
    await Promise.all(orphans.map((key) => storage.delete(key)));
    return orphans.length;
  }

  /**
   * Cheap test before the costly scan: when Redis holds at least as many unfinished jobs as
   * Postgres has unfinished images, nothing can be missing (job ids are image ids).
   */
  async #redisMayHaveLostJobs(): Promise<boolean> {
    const [images, uploads] = await Promise.all([this.#options.stats.countByStatus(), this.#options.queue.unfinishedUploads()]);
    return images.queued + images.processing > uploads;
  }

  /** Walks every stale queued or processing image and puts back the jobs Redis no longer has. */
  async #recoverJobs(result: SweepResult): Promise<void> {
    const { images, queue, graceMs } = this.#options;
    const before = new Date(Date.now() - graceMs);
    let after: { updatedAt: Date; id: string } | undefined;
    for (;;) {
      const page = await images.listStale({ statuses: ['queued', 'processing'], before, limit: SWEEP_PAGE, after });
      if (page.length === 0) return;
      for (const image of page) {
        const job = await queue.getJob(image.id);
        const state = job ? await job.getState() : 'unknown';
        if (state === 'failed') {
          // The worker failed the job but died before recording why.
          await images.markFailed(image.id, job?.failedReason || 'failed without a recorded reason');
          result.failed++;
        } else if (state === 'unknown' || state === 'completed') {
          if (job) await job.remove();
          // Touching updated_at also moves the image past this sweep's window.
          await images.transition(image.id, ['queued', 'processing'], 'queued');
          // In the upload's trace, as its first enqueue was.
          await queue.enqueue({ imageId: image.id, ...(image.traceparent ? { trace: { traceparent: image.traceparent } } : {}) });
          result.requeued++;
        }
      }
      const last = page[page.length - 1]!;
      after = { updatedAt: last.updated_at, id: last.id };
    }
  }
}
