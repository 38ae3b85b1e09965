import { ClipModel, type ClipModelOptions } from './clip-model.js';
import type { Dtype } from './model-family.js';

/** One model a service should hold: its registration id, and where and how to load it. */
export interface PooledModelSpec {
  id: number;
  source: string;
  dtype: string | null;
}

export interface ModelPoolOptions {
  /**
   * The settings every model is loaded with (cache, remote loading, threads, towers, pixel limit).
   * `model`, `dtype` and `textModel` apply only to the model they name: others load with their own
   * source and dtype, and their own text tower.
   */
  base: ClipModelOptions;
  /** Called once a model has loaded, before it is offered; a throw counts as a failed load. */
  onLoaded?: (spec: PooledModelSpec, model: ClipModel) => Promise<void>;
  /** Called when a model fails to load; it is tried again after `retryMs`. */
  onError?: (spec: PooledModelSpec, error: Error) => Promise<void> | void;
  /** How long, in ms, a model that failed to load is left alone. @defaultValue 60,000 */
  retryMs?: number;
  /** Lets a model no longer wanted go, e.g. once the calls already started on it are done. @defaultValue its dispose() at once */
  release?: (model: ClipModel) => Promise<void>;
}

/**
 * The CLIP models a service holds at once, kept in step with a list of wanted models: `sync`
 * loads those it does not hold yet (one at a time, so two loads never compete for memory) and
 * disposes of those no longer wanted. Lookups never wait for a load.
 */
export class ModelPool {
  readonly #options: Readonly<ModelPoolOptions>;
  readonly #held = new Map<number, { spec: PooledModelSpec; model: ClipModel }>();
  readonly #failedAt = new Map<number, number>();
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: ModelPoolOptions) {
    this.#options = Object.freeze({ ...options });
  }

  get(id: number): ClipModel | undefined {
    return this.#held.get(id)?.model;
  }

  /** The models held, in id order. */
  entries(): { spec: PooledModelSpec; model: ClipModel }[] {
    return [...this.#held.values()].sort((a, b) => a.spec.id - b.spec.id);
  }

  /** Brings the pool in step with `wanted`; calls queue up, so each sees the previous one's result. */
  sync(wanted: readonly PooledModelSpec[]): Promise<void> {
    this.#syncing = this.#syncing.then(() => this.#sync(wanted));
    return this.#syncing;
  }

  /** Disposes of every model held. */
  async dispose(): Promise<void> {
    await this.#syncing;
    const held = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(held.map(({ model }) => model.dispose()));
  }

  async #sync(wanted: readonly PooledModelSpec[]): Promise<void> {
    const ids = new Set(wanted.map((spec) => spec.id));
    for (const [id, { model }] of this.#held) {
      if (ids.has(id)) continue;
      this.#held.delete(id);
      await (this.#options.release ? this.#options.release(model) : model.dispose());
    }
    const retryMs = this.#options.retryMs ?? 60_000;
    for (const spec of wanted) {
      if (this.#held.has(spec.id) || Date.now() - (this.#failedAt.get(spec.id) ?? -Infinity) < retryMs) continue;
      let model: ClipModel | undefined;
      try {
        model = await ClipModel.load(this.#loadOptions(spec));
        await this.#options.onLoaded?.(spec, model);
        this.#held.set(spec.id, { spec, model });
        this.#failedAt.delete(spec.id);
      } catch (error) {
        await model?.dispose();
        this.#failedAt.set(spec.id, Date.now());
        await this.#options.onError?.(spec, error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  #loadOptions(spec: PooledModelSpec): ClipModelOptions {
    const { base } = this.#options;
    const configured = spec.source === base.model && (spec.dtype ?? undefined) === base.dtype;
    if (configured) return base;
    const { textModel: _ownTextModel, dtype: _ownDtype, ...shared } = base;
    return { ...shared, model: spec.source, ...(spec.dtype ? { dtype: spec.dtype as Dtype } : {}) };
  }
}
