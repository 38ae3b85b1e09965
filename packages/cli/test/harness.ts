import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runLocal } from '@sis/local-stack';
import { colourImage } from '@sis/image/testing';
import { freshDatabase } from '@sis/local-stack/testing';
import { expect, inject } from 'vitest';

export const SIS_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface RunningSis {
  url: string;
  /** The admin token `sis up` made and keeps in `dataDir`. */
  adminToken: string;
  /** The folder `sis up` keeps its admin token and the record of its gateway in. */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * All of sis as it really runs (script/server's `sis up`: the three compiled services as child
 * processes, its admin token made at start), with a database and queue prefix of its own on the
 * test stack's servers, or on those `servers` names (a stack of the test's own, to stop and start).
 */
export async function startSis(servers: Record<string, string> = {}): Promise<RunningSis> {
  const stackEnv = { ...inject('stackEnv'), ...servers };
  const databaseUrl = await freshDatabase(stackEnv.DATABASE_URL!, 'cli');
  const port = await freePort();
  // Its own data folder: the admin token and the gateway's record never land in the repository's.
  const dataDir = await mkdtemp(join(tmpdir(), 'sis-cli-data-'));
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...stackEnv,
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `cli-${randomUUID().slice(0, 8)}`,
    GATEWAY_PORT: String(port),
    SEARCH_PORT: String(await freePort()),
    WORKER_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
  };
  env.SEARCH_URL = `http://127.0.0.1:${env.SEARCH_PORT}`;
  const stop = new AbortController();
  let running: Promise<number> | undefined;
  await new Promise<void>((resolve, reject) => {
    running = runLocal({ dataDir, env, say: (line) => line.startsWith('sis is up') && resolve(), signal: stop.signal });
    running.then(() => reject(new Error('sis stopped while starting')), reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken: (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim(),
    dataDir,
    async stop() {
      stop.abort();
      await running;
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What tells the sis command where to go and with which key, and where it was called from. */
const CLI_SETTINGS = ['SIS_URL', 'SIS_API_KEY', 'SIS_DATA_DIR', 'GATEWAY_PORT', 'INIT_CWD'] as const;
/** An empty folder to run in when a test names none: no `.data` there says where a gateway is. */
const NOWHERE = mkdtempSync(join(tmpdir(), 'sis-cwd-'));

/**
 * Runs the compiled `sis` command, with only the settings of `env` among those it reads: not
 * those of whoever runs the tests (pnpm, say, which sets INIT_CWD), nor a `.data` of theirs.
 */
export function sis(args: string[], options: { env?: Record<string, string>; cwd?: string; onStart?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<CliRun> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !(CLI_SETTINGS as readonly string[]).includes(name)));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SIS_BIN, ...args], { cwd: options.cwd ?? NOWHERE, env: { ...inherited, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    options.onStart?.(child);
  });
}

const PHOTO_COLOURS = ['red', 'green', 'blue', 'yellow', 'orange', 'purple', 'pink', 'brown'];
let foldersMade = 0;

/** A folder of `count` photos, none with the bytes of a photo made before, and one note. */
export async function photoFolder(root: string, count: number): Promise<void> {
  await mkdir(root, { recursive: true });
  const height = 100 + foldersMade++;
  for (let i = 0; i < count; i++) await writeFile(join(root, `p-${i}.jpg`), await colourImage(PHOTO_COLOURS[i % PHOTO_COLOURS.length]!, { width: 200 + i, height }));
  await writeFile(join(root, 'notes.txt'), 'not a picture');
}

/** What an ingest's report says it counted, and that no count of files exceeds the files found. */
export async function reportedCounts(file: string) {
  const { counts, failures } = JSON.parse(await readFile(file, 'utf8'));
  expect(counts.queued + counts.duplicates + counts.skipped + failures.length, JSON.stringify(counts)).toBeLessThanOrEqual(counts.found);
  return { counts, failures };
}
