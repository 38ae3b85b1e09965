import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, runLocal } from '@sis/local-stack';
import { freshDatabase } from '@sis/local-stack/testing';
import { inject } from 'vitest';

export const SIS_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export interface RunningSis {
  url: string;
  adminToken: string;
  stop(): Promise<void>;
}

/**
 * All of sis as it really runs (script/server's `sis up`: the three compiled services as child
 * processes), on the test stack's servers with a database and queue prefix of its own.
 */
export async function startSis(): Promise<RunningSis> {
  const databaseUrl = await freshDatabase(inject('stackEnv').DATABASE_URL!, 'cli');
  const port = await freePort();
  const adminToken = `cli-test-${randomUUID()}`;
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    ...inject('stackEnv'),
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: `cli-${randomUUID().slice(0, 8)}`,
    GATEWAY_PORT: String(port),
    SEARCH_PORT: String(await freePort()),
    WORKER_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
  };
  env.SEARCH_URL = `http://127.0.0.1:${env.SEARCH_PORT}`;
  const stop = new AbortController();
  let running: Promise<number> | undefined;
  await new Promise<void>((resolve, reject) => {
    running = runLocal({ env, say: (line) => line.startsWith('sis is up') && resolve(), signal: stop.signal });
    running.then(() => reject(new Error('sis stopped while starting')), reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
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

/** Runs the compiled `sis` command. */
export function sis(args: string[], options: { env?: Record<string, string>; cwd?: string; onStart?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SIS_BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    options.onStart?.(child);
  });
}
