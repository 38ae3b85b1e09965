import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_CLIP_DIR } from '@sis/clip/fixtures';
import { freePort, runLocal } from '@sis/local-stack';

/**
 * Settings of the throwaway stack. The rate limit per key is off (one admin token sends most of
 * the run), and callers are told apart by X-Forwarded-For from loopback, so the fuzzer's few
 * fixed client addresses run into the limit on failed authentications while the rest do not.
 */
export const FUZZ_STACK_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_PER_MINUTE: '0',
  AUTH_FAILURES_PER_MINUTE: '10',
  TRUST_PROXY: 'loopback',
  // The original POST /images/ waits for the worker; a short wait keeps a slow embed from holding a request for long.
  LEGACY_WAIT_MS: '2000',
  CLIP_MODEL: TINY_CLIP_DIR,
  ALLOW_REMOTE_MODELS: 'false',
  LOG_LEVEL: 'error',
});

/** How long the stack may take to come up, in ms. */
const START_TIMEOUT_MS = 180_000;

/** A gateway to fuzz, with the keys to call it. */
export interface FuzzTarget {
  url: string;
  adminToken: string;
  /** A key with the read scope and one with the write scope, so that 403s are reached too. */
  keys: string[];
  stop(): Promise<void>;
}

/**
 * sis on this machine, private and throwaway: PostgreSQL, Redis and S3 on free ports in a
 * temporary folder, the three services (compiled) on the tiny-clip model, and two scoped keys.
 * Everything listens on 127.0.0.1; `stop()` ends it and deletes the folder.
 */
export async function startFuzzStack(): Promise<FuzzTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sis-fuzz-'));
  await chmod(dataDir, 0o755); // PostgreSQL runs as its own user under root
  const adminToken = randomBytes(24).toString('base64url');
  const ports = { gateway: await freePort(), search: await freePort(), worker: await freePort() };
  const stackPorts = { postgres: await freePort(), redis: await freePort(), s3: await freePort() };
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...FUZZ_STACK_SETTINGS,
    ADMIN_TOKEN: adminToken,
    HOST: '127.0.0.1',
    GATEWAY_PORT: String(ports.gateway),
    SEARCH_PORT: String(ports.search),
    WORKER_PORT: String(ports.worker),
  };
  const stopping = new AbortController();
  let running: Promise<number> | undefined;
  const stop = async () => {
    stopping.abort();
    await running?.catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      setTimeout(() => reject(new Error(`the stack was not up within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS).unref();
      running = runLocal({
        env,
        dataDir,
        ports: stackPorts,
        quiet: true,
        say: (line) => line.startsWith('sis is up') && resolve(),
        signal: stopping.signal,
      });
      running.then(() => reject(new Error('the services stopped while starting')), reject);
    });
    const url = `http://127.0.0.1:${ports.gateway}`;
    const keys = [await createKey(url, adminToken, 'read'), await createKey(url, adminToken, 'write')];
    return { url, adminToken, keys, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createKey(url: string, adminToken: string, scope: string): Promise<string> {
  const response = await fetch(`${url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `fuzz ${scope}`, scopes: [scope] }),
  });
  if (response.status !== 201) throw new Error(`creating a ${scope} key answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { secret: string }).secret;
}
