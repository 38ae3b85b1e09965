import type { ImageStatsRepository } from '@sis/db';

/** What the dashboard and /metrics read about all images. */
export type ImageStats = Pick<ImageStatsRepository, 'countByStatus' | 'throughput' | 'vectorIndexStats'>;

/**
 * How old a count may be when handed out. Counting reads every image, and each open dashboard
 * polls every 2 s beside the metrics scrapes: this bounds the counting to once per period per
 * gateway, however many ask.
 */
export const STATS_MAX_AGE_MS = 2000;

/**
 * Wraps `load` so that it runs at most once per `maxAgeMs`: callers within that time share its
 * answer, or the call still in flight. A failure is not kept; the next caller tries again.
 */
export function shared<T>(maxAgeMs: number, load: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!last || Date.now() - last.at >= maxAgeMs) {
      const value = load();
      const entry = { at: Date.now(), value };
      last = entry;
      value.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.value;
  };
}

/** {@link ImageStats} with the whole-table counts shared for {@link STATS_MAX_AGE_MS}. */
export function sharedImageStats(stats: ImageStatsRepository, maxAgeMs = STATS_MAX_AGE_MS): ImageStats {
  return {
    countByStatus: shared(maxAgeMs, () => stats.countByStatus()),
    vectorIndexStats: shared(maxAgeMs, () => stats.vectorIndexStats()),
    // A window of recent rows, found through their timestamps' indexes: cheap at any size.
    throughput: (minutes) => stats.throughput(minutes),
  };
}
