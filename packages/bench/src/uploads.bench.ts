import sharp from 'sharp';
import { BENCH_ADMIN_TOKEN, metric, scrape, type BenchSystem } from './system.js';
import { round } from './stats.js';

/** The tryout that found gateways holding every multipart upload at once: 10 × 49 MB together. */
export const DIRECT_UPLOADS = { concurrent: 10, fileMb: 49 } as const;

export interface DirectUploadRun {
  memoryBudgetMb: number;
  accepted: number;
  /** Answered 503 upload_capacity: the client would retry after Retry-After. */
  refused: number;
  idleRssMb: number;
  peakRssMb: number;
}

/**
 * Sends {@link DIRECT_UPLOADS} multipart uploads at once to a fresh gateway whose memory budget
 * for received files is `budgetBytes`, and reads the gateway's peak RSS.
 */
export async function directUploads(system: BenchSystem, budgetBytes: number, model: string): Promise<DirectUploadRun> {
  const services = await system.services(await system.database(`uploads_${Date.now()}`), {
    CLIP_MODEL: model,
    ALLOW_REMOTE_MODELS: 'false',
    MAX_UPLOAD_BYTES: String(50 * 1024 * 1024),
    DIRECT_UPLOAD_MEMORY_BYTES: String(budgetBytes),
    // Only the gateway is measured: the worker leaves the queued images alone.
    WORKER_CONCURRENCY: '1',
  });
  try {
    const idle = metric(await scrape(services.url), 'sis_gateway_process_max_rss_bytes');
    // A real JPEG header (what the gateway inspects) padded to size: decoders stop at its end marker.
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#c04020' } }).jpeg().toBuffer();
    const file = Buffer.concat([jpeg, Buffer.alloc(DIRECT_UPLOADS.fileMb * 1024 * 1024 - jpeg.length)]);
    const statuses = await Promise.all(
      Array.from({ length: DIRECT_UPLOADS.concurrent }, async (_, i) => {
        const form = new FormData();
        form.append('file', new Blob([file], { type: 'image/jpeg' }), `big-${i}.jpg`);
        const response = await fetch(`${services.url}/v1/images`, { method: 'POST', headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` }, body: form });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const peak = metric(await scrape(services.url), 'sis_gateway_process_max_rss_bytes');
    const unexpected = statuses.filter((s) => s !== 202 && s !== 503);
    if (unexpected.length) throw new Error(`direct uploads answered ${unexpected.join(', ')}`);
    return {
      memoryBudgetMb: round(budgetBytes / 2 ** 20, 0),
      accepted: statuses.filter((s) => s === 202).length,
      refused: statuses.filter((s) => s === 503).length,
      idleRssMb: round(idle / 2 ** 20, 0),
      peakRssMb: round(peak / 2 ** 20, 0),
    };
  } finally {
    await services.stop();
  }
}
