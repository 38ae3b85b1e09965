import { ServiceUnavailableError } from '@sis/contracts';
import type { ModelRepository } from '@sis/db';

/** How long, in ms, the active model is trusted before it is looked up again. */
const TRUST_MS = 5_000;

/**
 * The id of the active model, whose table searches run on, provided it is the model this search
 * service encodes queries with (looked up by source: a read, fine on a replica; remembered for a
 * few seconds). Before any model is registered no image has a vector yet, and searches find nothing.
 * @throws ServiceUnavailableError `model_not_active` when another model is the active one: its
 * vectors cannot be compared with this encoder's queries.
 */
export function activeModelId(models: ModelRepository, own: { source: string; dtype: string | null }): () => Promise<number | undefined> {
  let found: { id: number; at: number } | undefined;
  return async () => {
    if (found && Date.now() - found.at < TRUST_MS) return found.id;
    const active = await models.findActive();
    if (active && (active.source !== own.source || (active.dtype ?? null) !== own.dtype)) {
      found = undefined;
      throw new ServiceUnavailableError(
        'model_not_active',
        `this search service encodes queries with ${own.source}, but the active model is ${active.source} (model ${active.id}); run search with CLIP_MODEL=${active.source} until the new model is complete and activated`,
      );
    }
    // Only a model found is remembered: the first registration must show at once.
    found = active ? { id: active.id, at: Date.now() } : undefined;
    return found?.id;
  };
}
