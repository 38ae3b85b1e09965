import type { Logger } from '@sis/config';
import { ConflictError } from '@sis/contracts';
import type { ModelRepository } from '@sis/db';
import type { EmbedQueue, LeaderLock } from '@sis/queue';
import { LeaderLoop } from './leader-loop.js';

/** Images one pass looks up per model at most. */
export const REEMBED_PAGE = 500;
/**
 * How long, in ms, a model found complete is left alone before the library is walked again. New
 * uploads get a vector from every model a worker holds, so gaps are rare (a worker that could not
 * load a model, a forced switch); a walk of a large library is not.
 */
export const RESCAN_MS = 5 * 60_000;

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
 * Fills in every loaded model: enqueues `reembed-image` jobs, at a priority below every upload,
 * for ready images that lack its vector, walking the library in id order and keeping Redis's
 * backlog bounded. A new model is filled in this way; the active one too, when it lacks images (a
 * forced switch, a worker that could not load it). Postgres is the record of what is left (the
 * model's vector table), so a restart, or a Redis that lost its jobs, just walks again; job ids
 * name model and image, so an image already waiting is not added twice. A model asked to become
 * active once complete is switched to, in one transaction, by the first walk that finds nothing left.
 */
export class Reembedder {
  readonly #options: Readonly<ReembedderOptions>;
  /** Per model, the last image enqueued; a pass continues after it. */
  readonly #cursors = new Map<number, string>();
  /** Per model found complete, when to walk it again. */
  readonly #idleUntil = new Map<number, number>();
  readonly #loop: LeaderLoop;

  constructor(options: ReembedderOptions) {
    this.#options = Object.freeze({ ...options });
    this.#loop = new LeaderLoop({ lock: options.lock, intervalMs: options.intervalMs, work: () => this.pass(), logger: options.logger, name: 're-embedding pass' });
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  async pass(): Promise<ReembedPass> {
    const { models, queue, maxBacklog, logger } = this.#options;
    const result: ReembedPass = { enqueued: 0, activated: [] };
    for (const model of await models.listLoaded()) {
      if (Date.now() < (this.#idleUntil.get(model.id) ?? 0)) continue;
      const waiting = (await queue.counts()).prioritized;
      const room = maxBacklog - waiting;
      if (room <= 0) break;
      const after = this.#cursors.get(model.id);
      const ids = await models.imagesWithoutVector(model.id, { ...(after ? { after } : {}), limit: Math.min(room, REEMBED_PAGE) });
      if (ids.length > 0) {
        await queue.enqueueReembed(model.id, ids);
        this.#cursors.set(model.id, ids.at(-1)!);
        result.enqueued += ids.length;
        continue;
      }
      if (after !== undefined) {
        // The end of the library. Walk it again from the start (for images that turned ready
        // behind the cursor) once the jobs sent are done: until then it would find only those.
        if (waiting === 0) this.#cursors.delete(model.id);
        continue;
      }
      // A whole walk found nothing missing: complete.
      this.#idleUntil.set(model.id, Date.now() + RESCAN_MS);
      if (model.state === 'building' && model.activate_when_complete) {
        try {
          await models.activate(model.id);
          result.activated.push(model.id);
          logger.info({ modelId: model.id, source: model.source }, 'model complete: search now answers from it');
        } catch (error) {
          // An image turned ready between the walk and the switch: the next pass embeds it.
          if (!(error instanceof ConflictError)) throw error;
          this.#idleUntil.delete(model.id);
        }
      }
    }
    if (result.enqueued) logger.info(result, 're-embedding');
    return result;
  }
}
