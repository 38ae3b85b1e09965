import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** The credentials s3rver expects; they guard nothing, as s3rver checks no signatures. */
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

/** s3rver, in this process, storing objects as files; the bucket exists from the start. */
export class S3Server {
  readonly #options: Readonly<S3Options>;
  #server: S3rver | undefined;

  constructor(options: S3Options) {
    this.#options = Object.freeze({ ...options });
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.#options.port}`;
  }

  async start(): Promise<void> {
    const { dir, port, bucket } = this.#options;
    await mkdir(dir, { recursive: true });
    this.#server = new S3rver({ address: '127.0.0.1', port, directory: dir, silent: true, configureBuckets: [{ name: bucket, configs: [CORS_CONFIG] }] });
    await this.#server.run();
  }

  /** Stops at once, as a crashed server would: open connections (keep-alive ones included) are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closing = server.close();
    // close() alone waits for every open connection to end, which a client's keep-alive pool may
    // never do.
    server.httpServer?.closeAllConnections();
    await closing;
  }
}
