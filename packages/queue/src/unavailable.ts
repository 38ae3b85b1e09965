import { ServiceUnavailableError } from '@sis/contracts';

/** What a client is told to wait before trying again while Redis is away, in seconds. */
export const QUEUE_RETRY_AFTER_SECONDS = 5;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** ioredis's own words for a connection that is down, or a command that got no answer. */
const CONNECTION_MESSAGES = /Stream isn't writeable|Connection is closed|Command timed out|max retries per request/i;

/** Whether an ioredis error means "Redis is not reachable", not "this command was wrong". */
export function isRedisUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; name?: unknown } | undefined;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e?.name === 'MaxRetriesPerRequestError') return true;
  return typeof e?.message === 'string' && CONNECTION_MESSAGES.test(e.message);
}

/** Runs one call to Redis; Redis being away becomes one domain error, `queue_unavailable`. */
export async function callRedis<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isRedisUnreachable(error)) throw error;
    throw new ServiceUnavailableError('queue_unavailable', 'the job queue (Redis) is not answering; try again shortly', { retryAfterSeconds: QUEUE_RETRY_AFTER_SECONDS }, { cause: error });
  }
}
