import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import { ApiError } from '../api-error.js';

/**
 * How long one call keeps being tried while what it needs is away, in ms. An outage this long
 * fails the files it holds up (running the same command again sends them); a shorter one costs none.
 */
export const OUTAGE_PATIENCE_MS = 10 * 60_000;
/** The first wait when the other side does not say how long, in ms; it doubles with each try. */
const FIRST_WAIT_MS = 500;
/** The longest wait between two tries, in ms. */
const LONGEST_WAIT_MS = 30_000;

export interface OutageOptions {
  /** Ends the waiting (Ctrl-C). */
  signal?: AbortSignal;
  /**
   * Told before each wait what the run is waiting for ("waiting for the server:
   * storage_unavailable, retrying in 5 s"), and `undefined` once the call went through.
   */
  onWait(status: string | undefined): void;
}

/**
 * Runs `attempt` until it succeeds, taking every failure but p-retry's `AbortError` for an outage
 * to wait out: as long as the server asks (Retry-After), else with doubling waits, for at most
 * {@link OUTAGE_PATIENCE_MS} in all.
 * @param who what is away while the attempts fail, for the waiting line: "the server", "storage"
 * @throws the last failure once patience runs out, and an `AbortError`'s own failure at once.
 */
export async function retryThroughOutages<T>(who: string, attempt: () => Promise<T>, options: OutageOptions): Promise<T> {
  const started = performance.now();
  let waited = false;
  try {
    return await pRetry(attempt, {
      retries: Infinity,
      // The waits happen in onFailedAttempt, where their length is known and can be shown.
      minTimeout: 0,
      signal: options.signal,
      onFailedAttempt: async ({ error, retriesConsumed }) => {
        options.signal?.throwIfAborted();
        if (performance.now() - started >= OUTAGE_PATIENCE_MS) throw error;
        const details = error instanceof ApiError ? error.details : undefined;
        // Spread out, so the uploads held up together do not all come back in the same instant.
        const ms = Math.min(details?.retryAfterMs ?? FIRST_WAIT_MS * 2 ** retriesConsumed * (1 + Math.random() / 2), LONGEST_WAIT_MS);
        options.onWait(`waiting for ${who}: ${details?.reason ?? error.message}, retrying in ${Math.ceil(ms / 1000)} s`);
        waited = true;
        await sleep(ms, undefined, { signal: options.signal });
      },
    });
  } finally {
    if (waited) options.onWait(undefined);
  }
}
