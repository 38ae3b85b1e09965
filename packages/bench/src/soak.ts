import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiClient, ingest, linesView } from '@sis/cli';
import { QueuesResponseSchema } from '@sis/contracts';
import sharp from 'sharp';
import { round } from './stats.js';
import { BENCH_ADMIN_TOKEN, metric, scrape, type BenchSystem } from './system.js';

/** The services whose memory a soak watches, by the metric prefix each exports. */
export const SOAK_SERVICES = ['gateway', 'search', 'worker'] as const;
export type SoakService = (typeof SOAK_SERVICES)[number];

export interface RssSample {
  /** Share of the images ingested when the sample was taken, 0..1. */
  progress: number;
  rssMb: Record<SoakService, number>;
}

export interface SoakGrowth {
  /** Median RSS just after warm-up (20–30 % of the images), in MB. */
  afterWarmUpMb: number;
  /** Median RSS over the last 10 % of the images, in MB. */
  endMb: number;
  /** endMb / afterWarmUpMb − 1. */
  growth: number;
}

export interface SoakResult {
  images: number;
  seconds: number;
  imagesPerSec: number;
  ready: number;
  failed: number;
  lost: number;
  searches: number;
  growth: Record<SoakService, SoakGrowth>;
  samples: RssSample[];
}

/** Growth allowed after warm-up, per service. */
export const SOAK_MAX_GROWTH = 0.1;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : Number.NaN;
};

/**
 * How much each service's memory grew between the end of warm-up and the end of the run: medians
 * of the samples in each window, so one garbage-collection peak neither hides nor fakes a leak.
 * @throws Error when a window holds no sample (a run too short to judge).
 */
export function rssGrowth(samples: readonly RssSample[]): Record<SoakService, SoakGrowth> {
  const warm = samples.filter((s) => s.progress >= 0.2 && s.progress < 0.3);
  const end = samples.filter((s) => s.progress >= 0.9);
  if (!warm.length || !end.length) throw new Error(`too few memory samples to judge growth (${warm.length} after warm-up, ${end.length} at the end)`);
  return Object.fromEntries(
    SOAK_SERVICES.map((service) => {
      const afterWarmUpMb = median(warm.map((s) => s.rssMb[service]));
      const endMb = median(end.map((s) => s.rssMb[service]));
      return [service, { afterWarmUpMb: round(afterWarmUpMb, 1), endMb: round(endMb, 1), growth: round(endMb / afterWarmUpMb - 1, 3) }];
    }),
  ) as Record<SoakService, SoakGrowth>;
}

/** Distinct small photos (no two alike, so each one is embedded), `perFolder` to a folder. */
export async function makeSmallPhotos(root: string, count: number, perFolder: number): Promise<string[]> {
  const folders: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % perFolder === 0) {
      folders.push(join(root, `part-${folders.length}`));
      await mkdir(folders.at(-1)!);
    }
    const png = await sharp({ create: { width: 48, height: 36, channels: 3, background: { r: i % 256, g: (i >> 8) % 256, b: (i * 7) % 256 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .png()
      .toBuffer();
    await writeFile(join(folders.at(-1)!, `p-${i}.png`), png);
  }
  return folders;
}

export interface SoakOptions {
  images: number;
  model: string;
  /** How often each service's RSS is read. */
  sampleEveryMs: number;
  say: (line: string) => void;
}

/**
 * Pushes `images` photos end to end (presign, PUT, complete, worker, vector) in parts of 1,000,
 * with a search every half second beside it, reading each service's RSS as it goes.
 */
export async function soak(system: BenchSystem, options: SoakOptions): Promise<SoakResult> {
  const perFolder = 1000;
  const root = await mkdtemp(join(tmpdir(), 'sis-soak-'));
  const services = await system.services(await system.database(`soak_${Date.now()}`), { CLIP_MODEL: options.model, ALLOW_REMOTE_MODELS: 'false' });
  const urls: Record<SoakService, string> = { gateway: services.url, search: services.searchUrl, worker: services.workerUrl };
  const samples: RssSample[] = [];
  let done = 0;
  let searches = 0;
  let running = true;
  try {
    options.say(`making ${options.images} photos…`);
    const folders = await makeSmallPhotos(root, options.images, perFolder);
    const sample = async () => {
      const texts = await Promise.all(SOAK_SERVICES.map((service) => scrape(urls[service])));
      const rssMb = Object.fromEntries(SOAK_SERVICES.map((service, i) => [service, metric(texts[i]!, `sis_${service}_process_resident_memory_bytes`) / 2 ** 20])) as Record<SoakService, number>;
      samples.push({ progress: done / options.images, rssMb });
    };
    const sampler = (async () => {
      while (running) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, options.sampleEveryMs));
      }
    })();
    const queries = ['a red picture', 'a photo of a dog', 'noise', 'blue sky', 'something green'];
    const searcher = (async () => {
      while (running) {
        const response = await fetch(`${services.url}/v1/search?q=${encodeURIComponent(queries[searches % queries.length]!)}&limit=10`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`search answered ${response.status}`);
        searches++;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    const client = createApiClient({ url: services.url, key: BENCH_ADMIN_TOKEN });
    const started = performance.now();
    let ready = 0;
    let failed = 0;
    try {
      for (const [i, folder] of folders.entries()) {
        const result = await ingest({ source: folder, client, progress: linesView(() => undefined), label: `soak part ${i}` });
        ready += result.counts.ready;
        failed += result.counts.failed;
        done = Math.min(options.images, (i + 1) * perFolder);
        options.say(`  ${done} / ${options.images} (${ready} ready, ${failed} failed)`);
      }
    } finally {
      running = false;
      await Promise.all([sampler, searcher]);
    }
    const seconds = (performance.now() - started) / 1000;
    await sample();
    const queues = QueuesResponseSchema.parse(await (await fetch(`${services.url}/v1/queues`, { headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` } })).json());
    const readyInDatabase = queues.images.ready;
    return {
      images: options.images,
      seconds: round(seconds, 1),
      imagesPerSec: round(options.images / seconds, 1),
      ready: readyInDatabase,
      failed,
      lost: options.images - readyInDatabase - failed,
      searches,
      growth: rssGrowth(samples),
      samples: samples.map((s) => ({ progress: round(s.progress, 3), rssMb: Object.fromEntries(SOAK_SERVICES.map((k) => [k, round(s.rssMb[k], 1)])) as Record<SoakService, number> })),
    };
  } finally {
    running = false;
    await services.stop();
    await rm(root, { recursive: true, force: true });
  }
}
