import type { Logger } from '@sis/config';
import { ServiceUnavailableError } from '@sis/contracts';
import { isDatabaseUnreachable, type ModelRecord, type ModelRepository } from '@sis/db';

/**
 * Registers the model the worker's settings name (CLIP_MODEL, CLIP_DTYPE), unless it is live
 * already: a new value means a new model to fill in, activated once complete. Waits out a
 * database that is not there yet, since the worker starts in any order with PostgreSQL.
 * @returns the live model, or undefined when that model was retired on purpose.
 */
export async function registerModelSetting(
  models: ModelRepository,
  settings: { source: string; dtype: string | null },
  logger: Logger,
  retryMs = (attempt: number) => Math.min(500 * 2 ** attempt, 10_000),
): Promise<ModelRecord | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await models.registerSetting(settings);
    } catch (error) {
      // The database layer reports an unreachable server as ServiceUnavailableError.
      if (!(error instanceof ServiceUnavailableError) && !isDatabaseUnreachable(error)) throw error;
      const wait = retryMs(attempt);
      logger.warn({ err: error, retryInMs: wait }, 'cannot register the model: the database is unreachable; retrying');
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
