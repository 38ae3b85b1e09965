import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file in the data folder holding the admin token `sis up` made. */
const ADMIN_TOKEN_FILE = 'admin-token';
/** The file in the data folder saying where a running `sis up` serves its gateway. */
const GATEWAY_FILE = 'gateway.json';

/** The gateway a running `sis up` serves, as it left word of it in its data folder. */
export interface LocalGateway {
  /** Where the gateway answers, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** The admin token kept in the data folder, when there is one. */
  adminToken: string | undefined;
}

/**
 * A local install's admin token: made once, kept with the data, readable only by its owner.
 * @returns the token and the file holding it.
 */
export function ensureAdminToken(dataDir: string): { token: string; file: string } {
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), file };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, file };
}

/**
 * Leaves word in `dataDir`, next to the admin token, that this process serves the gateway at
 * `url`, so the sis command finds it on whatever port it was given.
 * @returns a function that takes the word back, when it is still this process's.
 */
export function recordLocalGateway(dataDir: string, url: string): () => void {
  const file = join(dataDir, GATEWAY_FILE);
  writeFileSync(file, `${JSON.stringify({ url, pid: process.pid })}\n`);
  return () => {
    if (readRecord(file)?.pid === process.pid) rmSync(file, { force: true });
  };
}

/**
 * The gateway recorded in `dataDir` by a `sis up` that is still running, with the admin token
 * kept there. Undefined when there is none: a record left behind by a run that was killed names
 * a port that anything may hold now, and the admin token must never be sent there.
 */
export function findLocalGateway(dataDir: string): LocalGateway | undefined {
  const record = readRecord(join(dataDir, GATEWAY_FILE));
  if (!record || !isRunning(record.pid)) return undefined;
  const tokenFile = join(dataDir, ADMIN_TOKEN_FILE);
  return { url: record.url, adminToken: existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined };
}

function readRecord(file: string): { url: string; pid: number } | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown; pid?: unknown };
    return typeof record.url === 'string' && Number.isInteger(record.pid) ? { url: record.url, pid: record.pid as number } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
