import type { ClipModel } from '@sis/clip';
import type { Logger } from '@sis/config';
import { ServiceUnavailableError } from '@sis/contracts';
import { isDatabaseUnreachable, type ModelRecord, type ModelRepository } from '@sis/db';

/**
 * Registers the model this worker loaded (its vectors' table is created then), waiting out a
 * database that is not there yet: the worker starts in any order with PostgreSQL, as every
 * service does, and is not ready until this is done.
 * @throws Error when the model is not the active one (the first model of a library becomes it).
 */
const describe = (model: { source: string; dtype: string | null }) => (model.dtype ? `${model.source}, ${model.dtype}` : model.source);

export async function registerModel(
  models: ModelRepository,
  clip: ClipModel,
  settings: { source: string; dtype: string | null },
  logger: Logger,
  retryMs = (attempt: number) => Math.min(500 * 2 ** attempt, 10_000),
): Promise<ModelRecord> {
  for (let attempt = 0; ; attempt++) {
    try {
      const model = await models.ensure({ ...settings, dimension: clip.dimension, preprocessingHash: clip.preprocessor.fingerprint });
      if (model.state !== 'active') {
        // Its vectors would go to a table search does not read: every new upload would be lost to search.
        const active = await models.findActive();
        throw new Error(
          `model ${model.id} (${describe(settings)}) is registered but not active; the active model is ${active ? `${active.id} (${describe(active)})` : 'none'}. ` +
            'Re-embedding a library with another model is not built yet: run the worker with the active model\'s CLIP_MODEL and CLIP_DTYPE.',
        );
      }
      return model;
    } catch (error) {
      // The database layer reports an unreachable server as ServiceUnavailableError.
      if (!(error instanceof ServiceUnavailableError) && !isDatabaseUnreachable(error)) throw error;
      const wait = retryMs(attempt);
      logger.warn({ err: error, retryInMs: wait }, 'cannot register the model: the database is unreachable; retrying');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
