import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { callerDir, callerPath } from '../caller.js';
import { EXIT } from '../cli-error.js';
import { ingest, MAX_BATCH } from '../ingest/ingest.js';
import { barsView, linesView } from '../ingest/progress.js';
import type { ApiClient } from '../client.js';

function whole(min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

interface IngestCommandOptions {
  concurrency: number;
  batchSize: number;
  wait: boolean;
  dryRun?: boolean;
  label?: string;
  report: string;
}

export function ingestCommand(client: () => ApiClient): Command {
  return new Command('ingest')
    .summary('upload a folder, glob or manifest of images, resumably')
    .description(
      'Walks <source> (a folder, a glob such as "photos/**/*.jpg", or a manifest.jsonl of {"path": …, …metadata} lines) ' +
        'without listing it in memory, keeps files whose bytes are images, and uploads them straight to storage in ' +
        'batches. Each file is sent with its SHA-256, so files the server already has are skipped: run the same ' +
        'command again after Ctrl-C and it resumes. Metadata can come from a sidecar photo.jpg.json. ' +
        'While the server or storage is away it waits, saying so, and carries on when they are back. ' +
        'Relative paths are read from the folder sis was called from (INIT_CWD under pnpm). ' +
        'Exit code: 0 all ingested, 1 some failed, 2 usage or configuration error.',
    )
    .argument('<source>', 'folder, glob or manifest.jsonl')
    .option('--concurrency <n>', 'files read and uploaded at once', whole(1, 64), 8)
    .option('--batch-size <n>', `images per presign call (at most ${MAX_BATCH})`, whole(1, MAX_BATCH), MAX_BATCH)
    .option('--no-wait', 'return once uploaded, without following the embedding')
    .option('--dry-run', 'read and check the files, upload nothing')
    .option('--label <text>', 'a label for this run, shown on the dashboard')
    .option('--report <file>', 'where to write the failures as JSON', 'sis-ingest-report.json')
    .action(async (source: string, options: IngestCommandOptions) => {
      const stop = new AbortController();
      const interrupt = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write('\nstopping: run the same command again to resume (a second Ctrl-C quits at once)\n');
        stop.abort();
      };
      process.on('SIGINT', interrupt);
      const result = await ingest({
        source,
        cwd: callerDir(),
        client: client(),
        concurrency: options.concurrency,
        batchSize: options.batchSize,
        wait: options.wait,
        dryRun: options.dryRun,
        label: options.label ?? source,
        progress: process.stderr.isTTY ? barsView() : linesView(),
        signal: stop.signal,
      });
      process.off('SIGINT', interrupt);

      const { counts, failures, seconds } = result;
      await writeFile(callerPath(options.report), `${JSON.stringify({ source, finishedAt: new Date().toISOString(), interrupted: result.interrupted, counts, failures }, null, 2)}\n`);
      const perSecond = (n: number) => (n / Math.max(seconds, 0.001)).toFixed(1);
      const ended = `${result.interrupted ? 'interrupted' : 'done'} in ${seconds.toFixed(1)} s`;
      const others = `${counts.duplicates} already there, ${counts.skipped} skipped (not images), ${failures.length} failed`;
      const lines = options.dryRun
        ? [`dry run: ${counts.images} images, ${counts.skipped} other files skipped, ${failures.length} unreadable (${seconds.toFixed(1)} s)`]
        : options.wait
          ? [
              `${ended}: ${counts.ready} ingested, ${others}`,
              `uploaded ${counts.uploaded} (${perSecond(counts.uploaded)}/s), embedded ${counts.ready + counts.failed} (${perSecond(counts.ready + counts.failed)}/s)`,
            ]
          : // Not waited for, so how many are embedded yet says nothing: what is known is what was handed over.
            [`${ended}: ${counts.queued} queued for embedding, ${others}`, `uploaded ${counts.uploaded} (${perSecond(counts.uploaded)}/s); the server embeds them now (sis jobs shows how far it got)`];
      if (failures.length) lines.push(`failures and their reasons: ${options.report}`);
      console.log(lines.join('\n'));
      process.exitCode = result.interrupted ? 130 : failures.length ? EXIT.failed : EXIT.ok;
    });
}
