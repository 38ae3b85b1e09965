import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { STORAGE_GATEWAY_PATH } from '@sis/config';
import S3rver from 's3rver';
import { S3AuthError } from './s3-auth-error.js';
import { SigV4Verifier } from './sigv4-verifier.js';

/** The only key the local S3 accepts: every request must be signed with it (SigV4), as on S3. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

// Browsers upload straight to S3 from the web pages, so the local bucket allows cross-origin PUT.
const CORS_CONFIG = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export interface S3Options {
  dir: string;
  port: number;
  bucket: string;
}

/**
 * s3rver, in this process, storing objects as files; the bucket exists from the start. s3rver
 * checks only the old V2 signatures and lets any V4 one through, so every request is verified here
 * first, as S3 would (SigV4Verifier), and only then handed to s3rver on the same connection.
 *
 * It also answers under `/s3` (STORAGE_GATEWAY_PATH), as the gateway forwards requests for URLs it
 * signed for its own public address (S3_VIA_GATEWAY): `/s3/<bucket>/<key>` with the Host that
 * address names. Their signatures cover that path and Host, so they are checked as they arrived.
 */
export class S3Server {
  readonly #options: Readonly<S3Options>;
  readonly #s3rver: S3rver;
  readonly #handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  readonly #verifier = new SigV4Verifier({ credentials: [LOCAL_S3_CREDENTIALS] });
  #server: Server | undefined;

  constructor(options: S3Options) {
    this.#options = Object.freeze({ ...options });
    this.#s3rver = new S3rver({ directory: options.dir, silent: true, configureBuckets: [{ name: options.bucket, configs: [CORS_CONFIG] }] });
    this.#handle = this.#s3rver.callback();
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#options.port}`;
  }

  async start(): Promise<void> {
    await mkdir(this.#options.dir, { recursive: true });
    await this.#s3rver.configureBuckets();
    const server = createServer((request, response) => void this.#serve(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#options.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
  }

  /** Stops at once, as a crashed server would: open connections (keep-alive ones included) are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() alone waits for every open connection to end, which a client's keep-alive pool may
    // never do.
    server.closeAllConnections();
    await closing;
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      // Browsers send CORS preflights without credentials, and S3 answers them unsigned.
      if (request.method !== 'OPTIONS') await this.#verifier.verify(request);
    } catch (error) {
      if (error instanceof S3AuthError) refuse(request, response, error.status, error.code, error.message);
      else refuse(request, response, 500, 'InternalError', 'the request signature could not be checked');
      return;
    }
    if (request.url?.startsWith(`${STORAGE_GATEWAY_PATH}/`)) {
      // Checked; now s3rver sees it as if sent here directly. It would read a Host that is a name
      // rather than an address as the bucket (virtual-hosted style), so it gets this server's own.
      request.url = request.url.slice(STORAGE_GATEWAY_PATH.length);
      request.headers.host = new URL(this.endpoint).host;
    }
    await this.#handle(request, response);
  }
}

/**
 * An S3 error document. The bucket lets any origin in, so a refused browser request carries the
 * CORS header too: the page then sees the 403, not an opaque network failure. An unread body is
 * drained by node, which keeps a keep-alive connection usable.
 */
function refuse(request: IncomingMessage, response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...(request.headers.origin ? { 'access-control-allow-origin': '*', vary: 'Origin' } : {}),
  });
  response.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
