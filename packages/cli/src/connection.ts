import { ConfigError, settingsSchema } from '@sis/config';
import { findLocalGateway } from '@sis/local-stack';
import type { ClientOptions } from './client.js';

/** Where the gateway listens when GATEWAY_PORT is not set, from the gateway's own settings. */
const DEFAULT_GATEWAY_PORT = settingsSchema.shape.GATEWAY_PORT.parse(undefined);
/** Host names that reach this machine only. */
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Which gateway to talk to, and with which key: what the command line gives, then the
 * environment, then what a `sis up` running on this machine left in its data folder.
 *
 * - the gateway: `--url`, else SIS_URL, else on this machine the port GATEWAY_PORT names, else
 *   the gateway a running `sis up` recorded, else the gateway's default port;
 * - the key: `--key`, else SIS_API_KEY, else the admin token `sis up` keeps, and that one only
 *   for the gateway that same `sis up` runs.
 * @throws ConfigError when GATEWAY_PORT is not a port.
 */
export function resolveConnection(given: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  // Relative to where the command runs, as `sis up` has it: under pnpm, the repository root.
  const local = findLocalGateway(env.SIS_DATA_DIR || '.data');
  const url = given.url ?? (env.SIS_URL || portUrl(env.GATEWAY_PORT) || local?.url || `http://localhost:${DEFAULT_GATEWAY_PORT}`);
  // The admin token of the local stack opens everything: it goes to that stack's gateway only,
  // never to one that --url, SIS_URL or GATEWAY_PORT point elsewhere.
  const localKey = local && sameGateway(url, local.url) ? local.adminToken : undefined;
  return { url, key: given.key ?? (env.SIS_API_KEY || localKey) };
}

function portUrl(value: string | undefined): string | undefined {
  if (!value?.trim()) return undefined;
  const port = settingsSchema.shape.GATEWAY_PORT.safeParse(value);
  if (!port.success) throw new ConfigError([{ variable: 'GATEWAY_PORT', message: `${port.error.issues[0]?.message} (got "${value}")` }]);
  return `http://localhost:${port.data}`;
}

/** Whether two URLs reach the same server: same scheme and port, and the same host or both this machine. */
function sameGateway(a: string, b: string): boolean {
  const host = (url: URL) => (LOOPBACK.test(url.hostname) ? 'this machine' : url.hostname);
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.port === y.port && host(x) === host(y);
  } catch {
    return false; // not a URL: no gateway at all, and certainly not the local one
  }
}
