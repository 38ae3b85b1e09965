import { MultiBar, Presets } from 'cli-progress';

/** Where an ingest stands; the numbers only grow. */
export interface IngestCounts {
  /** Files looked at so far, and whether the walk has finished. */
  found: number;
  walked: boolean;
  images: number;
  skipped: number;
  uploaded: number;
  duplicates: number;
  /** Images the server queued for embedding in this run. */
  queued: number;
  ready: number;
  failed: number;
}

export interface ProgressView {
  /** Shows the counts, and while the run is held up by an outage, what it is waiting for. */
  update(counts: IngestCounts, waiting?: string): void;
  stop(counts: IngestCounts): void;
}

const rate = (count: number, since: number) => (count / Math.max(0.001, (performance.now() - since) / 1000)).toFixed(1);

/**
 * Two live bars, uploaded and embedded, with rate and ETA (cli-progress). The totals grow while
 * the walk is still finding files.
 */
export function barsView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  const started = performance.now();
  const bars = new MultiBar(
    { stream, format: ' {label} |{bar}| {value}/{total} | {speed}/s | ETA {eta_formatted}{note}', hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 },
    Presets.shades_classic,
  );
  const uploaded = bars.create(1, 0, { label: 'uploaded', speed: '0.0', note: '' });
  const embedded = bars.create(1, 0, { label: 'embedded', speed: '0.0', note: '' });
  return {
    update(c, waiting) {
      uploaded.setTotal(Math.max(1, c.images - c.duplicates));
      uploaded.update(c.uploaded, { label: 'uploaded', speed: rate(c.uploaded, started), note: waiting ? ` | ${waiting}` : '' });
      embedded.setTotal(Math.max(1, c.queued));
      embedded.update(c.ready + c.failed, { label: 'embedded', speed: rate(c.ready + c.failed, started), note: '' });
    },
    stop(c) {
      this.update(c);
      bars.stop();
    },
  };
}

/** A plain line every few seconds, for logs and pipes where bars would be noise. */
export function linesView(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`), everyMs = 2000): ProgressView {
  const started = performance.now();
  let last = -Infinity;
  let wasWaiting = false;
  const line = (c: IngestCounts, waiting?: string) =>
    `found ${c.found}${c.walked ? '' : '+'} · uploaded ${c.uploaded}/${c.images - c.duplicates} (${rate(c.uploaded, started)}/s) · embedded ${c.ready + c.failed}/${c.queued} (${rate(c.ready + c.failed, started)}/s)${waiting ? ` · ${waiting}` : ''}`;
  return {
    update(c, waiting) {
      // The start of an outage is told at once: the counts stand still until it ends, and a log
      // that stopped without a word would look like a hang.
      const startsWaiting = waiting !== undefined && !wasWaiting;
      wasWaiting = waiting !== undefined;
      if (!startsWaiting && performance.now() - last < everyMs) return;
      last = performance.now();
      write(line(c, waiting));
    },
    stop(c) {
      write(line(c));
    },
  };
}
