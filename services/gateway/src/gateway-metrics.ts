import { registerPeakMemory } from '@sis/config';
import type { ImageRepository } from '@sis/db';
import type { EmbedQueue } from '@sis/queue';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (no global state). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly httpSeconds = new Histogram({
    name: 'sis_http_request_seconds',
    help: 'HTTP requests by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly uploadsCreated = new Counter({ name: 'sis_uploads_created_total', help: 'Uploads presigned or received.', registers: [this.registry] });
  readonly uploadsCompleted = new Counter({ name: 'sis_uploads_completed_total', help: 'Uploads confirmed and queued.', registers: [this.registry] });
  readonly imagesDeleted = new Counter({ name: 'sis_images_deleted_total', help: 'Images deleted.', registers: [this.registry] });

  constructor(sources: { queue: EmbedQueue; images: ImageRepository }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'sis_gateway_' });
    registerPeakMemory(this.registry, 'sis_gateway_');
    // Read on scrape, so the numbers are Redis's and Postgres's own rather than a local tally.
    new Gauge({
      name: 'sis_queue_jobs',
      help: 'Embed jobs by state.',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await sources.queue.counts();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'sis_images',
      help: 'Images by status.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await sources.images.countByStatus();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }
}
