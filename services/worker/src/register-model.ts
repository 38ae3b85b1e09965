import type { ClipModel } from '@sis/clip';
import type { Logger } from '@sis/config';
import { ServiceUnavailableError } from '@sis/contracts';
import { isDatabaseUnreachable, type ModelRecord, type ModelRepository } from '@sis/db';

/**
 * Registers the model this worker loaded (its vectors' table is created then), waiting out a
 * database that is not there yet: the worker starts in any order with PostgreSQL, as every
 * service does, and is not ready until this is done.
 */
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
        logger.warn({ model: model.id, state: model.state }, `model ${model.id} (${settings.source}) is not the active model: images this worker embeds are searchable once it is activated`);
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
