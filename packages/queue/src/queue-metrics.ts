import { Gauge, type Registry } from 'prom-client';
import type { EmbedQueue } from './embed-queue.js';

/**
 * The embed queue's gauges, read from Redis on every scrape (`sis_queue_jobs{state}`,
 * `sis_queue_oldest_waiting_seconds`): what autoscalers and alerts watch. Every process that
 * registers them reports the same Redis-wide values, so dashboards take `max`, not `sum`.
 */
export function registerQueueMetrics(registry: Registry, queue: EmbedQueue): void {
  new Gauge({
    name: 'sis_queue_jobs',
    help: 'Embed jobs by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      // With Redis away, no sample rather than a stale one; the rest of /metrics still answers.
      const counts = await queue.counts().catch(() => undefined);
      this.reset();
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'sis_queue_oldest_waiting_seconds',
    help: 'Seconds since the oldest embed job waiting to run was first enqueued (0 when none waits); a retried job counts from its first enqueue.',
    registers: [registry],
    async collect() {
      const age = await queue.oldestWaitingSeconds().catch(() => undefined);
      this.reset();
      if (age !== undefined) this.set(age);
    },
  });
}
