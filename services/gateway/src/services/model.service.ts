import type { CreateModelRequest, Model } from '@sis/contracts';
import type { ModelRecord, ModelRepository } from '@sis/db';

export interface ModelServiceOptions {
  models: ModelRepository;
}

/** The embedding models sis has been asked to run, each with how much of the library it covers. */
export class ModelService {
  readonly #models: ModelRepository;

  constructor(options: ModelServiceOptions) {
    this.#models = options.models;
  }

  /** Every model, live ones first, each with its coverage (a count over the library: cheap to a few million images). */
  async list(): Promise<Model[]> {
    return Promise.all((await this.#models.list()).map((row) => this.#describe(row)));
  }

  /**
   * Registers a model for the workers to load and fill in.
   * @returns the model, and whether it is new (a live model with this source and dtype is returned as it is).
   */
  async create(request: CreateModelRequest): Promise<{ model: Model; created: boolean }> {
    const existing = await this.#models.findLive({ source: request.source, dtype: request.dtype ?? null });
    const row = existing ?? (await this.#models.register({ source: request.source, dtype: request.dtype ?? null, activateWhenComplete: request.activate }));
    return { model: await this.#describe(row), created: !existing };
  }

  /** @throws NotFoundError `model_not_found`; ConflictError `model_not_loaded` or `model_incomplete` (unless forced). */
  async activate(id: number, force: boolean): Promise<Model> {
    return this.#describe(await this.#models.activate(id, { force }));
  }

  /** @throws NotFoundError `model_not_found`; ConflictError `model_active`. */
  async retire(id: number): Promise<Model> {
    return this.#describe(await this.#models.retire(id));
  }

  async #describe(row: ModelRecord): Promise<Model> {
    const { embedded, ready, lastMinute } = await this.#models.coverage(row.id);
    const left = ready - embedded;
    return {
      id: row.id,
      source: row.source,
      dtype: row.dtype,
      dimension: row.dimension,
      state: row.state,
      active: row.state === 'active',
      coverage: {
        embedded,
        ready,
        ratio: ready === 0 ? 1 : embedded / ready,
        perMinute: lastMinute,
        etaSeconds: left > 0 && lastMinute > 0 ? Math.ceil((left / lastMinute) * 60) : null,
      },
      activateWhenComplete: row.activate_when_complete,
      error: row.error,
      createdAt: row.created_at.toISOString(),
      activatedAt: row.activated_at?.toISOString() ?? null,
      retiredAt: row.retired_at?.toISOString() ?? null,
    };
  }
}
