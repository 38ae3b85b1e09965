import type { CpuStage, EndToEndRun, WorkersRun } from './ingest.bench.js';
import type { ModelShapeRun } from './models.bench.js';
import type { PreprocessRun } from './preprocess.bench.js';
import type { QueryEncodeResult } from './query.bench.js';
import type { SearchSizeResult } from './search.bench.js';
import type { RelevanceRun } from './relevance.bench.js';
import type { SwitchRun } from './switch.bench.js';
import { round } from './stats.js';
import type { DirectUploadRun } from './uploads.bench.js';

export interface BenchResults {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; platform: string };
  versions: { node: string; onnxruntime: string; transformers: string; postgres: string; pgvector: string | null };
  settings: { model: string; threads: number; embedBatch: number; efSearch: number };
  /** CPU ms per image to make the model's input and the preview, by way of doing it (`--sections preprocess`). */
  preprocess?: PreprocessRun[];
  /** Images/s and query ms by model shape (`--sections models`). */
  models?: ModelShapeRun[];
  ingest?: {
    bareImagesPerSec: number;
    e2eImagesPerSec: number;
    ratio: number;
    stagesMsPerImage: EndToEndRun['stagesMsPerImage'];
    modelMsPerImage: number;
    /** CPU time the image tower alone spends per image (from the bare run). */
    modelCpuMsPerImage: number;
    /** CPU time per image on the whole machine during the end-to-end run, by process. */
    cpuMsPerImage: EndToEndRun['cpuMsPerImage'];
    /**
     * The ratio this machine allows when every core is busy in both runs: the model's share of
     * all the CPU time an image costs end to end.
     */
    ratioCpuBound: number;
    /** The worker's CPU per image minus the model's (`modelCpuMsPerImage`): what it spends around the model. */
    workerOverheadCpuMsPerImage: number;
    /** CPU ms per image of each step around the model, measured one image at a time without contention. */
    stageCpuMsPerImage: Record<CpuStage, number>;
    /**
     * The rest of the worker's overhead, in none of those steps: storage and database clients,
     * the queue, garbage collection, and what contention adds to every step.
     */
    workerServiceCpuMsPerImage: number;
    /** The bare tower's images/s before the end-to-end runs, and the mean of before and right after the run at that batch size. */
    bareDrift: { batch: number; before: number; mean: number }[];
    byBatch: { batch: number; bareImagesPerSec: number; e2eImagesPerSec: number }[];
    runs: EndToEndRun[];
  };
  /** End-to-end ingest by number of worker processes (`--sections workers`). */
  workers?: WorkersRun[];
  /** Re-embedding a library with a second model, and the worker's memory with both (`--sections switch`). */
  switch?: SwitchRun[];
  /** One threshold for every query, raw and calibrated, on the judged fixture set (`--sections relevance`). */
  relevance?: RelevanceRun[];
  queryEncode?: QueryEncodeResult;
  search: Record<string, SearchSizeResult>;
  memory: { workerPeakRssMb?: number; gatewayPeakRssMb?: number; searchPeakRssMb?: number };
  /** Many large multipart uploads at once, with the default memory budget and without one. */
  directUploads?: { capped: DirectUploadRun; uncapped: DirectUploadRun };
  targets: Target[];
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** The issue's targets, each met or not with its measured value; null where not measured. */
export function evaluateTargets(results: Omit<BenchResults, 'targets'>): Target[] {
  const big = results.search['1m'];
  const targets: Target[] = [];
  const add = (name: string, target: string, measured: number | undefined, met: (v: number) => boolean, unit = '') =>
    targets.push({ name, target, measured: measured === undefined ? 'not measured' : `${measured}${unit}`, met: measured === undefined ? null : met(measured) });
  add('ingest ratio (e2e / bare)', '≥ 0.70', results.ingest?.ratio, (v) => v >= 0.7);
  add('ingest ratioCpuBound', '≥ 0.75', results.ingest?.ratioCpuBound, (v) => v >= 0.75);
  add('worker CPU outside the model', '≤ 15 ms', results.ingest?.workerOverheadCpuMsPerImage, (v) => v <= 15, ' ms');
  add('1M e2eP50Ms − sqlP50Ms', '≤ 5 ms', big ? Math.round((big.e2eP50Ms - big.sqlP50Ms) * 100) / 100 : undefined, (v) => v <= 5, ' ms');
  add('1M recallAt10', '≥ 0.95', big?.recallAt10, (v) => v >= 0.95);
  add('1M exactP50Ms / e2eP50Ms', '≥ 100', big ? Math.round(big.exactP50Ms / big.e2eP50Ms) : undefined, (v) => v >= 100);
  const mid = results.search['100k'];
  const filteredRuns = mid?.filtered ? Object.values(mid.filtered) : [];
  add('100k filtered p50 / e2e p50 (worst)', '≤ 2', filteredRuns.length ? round(Math.max(...filteredRuns.map((f) => f.e2eP50Ms)) / mid!.e2eP50Ms) : undefined, (v) => v <= 2);
  add('100k filtered recallAt10 (worst)', '≥ 0.95', filteredRuns.length ? Math.min(...filteredRuns.map((f) => f.recallAt10)) : undefined, (v) => v >= 0.95);
  add('100k requestsPerSec / sqlRequestsPerSec', '≥ 0.6', mid?.sqlRequestsPerSec ? round(mid.requestsPerSec / mid.sqlRequestsPerSec) : undefined, (v) => v >= 0.6);
  for (const label of ['10k', '100k']) {
    const r = results.search[label];
    add(`${label} e2eP99Ms / e2eP50Ms`, '≤ 2', r ? round(r.e2eP99Ms / r.e2eP50Ms) : undefined, (v) => v <= 2);
  }
  add('cachedP50Ms', '≤ 1 ms', results.queryEncode?.cachedP50Ms, (v) => v <= 1, ' ms');
  add('worker peak RSS', '≤ 1536 MB', results.memory.workerPeakRssMb, (v) => v <= 1536, ' MB');
  add('gateway RSS, 10×49 MB forms', '< 300 MB', results.directUploads?.capped.peakRssMb, (v) => v < 300, ' MB');
  return targets;
}

/** The report as a readable table. */
export function formatTable(results: BenchResults): string {
  const lines: string[] = [];
  // Columns of 30 and 14 characters; a longer cell still gets a space before the next.
  const row = (...cells: (string | number)[]) => lines.push(cells.map((c, i) => `${String(c).padEnd((i === 0 ? 30 : 14) - 1)} `).join(''));
  lines.push(`sis benchmarks — ${results.date} — ${results.machine.cpus} × ${results.machine.cpuModel}, ${results.machine.memoryGb} GB`);
  lines.push(`node ${results.versions.node}, onnxruntime ${results.versions.onnxruntime}, PostgreSQL ${results.versions.postgres}, pgvector ${results.versions.pgvector}; model ${results.settings.model}, ${results.settings.threads} threads`);
  if (results.preprocess) {
    lines.push('', 'preprocessing (CPU ms per image: model input + preview)');
    row('  input', 'current', 'preview first', 'Pillow in JS');
    for (const p of results.preprocess) row(`  ${p.input}`, p.current, p.previewThenModel, p.pillowInJs);
  }
  if (results.models) {
    lines.push('', 'model shapes (random weights; image tower at batch 8, uncached queries)');
    row('  shape', 'images/s', 'query p50 ms', 'dimension');
    for (const m of results.models) row(`  ${m.shape}`, m.imagesPerSec ?? '-', m.queryP50Ms, m.dimension);
  }
  if (results.ingest) {
    const i = results.ingest;
    lines.push('', 'ingest');
    row('  bare image tower', `${i.bareImagesPerSec}/s`, 'mean of before and after the run');
    row('  end to end', `${i.e2eImagesPerSec}/s`, `ratio ${i.ratio}`);
    row('  ms/image by stage', Object.entries(i.stagesMsPerImage).map(([k, v]) => `${k} ${v}`).join(', '));
    row('  model ms/image', i.modelMsPerImage);
    row('  CPU ms/image', Object.entries(i.cpuMsPerImage).map(([k, v]) => `${k} ${v}`).join(', '));
    row('  ratio CPU allows', i.ratioCpuBound, `model ${i.modelCpuMsPerImage} CPU ms/image`);
    row('  worker CPU outside model', `${i.workerOverheadCpuMsPerImage} ms`, `steps ${Object.entries(i.stageCpuMsPerImage).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    row('  … in none of those steps', `${i.workerServiceCpuMsPerImage} ms`, 'storage, database, queue, GC, contention');
    const { workerGcMsPerImage: gc, workerEventLoopDelayMs: stall } = i.runs[0]!;
    row('  … of which GC pauses', `${round(Object.values(gc).reduce((sum, ms) => sum + ms, 0), 2)} ms`, Object.entries(gc).map(([k, v]) => `${k} ${v}`).join(', '));
    row('  worker event loop stalled', `p99 ${stall.p99} ms`, `max ${stall.max} ms`);
    for (const b of i.byBatch) row(`  EMBED_BATCH ${b.batch}`, `bare ${b.bareImagesPerSec}/s`, `e2e ${b.e2eImagesPerSec}/s`);
  }
  if (results.workers) {
    lines.push('', 'workers (end to end, haproxy in front)');
    for (const w of results.workers) row(`  ${w.workers} worker${w.workers > 1 ? 's' : ''}`, `${w.imagesPerSec}/s`, `× ${w.vsOneWorker}`);
  }
  if (results.relevance) {
    lines.push('', 'relevance: the best F1 of one threshold for every query (words, two colours, photos)');
    row('  model', 'raw score', 'relevance', 'words raw/rel', 'two colours raw/rel', 'photo raw/rel');
    for (const r of results.relevance) {
      const kind = (k: keyof RelevanceRun['byKind']) => `${r.byKind[k].rawF1} / ${r.byKind[k].relevanceF1}`;
      row(`  ${r.model}`, `${r.raw.f1} at ${r.raw.threshold}`, `${r.relevance.f1} at ${r.relevance.threshold}`, kind('words'), kind('two colours'), kind('photo'));
    }
  }
  if (results.switch) {
    lines.push('', `switching models (${results.switch[0]?.images} images, a second ViT-B/32 beside the first)`);
    row('  EMBED_BATCH', 're-embed/s', 'h per 100k', 'POST→switch s', 'RSS 1 model', 'RSS 2 models');
    for (const w of results.switch) row(`  ${w.batch}`, w.reembedImagesPerSec, w.hoursPer100k, w.secondsToSwitch, `${w.workerPeakRssOneModelMb} MB`, `${w.workerPeakRssTwoModelsMb} MB`);
  }
  if (results.queryEncode) {
    const q = results.queryEncode;
    lines.push('', 'query encoding');
    row('  text tower p50 / p99', `${q.p50Ms} ms`, `${q.p99Ms} ms`);
    row('  cached p50', `${q.cachedP50Ms} ms`);
  }
  const sizes = Object.entries(results.search);
  if (sizes.length) {
    lines.push('', 'search');
    row('  size', ...sizes.map(([label]) => label));
    const fields: Exclude<keyof typeof sizes[number][1], 'modes' | 'photoTowerP50Ms' | 'filtered'>[] = ['loadSeconds', 'indexBuildSeconds', 'indexSizeMb', 'tableSizeMb', 'exactP50Ms', 'sqlP50Ms', 'sqlP99Ms', 'vectorSqlP50Ms', 'e2eP50Ms', 'e2eP99Ms', 'e2eColdP99Ms', 'recallAt10', 'requestsPerSec', 'sqlRequestsPerSec', 'filteredP50Ms', 'filteredExactP50Ms', 'filteredRecallAt10'];
    for (const field of fields) row(`  ${field}`, ...sizes.map(([, r]) => r[field] ?? '-'));
    for (const selectivity of ['0.1%', '1%', '10%', '50%'] as const) {
      row(`  filtered ${selectivity} p50/p99 recall`, ...sizes.map(([, r]) => {
        const f = r.filtered?.[selectivity];
        return f ? `${f.e2eP50Ms}/${f.e2eP99Ms} ${f.recallAt10} ${f.kind} ${f.strategy}` : '-';
      }));
    }
    for (const kind of ['semantic', 'combined', 'hybrid', 'text', 'photo', 'photoRemembered', 'page5', 'hybridPage2'] as const) row(`  ${kind} e2e p50 / p99 ms`, ...sizes.map(([, r]) => (r.modes?.[kind] ? `${r.modes[kind].p50Ms} / ${r.modes[kind].p99Ms}` : '-')));
    row('  image tower alone p50 ms', ...sizes.map(([, r]) => r.photoTowerP50Ms ?? '-'));
  }
  lines.push('', 'memory (peak RSS, MB)');
  row('  worker / gateway / search', results.memory.workerPeakRssMb ?? '-', results.memory.gatewayPeakRssMb ?? '-', results.memory.searchPeakRssMb ?? '-');
  if (results.directUploads) {
    const { capped, uncapped } = results.directUploads;
    lines.push('', 'direct uploads (10 × 49 MB multipart at once)');
    row('  memory budget', `${capped.memoryBudgetMb} MB`, `${uncapped.memoryBudgetMb} MB`);
    row('  accepted / refused (503)', `${capped.accepted} / ${capped.refused}`, `${uncapped.accepted} / ${uncapped.refused}`);
    row('  gateway RSS idle → peak', `${capped.idleRssMb} → ${capped.peakRssMb} MB`, `${uncapped.idleRssMb} → ${uncapped.peakRssMb} MB`);
    row('  peak, budget / none', round(capped.peakRssMb / uncapped.peakRssMb));
  }
  lines.push('', 'targets');
  for (const t of results.targets) row(`  ${t.name}`, t.target, t.measured, t.met === null ? '—' : t.met ? 'met' : 'NOT MET');
  return lines.join('\n');
}
