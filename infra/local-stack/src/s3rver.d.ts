// s3rver ships no types; this covers the part sis uses.
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  export default class S3rver {
    constructor(options: S3rverOptions);
    /** Creates the configured buckets and applies their configurations (CORS). */
    configureBuckets(): Promise<void>;
    /** The request handler, for a server of one's own (http.createServer). */
    callback(): (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  }
}
