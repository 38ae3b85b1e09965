import { createMetricsRegistry } from '@sis/http';
import { Counter, Histogram } from 'prom-client';

export type Stage = 'fetch' | 'inspect' | 'decode' | 'infer' | 'write';

/** The worker's Prometheus metrics, in a registry of its own (no global state). */
export class WorkerMetrics {
  readonly registry = createMetricsRegistry('worker');
  readonly jobs = new Counter({ name: 'sis_worker_jobs_total', help: 'Embed jobs finished, by outcome.', labelNames: ['outcome'], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'sis_worker_batch_size', help: 'Images per model call.', buckets: [1, 2, 4, 8, 16, 32, 64], registers: [this.registry] });
  readonly inferSeconds = new Histogram({ name: 'sis_worker_batch_seconds', help: 'Time of one model call.', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5], registers: [this.registry] });
  readonly stageSeconds = new Histogram({
    name: 'sis_worker_stage_seconds',
    help: 'Time per image in each stage of an embed job.',
    labelNames: ['stage'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  /** Runs `work`, recording its duration under `stage`. */
  async time<T>(stage: Stage, work: () => Promise<T>): Promise<T> {
    const end = this.stageSeconds.startTimer({ stage });
    try {
      return await work();
    } finally {
      end();
    }
  }
}
