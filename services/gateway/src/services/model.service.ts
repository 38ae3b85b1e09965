import type { CreateModelRequest, Model } from '@sis/contracts';
import type { ModelCoverage, ModelRecord, ModelRepository } from '@sis/db';

export interface ModelServiceOptions {
  models: ModelRepository;
}

/** How long, in ms, a listing is served again: dashboards poll it every 2 s, and each counts the library. */
const LIST_TTL_MS = 5_000;

/** The embedding models sis has been asked to run, each with how much of the library it covers. */
export class ModelService {
  readonly #models: ModelRepository;
  #listed: { at: number; models: Promise<Model[]> } | undefined;

  constructor(options: ModelServiceOptions) {
    this.#models = options.models;
  }

  /**
   * Every model, live ones first, each with its coverage: a count of the library per live model
   * (an index scan; about a second at a few million images), so a listing is reused for 5 s.
   */
  async list(): Promise<Model[]> {
    if (this.#listed && Date.now() - this.#listed.at < LIST_TTL_MS) return this.#listed.models;
    const models = this.#models.list().then(async (rows) => {
      const coverage = await this.#models.coverages(rows);
      return rows.map((row) => describe(row, coverage.get(row.id)!));
    });
    this.#listed = { at: Date.now(), models };
    // A failed listing is not served again.
    models.catch(() => (this.#listed = undefined));
    return models;
  }

  /**
   * Registers a model for the workers to load and fill in; a live model with this source and dtype
   * is returned as it is.
   */
  async create(request: CreateModelRequest): Promise<Model> {
    const row = await this.#models.register({ source: request.source, dtype: request.dtype ?? null, activateWhenComplete: request.activate });
    return this.#changed(row);
  }

  /** @throws NotFoundError `model_not_found`; ConflictError `model_not_loaded` or `model_incomplete` (unless forced). */
  async activate(id: number, force: boolean): Promise<Model> {
    return this.#changed(await this.#models.activate(id, { force, cancelPending: true }));
  }

  /** @throws NotFoundError `model_not_found`; ConflictError `model_active`. */
  async retire(id: number): Promise<Model> {
    return this.#changed(await this.#models.retire(id));
  }

  /** A model just changed: the next listing shows it, and this answer is counted afresh. */
  async #changed(row: ModelRecord): Promise<Model> {
    this.#listed = undefined;
    return describe(row, (await this.#models.coverages([row])).get(row.id)!);
  }
}

function describe(row: ModelRecord, { embedded, ready, lastMinute }: ModelCoverage): Model {
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
