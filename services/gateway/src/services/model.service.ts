import type { Model } from '@sis/contracts';
import type { ModelRepository } from '@sis/db';

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
    const rows = await this.#models.list();
    return Promise.all(
      rows.map(async (row) => {
        const { embedded, ready } = await this.#models.coverage(row.id);
        return {
          id: row.id,
          source: row.source,
          dtype: row.dtype,
          dimension: row.dimension,
          state: row.state,
          active: row.state === 'active',
          coverage: { embedded, ready, ratio: ready === 0 ? 1 : embedded / ready },
          error: row.error,
          createdAt: row.created_at.toISOString(),
          activatedAt: row.activated_at?.toISOString() ?? null,
          retiredAt: row.retired_at?.toISOString() ?? null,
        };
      }),
    );
  }
}
