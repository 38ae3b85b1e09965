import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { STORAGE_RETRY_AFTER_SECONDS } from './object-storage.js';

/** What a presigned URL is used for: reading and writing one object, and the browser's preflight. */
const FORWARDED_METHODS = new Set(['GET', 'HEAD', 'PUT', 'OPTIONS']);
/**
 * The request headers S3 reads for those, and nothing else: no cookie or other credential of the
 * page's site, and no S3 header that asks for more than the URL was signed for
 * (x-amz-copy-source, x-amz-acl, …). A signed header the client added itself is refused by the
 * signature check instead, once it is missing here.
 */
const FORWARDED_REQUEST_HEADERS = [
  'host', 'authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token',
  'content-type', 'content-length', 'content-md5', 'range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since',
  'origin', 'access-control-request-method', 'access-control-request-headers',
] as const;
/** Headers about one connection, not the message (RFC 9110, 7.6.1); node sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);
/** How long storage may keep a forwarded request waiting without a byte either way: 30 s. */
const FORWARD_IDLE_TIMEOUT_MS = 30_000;

export interface StorageForwarderOptions {
  /** Where the storage server answers (S3_ENDPOINT): its origin; requests keep their own path. */
  endpoint: string;
  /** The only bucket whose objects are forwarded. */
  bucket: string;
  /** The path the forwarded requests arrive under, such as `/s3`: they are served at `/s3/<bucket>/<key>`. */
  path: string;
}

/** A request handler in node's shape, which express mounts as middleware. */
export type ForwardHandler = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

/**
 * Passes clients' requests for the bucket's objects, under `path` at this server's own address, on
 * to a storage server that only this machine reaches, and streams the answers back: for presigned
 * URLs that point here (S3_VIA_GATEWAY). Nothing is checked or signed here. The request goes on
 * with the path and Host it arrived with, which are what its signature covers; the storage server
 * checks that signature and must accept requests under `path` (the local stack's S3 does).
 *
 * Only GET, HEAD, PUT and OPTIONS of `path/<bucket>/<key>` are forwarded, with the headers S3 reads;
 * anything else is answered here, the way S3 answers it (an XML error), and requests outside
 * `path` go to `next`.
 *
 * ### Examples
 * ```ts
 * app.use(forwardToStorage({ endpoint: 'http://127.0.0.1:59000', bucket: 'sis-images', path: '/s3' }));
 * // PUT http://photos.lan:8000/s3/sis-images/uploads/1.jpg?X-Amz-… → PUT http://127.0.0.1:59000/s3/sis-images/uploads/1.jpg?X-Amz-…
 * ```
 */
export function forwardToStorage(options: StorageForwarderOptions): ForwardHandler {
  const target = new URL(options.endpoint);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const objectPrefix = `${options.path}/${options.bucket}/`;
  return (request, response, next) => {
    const url = request.url ?? '/';
    if (url !== options.path && !url.startsWith(`${options.path}/`) && !url.startsWith(`${options.path}?`)) return next();
    const method = request.method ?? 'GET';
    if (!FORWARDED_METHODS.has(method)) {
      return answer(request, response, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { allow: [...FORWARDED_METHODS].join(', ') });
    }
    const pathname = url.split('?', 1)[0]!;
    if (!pathname.startsWith(objectPrefix) || !isObjectKey(pathname.slice(objectPrefix.length))) {
      return answer(request, response, 403, 'AccessDenied', `Only objects of the bucket ${options.bucket} are served here.`);
    }

    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method,
      path: url,
      headers: pickHeaders(request.headers),
      timeout: FORWARD_IDLE_TIMEOUT_MS,
    });
    upstream.on('response', (reply) => {
      response.writeHead(reply.statusCode ?? 502, withoutHopByHop(reply.headers));
      reply.pipe(response);
      reply.on('error', () => response.destroy());
    });
    upstream.on('timeout', () => upstream.destroy(new Error('storage kept the request waiting')));
    upstream.on('error', () => {
      if (response.headersSent) response.destroy();
      else answer(request, response, 503, 'ServiceUnavailable', 'Storage is not answering; try again shortly.', { 'retry-after': String(STORAGE_RETRY_AFTER_SECONDS) });
    });
    // A client that goes away mid-upload or mid-download must not leave the storage request open.
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  };
}

/** A key with something in it and no `.` or `..` segment, which a server might resolve to another path. */
function isObjectKey(encodedKey: string): boolean {
  if (encodedKey === '') return false;
  try {
    return encodedKey.split('/').every((segment) => {
      const decoded = decodeURIComponent(segment);
      return decoded !== '.' && decoded !== '..';
    });
  } catch {
    return false;
  }
}

function pickHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const picked: Record<string, string | string[]> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * An S3 error document, as the storage server would have sent it. Browsers' requests get the CORS
 * header too, so a page sees the status rather than an opaque network failure.
 */
function answer(request: IncomingMessage, response: ServerResponse, status: number, code: string, message: string, headers: OutgoingHttpHeaders = {}): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    ...(request.headers.origin ? { 'access-control-allow-origin': '*', vary: 'Origin' } : {}),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
