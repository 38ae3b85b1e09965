import { ModelPool, type ClipModel, type ClipModelOptions } from '@sis/clip';
import type { Logger } from '@sis/config';
import type { ModelRecord, ModelRepository } from '@sis/db';
import { EmbedBatcher } from './embed-batcher.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** A model the worker holds: its registration, its image tower, and the micro-batcher in front of it. */
export interface HeldModel {
  id: number;
  source: string;
  state: ModelRecord['state'];
  clip: ClipModel;
  batcher: EmbedBatcher;
}

export interface WorkerModelsOptions {
  models: ModelRepository;
  /** How every model loads (CLIP settings, `towers: ['vision']`, the pixel limit). */
  base: ClipModelOptions;
  /** EMBED_BATCH and EMBED_BATCH_WAIT_MS, for each model's batcher. */
  maxBatch: number;
  maxWaitMs: number;
  metrics: WorkerMetrics;
  logger: Logger;
  /** How often, in ms, the worker looks for models added or retired. @defaultValue 5,000 */
  refreshMs?: number;
}

/**
 * Every live model, held at once: each new upload is embedded with all of them, so a model being
 * filled in never falls behind, and an image's vectors from different models come from one decode.
 * Models are looked up in Postgres every few seconds: one registered through the API is loaded
 * (its vector table created once its dimension is known), one retired is let go. One model call
 * runs at a time across all of them, since each already uses every core.
 */
export class WorkerModels {
  readonly #options: Readonly<WorkerModelsOptions>;
  readonly #pool: ModelPool;
  readonly #batchers = new Map<number, EmbedBatcher>();
  readonly #errors = new Map<number, string>();
  #records = new Map<number, ModelRecord>();
  #inference: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WorkerModelsOptions) {
    this.#options = Object.freeze({ ...options });
    const { models, logger } = options;
    this.#pool = new ModelPool({
      base: options.base,
      // After the model calls already queued: a session must not go while a batch runs on it.
      release: (clip) => this.#infer(() => clip.dispose()),
      onLoaded: async (spec, clip) => {
        // Creates the model's table; refuses a model whose dimension or preprocessing changed.
        await models.completeRegistration(spec.id, { dimension: clip.dimension, preprocessingHash: clip.preprocessor.fingerprint });
        this.#errors.delete(spec.id);
        logger.info({ modelId: spec.id, source: spec.source, dimension: clip.dimension }, 'model loaded');
      },
      onError: async (spec, error) => {
        this.#errors.set(spec.id, error.message);
        logger.error({ err: error, modelId: spec.id, source: spec.source }, 'model failed to load; trying again later');
        await models.recordError(spec.id, error.message).catch(() => undefined);
      },
    });
  }

  /** The models held, the active one first (the one an image's `model` names). */
  held(): HeldModel[] {
    const held = this.#pool.entries().flatMap(({ spec, model }) => {
      const record = this.#records.get(spec.id);
      return record ? [{ id: spec.id, source: spec.source, state: record.state, clip: model, batcher: this.#batcher(spec.id, model) }] : [];
    });
    return held.sort((a, b) => Number(b.state === 'active') - Number(a.state === 'active'));
  }

  /** Why a model could not be loaded, if it could not. */
  errorOf(id: number): string | undefined {
    return this.#errors.get(id);
  }

  /**
   * A model by id, looking it up (and loading it) now if it is not held yet.
   * @returns undefined when the model is not live (retired, or never registered).
   * @throws Error when it is live but could not be loaded.
   */
  async require(id: number): Promise<HeldModel | undefined> {
    let found = this.held().find((model) => model.id === id);
    if (found) return found;
    await this.refresh();
    if (!this.#records.has(id)) return undefined;
    found = this.held().find((model) => model.id === id);
    if (!found) throw new Error(`model ${id} could not be loaded: ${this.#errors.get(id) ?? 'still loading'}`);
    return found;
  }

  /** Loads models registered since the last look and lets retired ones go. */
  async refresh(): Promise<void> {
    const { models } = this.#options;
    const live = await models.listLive();
    this.#records = new Map(live.map((record) => [record.id, record]));
    await this.#pool.sync(live.map(({ id, source, dtype }) => ({ id, source, dtype })));
    for (const id of this.#batchers.keys()) if (!this.#pool.get(id)) this.#batchers.delete(id);
    // Loading may have changed a state (the first model of a library becomes active as it loads).
    this.#records = new Map((await models.listLive()).map((record) => [record.id, record]));
  }

  /**
   * The active model, when this worker does not hold it (it failed to load here, or is loading):
   * an image embedded without it would be missing from search.
   */
  activeMissing(): ModelRecord | undefined {
    const active = [...this.#records.values()].find((record) => record.state === 'active');
    return active && !this.#pool.get(active.id) ? active : undefined;
  }

  /** Refreshes every few seconds until stopped; a failed look (the database away) is tried again next time. */
  start(): void {
    this.#timer = setInterval(() => {
      this.refresh().catch((error: unknown) => this.#options.logger.warn({ err: error }, 'could not look up models; trying again'));
    }, this.#options.refreshMs ?? 5_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pool.dispose();
  }

  #batcher(id: number, clip: ClipModel): EmbedBatcher {
    let batcher = this.#batchers.get(id);
    if (!batcher) {
      const { metrics } = this.#options;
      batcher = new EmbedBatcher({
        embed: (batch) => this.#infer(() => clip.embedPixels(batch)),
        maxBatch: this.#options.maxBatch,
        maxWaitMs: this.#options.maxWaitMs,
        onBatch: (size, seconds) => {
          metrics.batchSize.observe(size);
          metrics.inferSeconds.observe(seconds);
        },
      });
      this.#batchers.set(id, batcher);
    }
    return batcher;
  }

  /** Runs one model call after those already started. */
  #infer<T>(call: () => Promise<T>): Promise<T> {
    const result = this.#inference.then(call);
    this.#inference = result.catch(() => undefined);
    return result;
  }
}
