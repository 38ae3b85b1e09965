import type { Logger } from '@sis/config';
import { ConflictError } from '@sis/contracts';
import type { ModelRepository } from '@sis/db';
import type { EmbedQueue, LeaderLock } from '@sis/queue';

/** Images one pass looks up per model at most. */
export const REEMBED_PAGE = 500;

export interface ReembedderOptions {
  models: ModelRepository;
  queue: EmbedQueue;
  /** Only the holder enqueues, so several workers do not scan the library side by side. */
  lock: LeaderLock;
  /** How often, in ms, a pass runs. */
  intervalMs: number;
  /** Most re-embedding jobs waiting in Redis at once: the library is fed in, not dumped in. */
  maxBacklog: number;
  logger: Logger;
}

export interface ReembedPass {
  enqueued: number;
  /** Models this pass made active: complete, and asked to be activated once complete. */
  activated: number[];
}

/**
 * Fills in every live model that is not the active one: enqueues `reembed-image` jobs, at a
 * priority below every upload, for ready images that lack its vector, walking the library in id
 * order and keeping Redis's backlog bounded. Postgres is the record of what is left (the model's
 * vector table), so a restart, or a Redis that lost its jobs, just walks again; job ids name model
 * and image, so an image already waiting is not added twice. A model asked to become active once
 * complete is switched to, in one transaction, by the first pass that finds nothing left.
 */
export class Reembedder {
  readonly #options: Readonly<ReembedderOptions>;
  /** Per model, the last image enqueued; a pass continues after it. */
  readonly #cursors = new Map<number, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: ReembedderOptions) {
    this.#options = Object.freeze({ ...options });
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.#tick().finally(() => (this.#running = undefined));
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
    await this.#options.lock.release().catch(() => undefined);
  }

  async #tick(): Promise<void> {
    try {
      if (await this.#options.lock.tryAcquire()) await this.pass();
    } catch (error) {
      this.#options.logger.warn({ err: error }, 're-embedding pass failed; will try again');
    }
  }

  async pass(): Promise<ReembedPass> {
    const { models, queue, maxBacklog, logger } = this.#options;
    const result: ReembedPass = { enqueued: 0, activated: [] };
    for (const model of await models.listLoaded()) {
      if (model.state === 'active') continue;
      const room = maxBacklog - (await queue.counts()).prioritized;
      if (room <= 0) break;
      const after = this.#cursors.get(model.id);
      const ids = await models.imagesWithoutVector(model.id, { ...(after ? { after } : {}), limit: Math.min(room, REEMBED_PAGE) });
      if (ids.length > 0) {
        await queue.enqueueReembed(model.id, ids);
        this.#cursors.set(model.id, ids.at(-1)!);
        result.enqueued += ids.length;
        continue;
      }
      // The end of the library: the next pass starts over, for images that turned ready behind the cursor.
      this.#cursors.delete(model.id);
      if (after === undefined && model.state === 'building' && model.activate_when_complete) {
        try {
          await models.activate(model.id);
          result.activated.push(model.id);
          logger.info({ modelId: model.id, source: model.source }, 'model complete: search now answers from it');
        } catch (error) {
          // An image turned ready between the look and the switch: the next pass embeds it.
          if (!(error instanceof ConflictError)) throw error;
        }
      }
    }
    if (result.enqueued) logger.info(result, 're-embedding');
    return result;
  }
}
