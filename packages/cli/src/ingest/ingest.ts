import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import pLimit from 'p-limit';
import { AbortError } from 'p-retry';
import type { ApiError } from '../api-error.js';
import { networkReason, unwrap, type ApiClient } from '../client.js';
import { inspectFile, type ImageFile } from './inspect-file.js';
import { retryThroughOutages, type OutageOptions } from './outages.js';
import type { IngestCounts, ProgressView } from './progress.js';
import { walkSource, type SourceEntry } from './walk.js';

/** Most images one presign call takes: the server's batch limit. */
export const MAX_BATCH = 500;
/** Batches presigned and uploading at once; bounds memory whatever the source's size. */
const BATCHES_IN_FLIGHT = 2;
const POLL_MS = 1000;

export interface IngestOptions {
  source: string;
  /** The folder a relative `source` is read from. @defaultValue process.cwd() */
  cwd?: string;
  client: ApiClient;
  /** Files read and uploaded at once. @defaultValue 8 */
  concurrency?: number;
  /** Images per presign call, 1 to 500. @defaultValue 500 */
  batchSize?: number;
  /** Follow embedding until every image is ready or failed. @defaultValue true */
  wait?: boolean;
  /** Read and check files, upload nothing. */
  dryRun?: boolean;
  /** Shown on the dashboard for this run's batches. */
  label?: string;
  progress: ProgressView;
  /** Stops the run (Ctrl-C): no new files, uploads in flight abandoned. */
  signal?: AbortSignal;
}

/** A file that did not make it, and why. */
export interface IngestFailure {
  path: string;
  stage: 'read' | 'presign' | 'upload' | 'complete' | 'embed';
  reason: string;
  imageId?: string;
}

export interface IngestResult {
  counts: IngestCounts;
  failures: IngestFailure[];
  interrupted: boolean;
  seconds: number;
}

/**
 * Bulk ingestion: walk the source as a stream, keep the images (recognised by their bytes),
 * presign them in batches with their SHA-256 (so the server skips what it already holds and a
 * re-run resumes), PUT them straight to storage with bounded concurrency, complete each batch,
 * then follow the batches until every image is embedded. Outages of the server or of storage are
 * waited out, saying so on the progress line, rather than failing the files they hold up.
 */
export async function ingest(options: IngestOptions): Promise<IngestResult> {
  const { client, progress, signal } = options;
  const batchSize = Math.min(Math.max(1, options.batchSize ?? MAX_BATCH), MAX_BATCH);
  const limit = pLimit(options.concurrency ?? 8);
  const started = performance.now();
  const counts: IngestCounts = { found: 0, walked: false, images: 0, skipped: 0, uploaded: 0, duplicates: 0, queued: 0, ready: 0, failed: 0 };
  // One failure per image (per file, before it has an image): a stage that finds an image lost
  // already, or asks about it twice, cannot count it again. The first stage to lose it says why.
  const failures = new Map<string, IngestFailure>();
  const fail = (failure: IngestFailure) => {
    const key = failure.imageId ?? failure.path;
    if (!failures.has(key)) failures.set(key, failure);
  };
  const batches = new Map<string, { ready: number; failed: number; settled: boolean }>();
  const inFlight = new Set<Promise<void>>();
  // Hashes of batches being presigned and uploaded right now. The server skips what it holds,
  // but while a batch is in flight its files are only pending there, and a second batch naming
  // the same bytes would be handed the same upload again.
  const hashesInFlight = new Set<string>();
  let waiting: string | undefined;
  const tick = () => progress.update(counts, waiting);
  const outages: OutageOptions = {
    signal,
    onWait: (status) => {
      waiting = status;
      tick();
    },
  };
  /** Calls the API, waiting out the server's outages; any other refusal fails at once. */
  const api = <T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>) =>
    retryThroughOutages('the server', () => unwrap(request()).catch((error: ApiError) => Promise.reject(error.transient ? error : new AbortError(error))), outages);
  /** For the calls Ctrl-C cuts short: their failure then is the interruption, not a problem. */
  const unlessInterrupted = (error: unknown) => {
    if (!signal?.aborted) throw error;
  };

  // Set when the walk ends for any reason, so the follower never outlives a failed walk.
  let walkEnded = false;
  const follower = options.dryRun ? undefined : follow();
  // Awaited once the walk is done; until then, this keeps an early failure from counting as unhandled.
  follower?.catch(() => undefined);

  let chunk: SourceEntry[] = [];
  const flush = async () => {
    const entries = chunk;
    chunk = [];
    const inspected = await Promise.all(entries.map((entry) => limit(async () => [entry, await inspectFile(entry)] as const)));
    const images: ImageFile[] = [];
    for (const [entry, result] of inspected) {
      if ('image' in result) images.push(result.image);
      else if ('skipped' in result) counts.skipped++;
      else fail({ path: entry.path, stage: 'read', reason: result.problem });
    }
    counts.images += images.length;
    tick();
    if (options.dryRun || images.length === 0) return;
    while (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
    const fresh = images.filter((image) => !hashesInFlight.has(image.sha256));
    counts.duplicates += images.length - fresh.length;
    const hashes = fresh.map((image) => image.sha256);
    for (const hash of hashes) hashesInFlight.add(hash);
    const work = sendBatch(fresh).finally(() => {
      for (const hash of hashes) hashesInFlight.delete(hash);
      inFlight.delete(work);
    });
    inFlight.add(work);
  };

  try {
    for await (const entry of walkSource(options.source, options.cwd)) {
      if (signal?.aborted) break;
      counts.found++;
      chunk.push(entry);
      if (chunk.length >= batchSize) await flush();
    }
    if (chunk.length && !signal?.aborted) await flush();
    counts.walked = true;
    await Promise.all(inFlight);
  } finally {
    walkEnded = true;
    await follower;
    progress.stop(counts);
  }
  if (!signal?.aborted && options.wait !== false) await collectEmbedFailures().catch(unlessInterrupted);
  return { counts, failures: [...failures.values()], interrupted: Boolean(signal?.aborted), seconds: (performance.now() - started) / 1000 };

  async function sendBatch(images: ImageFile[]): Promise<void> {
    if (images.length === 0) return;
    let presigned;
    try {
      presigned = await api(() =>
        client.POST('/v1/uploads/batch', {
          body: {
            ...(options.label ? { label: options.label } : {}),
            items: images.map((f) => ({ filename: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256, ...(f.metadata ? { metadata: f.metadata } : {}) })),
          },
        }),
      );
    } catch (error) {
      if (!signal?.aborted) for (const f of images) fail({ path: f.path, stage: 'presign', reason: (error as Error).message });
      return;
    }
    batches.set(presigned.batch.id, { ready: 0, failed: 0, settled: false });
    const uploads = presigned.items.flatMap((item) => {
      const file = images[item.index]!;
      if (!item.ok) {
        fail({ path: file.path, stage: 'presign', reason: item.error.message });
        return [];
      }
      if (!item.upload) {
        // Already on the server; one that failed before is reported again, not uploaded again.
        if (item.image.status === 'failed') fail({ path: file.path, stage: 'embed', reason: item.image.error ?? 'failed', imageId: item.image.id });
        else counts.duplicates++;
        return [];
      }
      return [{ file, imageId: item.image.id, upload: item.upload }];
    });
    tick();
    await Promise.all(
      uploads.map(({ file, imageId, upload }) =>
        limit(async () => {
          if (signal?.aborted) return;
          try {
            await retryThroughOutages('storage', () => put(file, upload), outages);
            counts.uploaded++;
            tick();
          } catch (error) {
            if (!signal?.aborted) fail({ path: file.path, stage: 'upload', reason: (error as Error).message, imageId });
          }
        }),
      ),
    );
    if (signal?.aborted) return;
    const batchId = presigned.batch.id;
    let completed;
    try {
      completed = await api(() => client.POST('/v1/batches/{id}/complete', { params: { path: { id: batchId } } }));
    } catch (error) {
      if (!signal?.aborted) for (const u of uploads) fail({ path: u.file.path, stage: 'complete', reason: (error as Error).message, imageId: u.imageId });
      return;
    }
    const byId = new Map(uploads.map((u) => [u.imageId, u.file.path]));
    for (const missing of completed.missing) {
      const path = byId.get(missing.id);
      if (path) fail({ path, stage: 'complete', reason: missing.error.message, imageId: missing.id });
    }
    // A call that went through after a retry finds queued what an interrupted earlier one queued.
    counts.queued += completed.queued + completed.alreadyCompleted;
    tick();
  }

  /** One try at an upload: an `AbortError` for what waiting cannot mend, a plain `Error` for what it may. */
  async function put(file: ImageFile, upload: { url: string; headers: Record<string, string> }): Promise<void> {
    // Checked first, so a file gone since it was read fails at once instead of being waited on
    // like storage that does not answer.
    await access(file.path, constants.R_OK).catch((error: Error) => Promise.reject(new AbortError(`cannot read: ${error.message}`)));
    let response: Response;
    try {
      response = await fetch(upload.url, {
        method: 'PUT',
        headers: upload.headers,
        // A stream body: the file is never held in memory. Content-Length comes from the signed headers.
        body: createReadStream(file.path) as unknown as ReadableStream,
        duplex: 'half',
        signal,
      } as RequestInit);
      await response.arrayBuffer();
    } catch (error) {
      if (signal?.aborted) throw error;
      // A plain Error: p-retry gives up at once on a TypeError it does not recognise as a network one.
      throw new Error(networkReason(error));
    }
    // Storage refusing the request (a bad signature, an expired URL) will not change on retry.
    if (response.status >= 400 && response.status < 500) throw new AbortError(`storage answered ${response.status}`);
    if (!response.ok) throw new Error(`storage answered ${response.status}`);
  }

  /** Polls this run's batches until the walk is done and every queued image is ready or failed. */
  async function follow(): Promise<void> {
    for (;;) {
      if (signal?.aborted || (walkEnded && !counts.walked)) return;
      const open = [...batches.entries()].filter(([, b]) => !b.settled);
      await Promise.all(
        open.map(([id, state]) =>
          limit(async () => {
            const batch = await api(() => client.GET('/v1/batches/{id}', { params: { path: { id } } }));
            counts.ready += batch.counts.ready - state.ready;
            counts.failed += batch.counts.failed - state.failed;
            state.ready = batch.counts.ready;
            state.failed = batch.counts.failed;
            state.settled = counts.walked && inFlight.size === 0 && batch.counts.queued + batch.counts.processing === 0;
          }),
        ),
      ).catch(unlessInterrupted);
      tick();
      const uploadsDone = counts.walked && inFlight.size === 0;
      if (uploadsDone && (options.wait === false || [...batches.values()].every((b) => b.settled))) return;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** The reason each image the worker refused was refused, from the server. */
  async function collectEmbedFailures(): Promise<void> {
    for (const [id, state] of batches) {
      if (state.failed === 0) continue;
      let cursor: string | undefined;
      do {
        const page = await api(() => client.GET('/v1/images', { params: { query: { batchId: id, status: 'failed', limit: 200, ...(cursor ? { cursor } : {}) } } }));
        for (const image of page.items) fail({ path: image.filename ?? image.id, stage: 'embed', reason: image.error ?? 'failed', imageId: image.id });
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
  }
}
