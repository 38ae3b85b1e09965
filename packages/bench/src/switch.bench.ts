import { createApiClient, ingest, linesView } from '@sis/cli';
import { round } from './stats.js';
import { BENCH_ADMIN_TOKEN, metric, scrape, type BenchSystem } from './system.js';

export interface SwitchRun {
  /** EMBED_BATCH: the worker's batch for both models. */
  batch: number;
  images: number;
  /** From the first vector of the new model to the switch: re-embedding alone, in images per second. */
  reembedImagesPerSec: number;
  /** From `POST /v1/models` to the switch, loading the model included. */
  secondsToSwitch: number;
  /** Hours to re-embed 100,000 images at `reembedImagesPerSec`. */
  hoursPer100k: number;
  /** Worker peak RSS with one model, after ingesting the library. */
  workerPeakRssOneModelMb: number;
  /** Worker peak RSS once both models' image towers are loaded and the second has embedded everything. */
  workerPeakRssTwoModelsMb: number;
}

/**
 * A library of `images` photos ingested with the model, then a second model added beside it (the
 * same files with an explicit dtype: a registration of its own, and onnxruntime sessions of its
 * own, as a real second model has), timed until search switches to it.
 */
export async function benchSwitch(system: BenchSystem, photos: string, settings: { model: string; threads: number; batch: number; images: number }): Promise<SwitchRun> {
  const services = await system.services(await system.database(`switch_${Date.now()}`), {
    CLIP_MODEL: settings.model,
    ALLOW_REMOTE_MODELS: 'false',
    CLIP_THREADS: String(settings.threads),
    EMBED_BATCH: String(settings.batch),
  });
  try {
    const client = createApiClient({ url: services.url, key: BENCH_ADMIN_TOKEN });
    const ingested = await ingest({ source: photos, client, progress: linesView(() => undefined), label: 'bench switch' });
    if (ingested.counts.ready !== settings.images) throw new Error(`expected ${settings.images} images ready, got ${JSON.stringify(ingested.counts)}`);
    const oneModel = metric(await scrape(services.workerUrl), 'sis_worker_process_max_rss_bytes');

    const posted = performance.now();
    const { data: added, error } = await client.POST('/v1/models', { body: { source: settings.model, dtype: 'fp32', activate: true } });
    if (!added) throw new Error(`could not add the second model: ${JSON.stringify(error)}`);
    let firstVectorAt: number | undefined;
    for (const deadline = posted + 30 * 60_000; ; ) {
      const { data } = await client.GET('/v1/models');
      const model = data?.items.find((m) => m.id === added.id);
      if (model?.error) throw new Error(`the second model failed to load: ${model.error}`);
      if (model && model.coverage.embedded > 0) firstVectorAt ??= performance.now();
      if (model?.state === 'active') break;
      if (performance.now() > deadline) throw new Error('the second model did not become active within 30 minutes');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const switched = performance.now();
    const rate = settings.images / ((switched - (firstVectorAt ?? posted)) / 1000);
    return {
      batch: settings.batch,
      images: settings.images,
      reembedImagesPerSec: round(rate),
      secondsToSwitch: round((switched - posted) / 1000),
      hoursPer100k: round(100_000 / rate / 3600),
      workerPeakRssOneModelMb: round(oneModel / 2 ** 20, 0),
      workerPeakRssTwoModelsMb: round(metric(await scrape(services.workerUrl), 'sis_worker_process_max_rss_bytes') / 2 ** 20, 0),
    };
  } finally {
    await services.stop();
  }
}
