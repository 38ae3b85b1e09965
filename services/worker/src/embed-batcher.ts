import { inSpan, trace, type Span } from '@sis/telemetry';

/** Runs the model over a batch of preprocessed images, returning one embedding per image. */
export type BatchEmbedder = (batch: Float32Array[]) => Promise<Float32Array[]>;

export interface EmbedBatcherOptions {
  embed: BatchEmbedder;
  /** Most images per model call (EMBED_BATCH). */
  maxBatch: number;
  /** Longest time, in ms, the first image of a part-full batch waits for company (EMBED_BATCH_WAIT_MS). */
  maxWaitMs: number;
  /** Called after each model call, for metrics. */
  onBatch?: (size: number, seconds: number) => void;
}

interface Pending {
  pixels: Float32Array;
  since: number;
  /** The span that handed the image in (its job's), which the model call's span links to and back. */
  span: Span | undefined;
  resolve: (embedding: Float32Array) => void;
  reject: (error: unknown) => void;
}

/**
 * Micro-batching: jobs hand in one image each and get one embedding back, while the model sees
 * batches of up to `maxBatch`. A batch runs when it is full, or when its oldest image has waited
 * `maxWaitMs`. One model call runs at a time (it already uses every core); images that arrive
 * meanwhile form the next batch, so under load batches fill while the previous one runs, and the
 * jobs' fetching and decoding overlap with inference. When a batch fails, its images are tried
 * one by one, so an error reaches only the images it belongs to.
 *
 * A model call serves images of several traces (one per upload), so its span belongs to none of
 * them: it starts a trace of its own, linked to the span of every image in the batch, and each
 * of those spans is linked back to it. Parenting it to one job would hide it from the others.
 */
export class EmbedBatcher {
  readonly #options: Readonly<EmbedBatcherOptions>;
  readonly #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(options: EmbedBatcherOptions) {
    if (options.maxBatch < 1) throw new Error('maxBatch must be at least 1');
    this.#options = Object.freeze({ ...options });
  }

  /** Images waiting for a model call. */
  get waiting(): number {
    return this.#pending.length;
  }

  embed(pixels: Float32Array): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ pixels, since: performance.now(), span: trace.getActiveSpan(), resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running || this.#pending.length === 0) return;
    const waited = performance.now() - this.#pending[0]!.since;
    if (this.#pending.length >= this.#options.maxBatch || waited >= this.#options.maxWaitMs) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      void this.#run();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#schedule();
      }, this.#options.maxWaitMs - waited);
    }
  }

  async #run(): Promise<void> {
    this.#running = true;
    const batch = this.#pending.splice(0, this.#options.maxBatch);
    try {
      await this.#embedBatch(batch).catch(async (error: unknown) => {
        if (batch.length === 1) return batch[0]!.reject(error);
        // One bad input must not fail its neighbours: run each alone, so only the culprit fails.
        for (const item of batch) await this.#embedBatch([item]).catch((itemError: unknown) => item.reject(itemError));
      });
    } finally {
      this.#running = false;
      this.#schedule();
    }
  }

  #embedBatch(batch: Pending[]): Promise<void> {
    const links = batch.flatMap((p) => (p.span ? [{ context: p.span.spanContext() }] : []));
    return inSpan('clip embed batch', { root: true, links, attributes: { 'sis.batch.size': batch.length } }, async (span) => {
      for (const p of batch) p.span?.addLink({ context: span.spanContext() });
      const started = performance.now();
      const embeddings = await this.#options.embed(batch.map((p) => p.pixels));
      if (embeddings.length !== batch.length) throw new Error(`the model returned ${embeddings.length} embeddings for ${batch.length} images`);
      this.#options.onBatch?.(batch.length, (performance.now() - started) / 1000);
      batch.forEach((p, i) => p.resolve(embeddings[i]!));
    });
  }
}
