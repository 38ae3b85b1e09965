import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LocalStack, type StackComponent } from '@sis/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoFolder, reportedCounts, sis, startSis, type CliRun, type RunningSis } from './harness.js';

/**
 * `sis ingest` while a server sis needs is really stopped: sis runs on a stack of this file's own,
 * so stopping its PostgreSQL or S3 server disturbs no other test file.
 */
let stack: LocalStack;
let running: RunningSis;
let stackDir: string;
let work: string;
beforeAll(async () => {
  stackDir = await mkdtemp(join(tmpdir(), 'sis-cli-outages-'));
  await chmod(stackDir, 0o755); // PostgreSQL runs as its own user under root
  stack = await LocalStack.start({ dataDir: stackDir, durable: false, ports: { postgres: await freePort(), redis: await freePort(), s3: await freePort() } });
  running = await startSis(stack.env);
  work = await mkdtemp(join(tmpdir(), 'sis-work-'));
}, 180_000);
afterAll(async () => {
  await running?.stop();
  await stack?.stop();
  await rm(stackDir, { recursive: true, force: true });
});

/**
 * Runs `sis ingest` with `component` stopped, and starts it again once the command says it is
 * waiting for it (or after 30 s: a command that never says so fails the test instead of hanging it).
 */
async function ingestThroughOutage(component: StackComponent, args: string[]): Promise<CliRun> {
  await stack.stopComponent(component);
  let restarted: Promise<void> | undefined;
  const restart = () => (restarted ??= stack.startComponent(component));
  try {
    return await sis(['ingest', ...args], {
      env: { SIS_URL: running.url, SIS_API_KEY: running.adminToken },
      cwd: work,
      onStart: (child) => {
        const timer = setTimeout(restart, 30_000);
        let said = '';
        child.stderr!.on('data', (data: Buffer) => {
          said += data;
          if (/waiting for/.test(said)) {
            clearTimeout(timer);
            void restart();
          }
        });
        child.on('exit', () => clearTimeout(timer));
      },
    });
  } finally {
    await restart();
  }
}

describe('sis ingest through outages', () => {
  it('waits while the database is away, saying so, then queues every image: none failed, none counted twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-outage-pg-'));
    await photoFolder(dir, 6);
    const run = await ingestThroughOutage('postgres', [dir, '--no-wait', '--report', 'pg.json']);
    expect(run.stderr).toMatch(/^found \d+\+? · uploaded 0\/6 .* · waiting for the server: database_unavailable, retrying in 5 s$/m);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^done in [\d.]+ s: 6 queued for embedding, 0 already there, 1 skipped \(not images\), 0 failed$/m);
    const { counts, failures } = await reportedCounts(join(work, 'pg.json'));
    expect(counts).toMatchObject({ images: 6, uploaded: 6, queued: 6 });
    expect(failures).toEqual([]);
  }, 120_000);

  it('waits while storage is away, saying so, then ingests every image', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sis-outage-s3-'));
    await photoFolder(dir, 6);
    const run = await ingestThroughOutage('s3', [dir, '--report', 's3.json']);
    expect(run.stderr).toMatch(/ · waiting for storage: connect ECONNREFUSED [\d.:]+, retrying in \d+ s$/m);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^done in [\d.]+ s: 6 ingested, 0 already there, 1 skipped \(not images\), 0 failed$/m);
    const { counts, failures } = await reportedCounts(join(work, 's3.json'));
    expect(counts).toMatchObject({ images: 6, uploaded: 6, queued: 6, ready: 6, failed: 0 });
    expect(failures).toEqual([]);
  }, 120_000);
});
