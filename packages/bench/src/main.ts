#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import { cpus, homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ClipModel, DEFAULT_MAX_PIXELS, runtimeVersions } from '@sis/clip';
import { ensureVitB32Random } from '@sis/clip/fixtures';
import { settingsSchema } from '@sis/config';
import { createDatabase, describeServer } from '@sis/db';
import { Command, InvalidArgumentError } from 'commander';
import { latencyChart } from './chart.js';
import { benchRelevance } from './relevance.bench.js';
import { bareModelRun, endToEnd, makePhotos, meanRun, workerScaling, workerStageCpu, type BareRun, type EndToEndRun } from './ingest.bench.js';
import { benchSwitch } from './switch.bench.js';
import { benchModelShapes } from './models.bench.js';
import { benchPreprocessing } from './preprocess.bench.js';
import { benchQueryEncoding } from './query.bench.js';
import { evaluateTargets, formatTable, type BenchResults } from './report.js';
import { benchSearchSize, SERVICE_EF_SEARCH, SIZE_LABELS } from './search.bench.js';
import { round } from './stats.js';
import { BenchSystem } from './system.js';
import { DIRECT_UPLOADS, directUploads } from './uploads.bench.js';

const BATCHES = [1, 8, 32];

interface Options {
  sizes: string[];
  images: number;
  jsonOnly?: boolean;
  sections: string[];
  threads: number;
  out: string;
}

const list = (allowed: readonly string[]) => (value: string) => {
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = items.filter((i) => !allowed.includes(i));
  if (unknown.length) throw new InvalidArgumentError(`unknown: ${unknown.join(', ')}; choose from ${allowed.join(', ')}`);
  return items;
};

const program = new Command('bench')
  .description('Measures ingestion, query encoding and search side by side on this machine, and checks them against their targets.')
  .option('--sizes <list>', `collection sizes for search (${Object.keys(SIZE_LABELS).join(',')})`, list(Object.keys(SIZE_LABELS)), ['10k'])
  .option('--images <n>', 'photos for the end-to-end ingest run', (v) => Number(v), 500)
  .option('--sections <list>', 'what to measure', list(['preprocess', 'models', 'ingest', 'workers', 'switch', 'query', 'relevance', 'search', 'uploads']), ['preprocess', 'models', 'ingest', 'workers', 'switch', 'query', 'relevance', 'search', 'uploads'])
  .option('--threads <n>', 'onnxruntime threads, the same for every measurement', (v) => Number(v), Math.max(1, cpus().length))
  .option('--out <prefix>', 'where to write <prefix>.json and <prefix>.svg', 'bench-results')
  .option('--json-only', 'print the results as JSON instead of a table');
// `pnpm bench -- --sizes 10k` hands the script a literal "--" first; what follows is still options.
const args = process.argv.slice(2);
program.parse(args[0] === '--' ? args.slice(1) : args, { from: 'user' });
const options = program.opts<Options>();
const say = (line: string) => !options.jsonOnly && process.stderr.write(`${line}\n`);

const modelCache = process.env.MODEL_CACHE_DIR ?? join(homedir(), '.cache', 'sis', 'models');
const modelDir = await ensureVitB32Random(modelCache);
say(`model: ${modelDir}`);
const system = await BenchSystem.start();
const runtime = runtimeVersions();
try {
  const results: Omit<BenchResults, 'targets'> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), platform: `${process.platform} ${process.arch}` },
    versions: { node: process.version, onnxruntime: runtime.onnxruntime, transformers: runtime.transformers, postgres: '', pgvector: null },
    settings: { model: 'vit-b-32-random (ViT-B/32 shapes, random weights, fp32)', threads: options.threads, embedBatch: 8, efSearch: SERVICE_EF_SEARCH },
    search: {},
    memory: {},
  };
  const server = createDatabase({ url: await system.database('bench_meta') });
  Object.assign(results.versions, await describeServer(server));
  await server.destroy();

  if (options.sections.includes('preprocess')) {
    say('preprocessing: CPU per image, current path and the alternatives…');
    results.preprocess = await benchPreprocessing();
  }

  if (options.sections.includes('models')) {
    say('model shapes: images/s and query ms for each family sis runs…');
    results.models = await benchModelShapes(modelCache, options.threads, say);
  }

  if (options.sections.includes('query')) {
    say('query encoding…');
    const text = await ClipModel.load({ model: modelDir, allowRemoteModels: false, threads: options.threads, towers: ['text'] });
    results.queryEncode = await benchQueryEncoding(text);
    await text.dispose();
  }

  if (options.sections.includes('ingest')) {
    say('ingest: the image tower alone…');
    const vision = await ClipModel.load({ model: modelDir, allowRemoteModels: false, threads: options.threads, towers: ['vision'] });
    const before: Record<number, BareRun> = {};
    for (const batch of BATCHES) before[batch] = await bareModelRun(vision, batch);
    const photos = await makePhotos(options.images);
    say('ingest: CPU of each step around the model…');
    const stageCpu = await workerStageCpu(photos, vision, { images: 100, maxPixels: DEFAULT_MAX_PIXELS });
    say(`ingest: ${options.images} photos end to end…`);
    const runs: EndToEndRun[] = [];
    // This machine's speed drifts by a fifth over minutes (it shares its host): the tower is timed
    // again right after each end-to-end run, and the ceiling is the mean of both sides.
    const bare: Record<number, BareRun> = {};
    for (const batch of [8, ...BATCHES.filter((b) => b !== 8)]) {
      say(`  EMBED_BATCH ${batch}`);
      runs.push(await endToEnd(system, photos, { model: modelDir, threads: options.threads, batch, images: options.images }));
      bare[batch] = meanRun(before[batch]!, await bareModelRun(vision, batch));
    }
    await vision.dispose();
    const main = runs[0]!;
    const ceiling = bare[8]!;
    results.ingest = {
      bareImagesPerSec: ceiling.imagesPerSec,
      e2eImagesPerSec: main.imagesPerSec,
      ratio: round(main.imagesPerSec / ceiling.imagesPerSec),
      stagesMsPerImage: main.stagesMsPerImage,
      modelMsPerImage: main.modelMsPerImage,
      modelCpuMsPerImage: ceiling.cpuMsPerImage,
      cpuMsPerImage: main.cpuMsPerImage,
      ratioCpuBound: round(ceiling.cpuMsPerImage / main.cpuMsPerImage.total),
      workerOverheadCpuMsPerImage: round(main.cpuMsPerImage.worker - ceiling.cpuMsPerImage, 1),
      stageCpuMsPerImage: stageCpu,
      workerServiceCpuMsPerImage: round(main.cpuMsPerImage.worker - ceiling.cpuMsPerImage - Object.values(stageCpu).reduce((sum, ms) => sum + ms, 0), 1),
      bareDrift: BATCHES.map((batch) => ({ batch, before: before[batch]!.imagesPerSec, mean: bare[batch]!.imagesPerSec })),
      byBatch: BATCHES.map((batch) => ({ batch, bareImagesPerSec: bare[batch]!.imagesPerSec, e2eImagesPerSec: runs.find((r) => r.batch === batch)!.imagesPerSec })),
      runs,
    };
    results.memory.workerPeakRssMb = Math.max(...runs.map((r) => r.workerPeakRssMb));
    results.memory.gatewayPeakRssMb = Math.max(...runs.map((r) => r.gatewayPeakRssMb));
  }

  if (options.sections.includes('workers')) {
    say(`workers: ${options.images} photos end to end with 1, 2 and 3 workers…`);
    results.workers = await workerScaling(system, await makePhotos(options.images), { model: modelDir, threads: options.threads, images: options.images, workers: [1, 2, 3] });
  }

  if (options.sections.includes('switch')) {
    const images = Math.min(options.images, 300);
    say(`switch: ${images} photos, then a second model filled in beside the first…`);
    const photos = await makePhotos(images);
    // The default batch, and the largest the memory target is set for.
    results.switch = [];
    for (const batch of [8, 32]) results.switch.push(await benchSwitch(system, photos, { model: modelDir, threads: options.threads, batch, images }));
    results.memory.workerPeakRssMb = Math.max(results.memory.workerPeakRssMb ?? 0, ...results.switch.map((run) => run.workerPeakRssTwoModelsMb));
  }

  if (options.sections.includes('relevance')) {
    say('relevance: one threshold for every query, raw and calibrated, on the judged fixture set…');
    results.relevance = await benchRelevance();
  }

  if (options.sections.includes('search')) {
    for (const label of options.sizes) {
      say(`search: ${label} vectors…`);
      results.search[label] = await benchSearchSize(system, label, { model: modelDir });
    }
    const peaks = Object.values(results.search).map((r) => r.searchPeakRssMb);
    if (peaks.length) results.memory.searchPeakRssMb = Math.max(...peaks);
  }

  if (options.sections.includes('uploads')) {
    say(`uploads: ${DIRECT_UPLOADS.concurrent} × ${DIRECT_UPLOADS.fileMb} MB multipart at once, with and without the memory budget…`);
    // The default budget, side by side with one large enough to take every file at once.
    const defaultBudget = settingsSchema.shape.DIRECT_UPLOAD_MEMORY_BYTES.parse(undefined);
    results.directUploads = { capped: await directUploads(system, defaultBudget, modelDir), uncapped: await directUploads(system, 2 * 2 ** 30, modelDir) };
  }

  const final: BenchResults = { ...results, targets: evaluateTargets(results) };
  await writeFile(`${options.out}.json`, `${JSON.stringify(final, null, 2)}\n`);
  const measured = Object.values(final.search);
  if (measured.length) await writeFile(`${options.out}.svg`, latencyChart(measured));
  if (options.jsonOnly) console.log(JSON.stringify(final, null, 2));
  else console.log(`${formatTable(final)}\n\nwrote ${options.out}.json${measured.length ? ` and ${options.out}.svg` : ''}`);
} finally {
  await system.stop();
}
