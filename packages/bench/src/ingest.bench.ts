import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClipModel } from '@sis/clip';
import { createApiClient, ingest, linesView } from '@sis/cli';
import { decodeRgb, encodeThumbnail, inspectImage, readExif, type RgbImage } from '@sis/image';
import sharp from 'sharp';
import { machineCpu, processCpuMs } from './cpu.js';
import { round } from './stats.js';
import { BENCH_ADMIN_TOKEN, metric, scrape, type BenchSystem } from './system.js';

export const STAGES = ['fetch', 'inspect', 'decode', 'infer', 'write'] as const;
/** The kinds of pause prom-client's `nodejs_gc_duration_seconds` tells apart. */
const GC_KINDS = ['major', 'minor', 'incremental'] as const;

export interface EndToEndRun {
  batch: number;
  images: number;
  seconds: number;
  imagesPerSec: number;
  /** Mean time per image in each worker stage, in ms ("infer" includes waiting for a batch to fill). */
  stagesMsPerImage: Record<(typeof STAGES)[number], number>;
  /** Model call time divided by the images it embedded, in ms. */
  modelMsPerImage: number;
  /**
   * CPU time per image by process: the worker, the gateway, this process (the ingest client and
   * the S3 server), and the rest of the machine (PostgreSQL, Redis, the search service, the OS).
   */
  cpuMsPerImage: { worker: number; gateway: number; clientAndS3: number; rest: number; total: number };
  /** Share of the machine's cores busy during the run (1 = every core all the time). */
  machineBusy: number;
  /** The worker's main thread paused for garbage collection, ms per image, by kind (its `/metrics`). */
  workerGcMsPerImage: Record<(typeof GC_KINDS)[number], number>;
  /** The longest the worker's event loop stood still during the run, and its 99th percentile, in ms: how late a health check or lock renewal could be answered. */
  workerEventLoopDelayMs: { p99: number; max: number };
  workerPeakRssMb: number;
  gatewayPeakRssMb: number;
}

export interface BareRun {
  imagesPerSec: number;
  /** CPU time the model used per image, all onnxruntime threads together. */
  cpuMsPerImage: number;
}

/** The image tower alone, on ready-made 224×224 tensors: the ceiling for this machine. */
export async function bareModelRun(model: ClipModel, batch: number, seconds = 8): Promise<BareRun> {
  const pixels = Array.from({ length: batch }, () => Float32Array.from({ length: model.preprocessor.pixelCount }, (_, i) => Math.sin(i)));
  await model.embedPixels(pixels);
  let images = 0;
  const cpuBefore = processCpuMs();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    await model.embedPixels(pixels);
    images += batch;
  }
  const elapsed = performance.now() - started;
  return { imagesPerSec: round(images / (elapsed / 1000)), cpuMsPerImage: round((processCpuMs() - cpuBefore) / images) };
}

/** The steps the worker takes around the model for each image, in its order. */
export const CPU_STAGES = ['hash', 'inspect', 'exif', 'decode', 'thumbnail', 'preprocess'] as const;
export type CpuStage = (typeof CPU_STAGES)[number];

/**
 * CPU ms per image of each step the worker takes around the model, with the worker's own
 * functions, one image at a time in this process and nothing else running (libvips' threads
 * included): what each step costs, where `stagesMsPerImage` is wall time under contention. The
 * best of a few rounds, so that a busy moment of the machine does not count.
 */
export async function workerStageCpu(photos: string, model: ClipModel, settings: { images: number; maxPixels: number; rounds?: number }): Promise<Record<CpuStage, number>> {
  const files = (await readdir(photos)).slice(0, settings.images);
  const all = await Promise.all(files.map((file) => readFile(join(photos, file))));
  const spent = Object.fromEntries(CPU_STAGES.map((stage) => [stage, 0])) as Record<CpuStage, number>;
  const best = Object.fromEntries(CPU_STAGES.map((stage) => [stage, Infinity])) as Record<CpuStage, number>;
  const timed = async <T>(stage: CpuStage, work: () => Promise<T> | T): Promise<T> => {
    const before = processCpuMs();
    const result = await work();
    spent[stage] += processCpuMs() - before;
    return result;
  };
  for (let r = 0; r < (settings.rounds ?? 3); r++) {
    for (const stage of CPU_STAGES) spent[stage] = 0;
    for (const bytes of all) {
      await timed('hash', () => createHash('sha256').update(bytes).digest('hex'));
      await timed('inspect', () => inspectImage(bytes, { maxPixels: settings.maxPixels }));
      await timed('exif', () => readExif(bytes));
      const decoded: RgbImage = await timed('decode', () => decodeRgb(bytes, { maxPixels: settings.maxPixels, needs: model.preprocessor.decodeNeeds }));
      await timed('thumbnail', () => encodeThumbnail(decoded));
      await timed('preprocess', () => model.preprocessor.fromRgb(decoded));
    }
    for (const stage of CPU_STAGES) best[stage] = Math.min(best[stage], spent[stage] / all.length);
  }
  return Object.fromEntries(CPU_STAGES.map((stage) => [stage, round(best[stage], 2)])) as Record<CpuStage, number>;
}

/** Two timings of the bare tower, averaged. */
export function meanRun(a: BareRun, b: BareRun): BareRun {
  return { imagesPerSec: round((a.imagesPerSec + b.imagesPerSec) / 2), cpuMsPerImage: round((a.cpuMsPerImage + b.cpuMsPerImage) / 2) };
}

/**
 * Photo-like JPEGs (smooth random colour fields, 1024×768, about the size of a phone photo
 * scaled down), each different, so no upload is skipped as a duplicate.
 */
export async function makePhotos(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sis-bench-photos-'));
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const seed = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 }, noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .png()
      .toBuffer();
    await writeFile(join(dir, `photo-${i}.jpg`), await sharp(seed).resize(1024, 768, { kernel: 'cubic' }).jpeg({ quality: 85 }).toBuffer());
  }
  return dir;
}

/**
 * The whole path for `count` photos: presign, PUT to S3, complete, queue, worker (fetch,
 * validate, decode, preprocess, EXIF, hash, embed, write), timed from the first file to the last
 * image ready, on a fresh database.
 */
export async function endToEnd(system: BenchSystem, photos: string, settings: { model: string; threads: number; batch: number; images: number }): Promise<EndToEndRun> {
  const databaseUrl = await system.database(`ingest_b${settings.batch}_${Date.now()}`);
  const services = await system.services(databaseUrl, {
    CLIP_MODEL: settings.model,
    ALLOW_REMOTE_MODELS: 'false',
    CLIP_THREADS: String(settings.threads),
    EMBED_BATCH: String(settings.batch),
  });
  try {
    const before = await scrape(services.workerUrl);
    const gatewayBefore = await scrape(services.url);
    const [machineBefore, selfBefore] = [await machineCpu(), processCpuMs()];
    const result = await ingest({
      source: photos,
      client: createApiClient({ url: services.url, key: BENCH_ADMIN_TOKEN }),
      progress: linesView(() => undefined),
      label: `bench batch ${settings.batch}`,
    });
    if (result.counts.ready !== settings.images) throw new Error(`expected ${settings.images} images ready, got ${JSON.stringify(result.counts)} ${JSON.stringify(result.failures.slice(0, 3))}`);
    const [machineAfter, selfAfter] = [await machineCpu(), processCpuMs()];
    const after = await scrape(services.workerUrl);
    const gateway = await scrape(services.url);
    // How much a counter grew during the run (a series not exported, before or after, counts as 0).
    const delta = (now: string, then: string, name: string, labels: Record<string, string> = {}) => (metric(now, name, labels) || 0) - (metric(then, name, labels) || 0);
    const perImage = (name: string, labels: Record<string, string>) =>
      round((1000 * delta(after, before, `${name}_sum`, labels)) / Math.max(delta(after, before, `${name}_count`, labels), 1));
    const modelSeconds = delta(after, before, 'sis_worker_batch_seconds_sum');
    const cpu = {
      worker: 1000 * delta(after, before, 'sis_worker_process_cpu_seconds_total'),
      gateway: 1000 * delta(gateway, gatewayBefore, 'sis_gateway_process_cpu_seconds_total'),
      clientAndS3: selfAfter - selfBefore,
      total: machineAfter.busyMs - machineBefore.busyMs,
    };
    const perImageCpu = (ms: number) => round(ms / settings.images, 1);
    return {
      batch: settings.batch,
      images: settings.images,
      seconds: round(result.seconds),
      imagesPerSec: round(settings.images / result.seconds),
      stagesMsPerImage: Object.fromEntries(STAGES.map((stage) => [stage, perImage('sis_worker_stage_seconds', { stage })])) as EndToEndRun['stagesMsPerImage'],
      modelMsPerImage: round((1000 * modelSeconds) / settings.images),
      cpuMsPerImage: {
        worker: perImageCpu(cpu.worker),
        gateway: perImageCpu(cpu.gateway),
        clientAndS3: perImageCpu(cpu.clientAndS3),
        rest: perImageCpu(cpu.total - cpu.worker - cpu.gateway - cpu.clientAndS3),
        total: perImageCpu(cpu.total),
      },
      machineBusy: round((machineAfter.busyMs - machineBefore.busyMs) / (machineAfter.totalMs - machineBefore.totalMs)),
      // prom-client resets its event-loop histogram at every scrape, so this covers the run alone.
      workerEventLoopDelayMs: { p99: round(1000 * metric(after, 'sis_worker_nodejs_eventloop_lag_p99_seconds'), 1), max: round(1000 * metric(after, 'sis_worker_nodejs_eventloop_lag_max_seconds'), 1) },
      workerGcMsPerImage: Object.fromEntries(GC_KINDS.map((kind) => [kind, round((1000 * delta(after, before, 'sis_worker_nodejs_gc_duration_seconds_sum', { kind })) / settings.images, 2)])) as EndToEndRun['workerGcMsPerImage'],
      workerPeakRssMb: round(metric(after, 'sis_worker_process_max_rss_bytes') / 2 ** 20, 0),
      gatewayPeakRssMb: round(metric(gateway, 'sis_gateway_process_max_rss_bytes') / 2 ** 20, 0),
    };
  } finally {
    await services.stop();
  }
}

export interface WorkersRun {
  workers: number;
  imagesPerSec: number;
  /** imagesPerSec / the one-worker run's. */
  vsOneWorker: number;
}

/**
 * End-to-end ingest with 1, 2, … workers, each run as `sis up --replicas` runs them (haproxy in
 * front of the gateway, every worker with `threads` model threads), side by side on fresh
 * databases: whether more worker processes help on this machine, or cost.
 */
export async function workerScaling(system: BenchSystem, photos: string, settings: { model: string; threads: number; images: number; workers: readonly number[] }): Promise<WorkersRun[]> {
  const runs: WorkersRun[] = [];
  for (const workers of settings.workers) {
    const services = await system.services(
      await system.database(`ingest_w${workers}_${Date.now()}`),
      { CLIP_MODEL: settings.model, ALLOW_REMOTE_MODELS: 'false', CLIP_THREADS: String(settings.threads), EMBED_BATCH: '8' },
      { gateway: 1, search: 1, worker: workers },
    );
    try {
      const result = await ingest({ source: photos, client: createApiClient({ url: services.url, key: BENCH_ADMIN_TOKEN }), progress: linesView(() => undefined), label: `bench ${workers} workers` });
      if (result.counts.ready !== settings.images) throw new Error(`expected ${settings.images} images ready with ${workers} workers, got ${JSON.stringify(result.counts)}`);
      const imagesPerSec = round(settings.images / result.seconds);
      runs.push({ workers, imagesPerSec, vsOneWorker: round(imagesPerSec / (runs[0]?.imagesPerSec ?? imagesPerSec)) });
    } finally {
      await services.stop();
    }
  }
  return runs;
}
