import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { formatUrl } from '@aws-sdk/util-format-url';
import { ServiceUnavailableError } from '@sis/contracts';
import { LRUCache } from 'lru-cache';

/** Presigned URLs never live longer than this: 15 minutes, in seconds. */
export const MAX_PRESIGN_SECONDS = 900;
/** Read URLs kept for reuse (about half a kilobyte each). */
const READ_URL_CACHE_SIZE = 20_000;
/** A key the read-URL template is learnt from; never read or written. */
const PROBE_KEY = '__sis_url_probe__';
/** What a client is told to wait before trying again while storage is away, in seconds. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;
/** Socket errors that mean the server is not there, rather than that the request was wrong. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export interface ObjectStorageOptions {
  bucket: string;
  region: string;
  /** S3-compatible endpoint (MinIO, a local server); unset means AWS. */
  endpoint?: string;
  /** Endpoint written into presigned URLs, when clients reach S3 by another address. @defaultValue endpoint */
  publicEndpoint?: string;
  /** Static credentials; unset uses the AWS default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key`. @defaultValue true when endpoint is set */
  forcePathStyle?: boolean;
}

/** What a client must send to upload one object with a presigned URL. */
export interface PresignedUpload {
  method: 'PUT';
  url: string;
  /** Headers the client must send exactly as given: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface ObjectHead {
  /** The key it was found under. */
  key: string;
  size: number;
  contentType: string | undefined;
}

/**
 * The S3 bucket holding uploaded images: presigned uploads, head, streaming get, delete, and the
 * bucket itself. Works against AWS, MinIO and local S3 servers.
 */
export class ObjectStorage {
  readonly bucket: string;
  /** The origin of the URLs this signs for clients, which pages must be allowed to reach (CSP). */
  readonly urlOrigin: string;
  readonly #client: S3Client;
  /** Signs URLs for clients; differs from #client only when a public endpoint is configured. */
  readonly #signer: S3Client;
  #readTemplate: Promise<{ presigner: S3RequestPresigner; origin: URL; pathPrefix: string }> | undefined;
  readonly #readUrls = new LRUCache<string, { url: string; expiresAt: number }>({ max: READ_URL_CACHE_SIZE });

  constructor(options: ObjectStorageOptions) {
    const forcePathStyle = options.forcePathStyle ?? options.endpoint !== undefined;
    const base = {
      region: options.region,
      forcePathStyle,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums on every request are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
      // A storage server that is away must be a fast error, not a request hanging on a socket.
      requestHandler: { connectionTimeout: 2000, requestTimeout: 30_000 },
    };
    this.bucket = options.bucket;
    const signedEndpoint = options.publicEndpoint ?? options.endpoint;
    if (signedEndpoint) {
      const url = new URL(signedEndpoint);
      this.urlOrigin = forcePathStyle ? url.origin : `${url.protocol}//${options.bucket}.${url.host}`;
    } else {
      this.urlOrigin = `https://${options.bucket}.s3.${options.region}.amazonaws.com`;
    }
    this.#client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    const publicEndpoint = options.publicEndpoint ?? options.endpoint;
    this.#signer = publicEndpoint === options.endpoint ? this.#client : new S3Client({ ...base, endpoint: publicEndpoint });
  }

  /** Creates the bucket unless it exists. */
  async ensureBucket(): Promise<void> {
    try {
      await this.#call(() => this.#client.send(new HeadBucketCommand({ Bucket: this.bucket })));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.#call(() => this.#client.send(new CreateBucketCommand({ Bucket: this.bucket })));
    }
  }

  /** Whether the bucket answers; for readiness checks. */
  async ping(): Promise<void> {
    await this.#call(() => this.#client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  /**
   * A URL that lets its holder PUT exactly one object: this key, this content type and exactly
   * `contentLength` bytes, until it expires. S3 rejects a request whose signed headers differ.
   */
  async presignPut(key: string, upload: { contentType: string; contentLength: number; expiresInSeconds: number }): Promise<PresignedUpload> {
    const expiresIn = Math.min(Math.max(1, Math.trunc(upload.expiresInSeconds)), MAX_PRESIGN_SECONDS);
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ContentType: upload.contentType,
      ContentLength: upload.contentLength,
    });
    const url = await getSignedUrl(this.#signer, command, {
      expiresIn,
      // Without this the SDK may hoist headers into the query string, where they are not enforced.
      signableHeaders: new Set(['content-type', 'content-length']),
    });
    return {
      method: 'PUT',
      url,
      headers: { 'Content-Type': upload.contentType, 'Content-Length': String(upload.contentLength) },
      expiresAt: new Date(Date.now() + expiresIn * 1000),
    };
  }

  /**
   * A short-lived URL to read one object. Search results carry one per thumbnail, so this is on
   * the hot path: getSignedUrl costs ~0.6 ms a call (it runs the SDK's whole request pipeline and
   * endpoint rules), while signing a request built from a learnt template costs ~0.04 ms. The
   * template (endpoint, path or virtual-hosted style) is learnt once from getSignedUrl itself.
   *
   * A URL is handed out again while at least half of the asked-for life is left: the same image
   * then has the same URL from one search to the next, so browsers cache its thumbnail, and
   * most searches sign nothing.
   */
  async presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const expiresIn = Math.min(Math.max(1, Math.trunc(expiresInSeconds)), MAX_PRESIGN_SECONDS);
    const cacheKey = `${expiresIn} ${key}`;
    const cached = this.#readUrls.get(cacheKey);
    if (cached && cached.expiresAt - Date.now() >= (expiresIn * 1000) / 2) return cached.url;
    const signedAt = Date.now();
    const { presigner, origin, pathPrefix } = await (this.#readTemplate ??= this.#learnReadTemplate());
    const signed = await presigner.presign(
      {
        method: 'GET',
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: origin.port ? Number(origin.port) : undefined,
        path: `${pathPrefix}/${key.split('/').map(encodeSegment).join('/')}`,
        // What getSignedUrl's GetObject adds, so the URL is the SDK's own, byte for byte.
        query: { 'x-id': 'GetObject' },
        headers: { host: origin.host },
      },
      { expiresIn },
    );
    const url = formatUrl(signed);
    this.#readUrls.set(cacheKey, { url, expiresAt: signedAt + expiresIn * 1000 });
    return url;
  }

  async #learnReadTemplate() {
    const probe = new URL(await getSignedUrl(this.#signer, new GetObjectCommand({ Bucket: this.bucket, Key: PROBE_KEY }), { expiresIn: 60 }));
    return {
      presigner: new S3RequestPresigner({ ...this.#signer.config }),
      origin: new URL(probe.origin),
      pathPrefix: probe.pathname.slice(0, -`/${PROBE_KEY}`.length),
    };
  }

  async put(key: string, body: Uint8Array | Readable, contentType: string, contentLength?: number): Promise<void> {
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: contentLength });
    await this.#call(() => this.#client.send(command));
  }

  /** Size and type of an object, or undefined when there is none. */
  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const head = await this.#call(() => this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return { key, size: head.ContentLength ?? 0, contentType: head.ContentType };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** The object's bytes as a stream, or undefined when there is none. */
  async get(key: string): Promise<Readable | undefined> {
    try {
      const object = await this.#call(() => this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
      return object.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Copies an object within the bucket, on the storage server (the bytes do not pass here). */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `${this.bucket}/${fromKey.split('/').map(encodeSegment).join('/')}`;
    await this.#call(() => this.#client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: source })));
  }

  /**
   * Objects under a prefix last written before `olderThan`, page by page, for clean-ups.
   * @returns at most `limit` keys.
   */
  async listOlderThan(prefix: string, olderThan: Date, limit: number): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#call(() => this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 })));
      for (const object of page.Contents ?? []) {
        if (object.Key && object.LastModified && object.LastModified < olderThan) keys.push(object.Key);
        if (keys.length >= limit) return keys;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  /** Deletes an object; deleting one that does not exist is not an error. */
  async delete(key: string): Promise<void> {
    await this.#call(() => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  /** Runs one call to storage; storage being away becomes one domain error, `storage_unavailable`. */
  async #call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      throw new ServiceUnavailableError('storage_unavailable', 'object storage is not answering; try again shortly', { retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS }, { cause: error });
    }
  }

  destroy(): void {
    this.#client.destroy();
    if (this.#signer !== this.#client) this.#signer.destroy();
  }
}

/** RFC 3986 encoding of one path segment, as SigV4 signs it (encodeURIComponent leaves !'()* alone). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Whether an S3 error means "storage is not reachable" (network, timeout, a 5xx), not "this request failed". */
function isUnreachable(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown; $metadata?: { httpStatusCode?: number } } | undefined;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e?.name === 'TimeoutError' || e?.name === 'RequestTimeout') return true;
  return (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.$metadata.httpStatusCode === 404 || ['NotFound', 'NoSuchKey', 'NoSuchBucket'].includes(error.name);
}
