import type { ImageStats } from './services/image-stats.js';
import { registerQueueMetrics, type EmbedQueue } from '@sis/queue';
import { createMetricsRegistry } from '@sis/http';
import { Counter, Gauge } from 'prom-client';

export interface GatewayMetricsOptions {
  /** Read on every scrape for the queue gauges. */
  queue: EmbedQueue;
  /** Read on every scrape for the image gauges. */
  stats: ImageStats;
}

/** The gateway's Prometheus metrics, in a registry of its own (no global state). */
export class GatewayMetrics {
  readonly registry = createMetricsRegistry('gateway');
  readonly uploadsCreated = new Counter({ name: 'sis_uploads_created_total', help: 'Uploads presigned or received.', registers: [this.registry] });
  readonly uploadsCompleted = new Counter({ name: 'sis_uploads_completed_total', help: 'Uploads confirmed and queued.', registers: [this.registry] });
  readonly imagesDeleted = new Counter({ name: 'sis_images_deleted_total', help: 'Images deleted.', registers: [this.registry] });

  constructor(options: GatewayMetricsOptions) {
    registerQueueMetrics(this.registry, options.queue);
    // Read on scrape, so the numbers are Postgres's own rather than a local tally.
    new Gauge({
      name: 'sis_images',
      help: 'Images by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await options.stats.countByStatus().catch(() => undefined);
        this.reset();
        for (const [status, count] of Object.entries(counts ?? {})) this.set({ status }, count);
      },
    });
  }
}
