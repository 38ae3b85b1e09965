import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  ValidationError,
  type AppError,
  type PhotoSearchInput,
  type SearchRequestInput,
  type SearchResponse,
} from '@sis/contracts';
import { encodePhotoSearch, INTERNAL_TOKEN_HEADER, PHOTO_SEARCH_TYPE } from '@sis/http';
import { inSpan, SpanKind, traceHeaders } from '@sis/telemetry';
import { Pool, type Dispatcher } from 'undici';

export interface SearchClientOptions {
  /** Where the search service answers (SEARCH_URL): one URL, or its replicas, path prefix included. */
  urls: readonly string[];
  /** How long, in ms, a call may take before it is a 503. */
  timeoutMs: number;
  /** Keep-alive connections to each search replica. @defaultValue 16 */
  connections?: number;
  /** The shared secret the search service asks for (INTERNAL_TOKEN). @defaultValue none */
  internalToken?: string;
}

/**
 * The gateway's side of the search service: one POST per search. Errors the search service
 * answered in the shared format come back as the same domain errors; an unreachable or slow
 * search service is a 503.
 *
 * Every search crosses this hop, so it goes through an undici connection pool rather than the
 * global fetch: fetch's WHATWG request and stream machinery cost 1 to 1.5 ms a call on a 2-core
 * machine, about as much as the rest of the hop (docs/benchmarks.md).
 *
 * With several replicas, calls take them in turn, and a call that gets no answer from its replica
 * (refused, reset, closed midway) goes to the next at once, each replica tried at most once within
 * the call's time (twice for a single address): with any replica alive, the call is answered. A search changes nothing, so
 * sending it twice is safe; an answer the search service gave, a 503 included, is passed on.
 * (undici's BalancedPool with its RetryAgent was tried first: its weights move away from a dead
 * replica only after several failures, so a retry could land on the same dead one.)
 */
export class SearchClient {
  readonly #replicas: Pool[];
  /** The replica the next call starts with. */
  #next = 0;
  /** Where searches go, for the client span: one origin, or the replicas'. */
  readonly #origin: string;
  /** SEARCH_URL's path, if any (a search service behind a proxy prefix). */
  readonly #basePath: string;
  readonly #timeoutMs: number;
  readonly #internal: Record<string, string>;

  constructor(options: SearchClientOptions) {
    const urls = options.urls.map((url) => new URL(url));
    // Behind one address (a Kubernetes Service) the replica is chosen per connection: renewing
    // each after a thousand requests lets replicas added by the autoscaler take their share.
    this.#replicas = urls.map((url) => new Pool(url.origin, { connections: options.connections ?? 16, maxRequestsPerClient: 1000 }));
    this.#origin = urls.map((url) => url.origin).join(',');
    this.#basePath = urls[0]!.pathname.replace(/\/$/, '');
    this.#timeoutMs = options.timeoutMs;
    this.#internal = options.internalToken ? { [INTERNAL_TOKEN_HEADER]: options.internalToken } : {};
  }

  /** One search, in a client span whose context the search service continues (`traceparent`). */
  search(request: SearchRequestInput, requestId: string): Promise<SearchResponse> {
    return this.#call('/search', JSON.stringify(request), { 'content-type': 'application/json' }, requestId);
  }

  /** One search with a photo: the search and the photo in one body (encodePhotoSearch). */
  searchPhoto(photo: Buffer, search: PhotoSearchInput, requestId: string): Promise<SearchResponse> {
    return this.#call('/search/photo', encodePhotoSearch(search, photo), { 'content-type': PHOTO_SEARCH_TYPE }, requestId);
  }

  /** Resolves when the search service says it is up. */
  async ping(): Promise<void> {
    const statusCode = await this.#request('/healthz', { method: 'GET' }, async ({ statusCode, body }) => {
      await body.dump();
      return statusCode;
    });
    if (statusCode !== 200) throw new Error(`search /healthz answered ${statusCode}`);
  }

  async #call(path: string, body: string | Buffer, headers: Record<string, string>, requestId: string): Promise<SearchResponse> {
    return inSpan(`POST ${path}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'POST', 'server.address': this.#origin } }, async (span) => {
      const { statusCode, answer } = await this.#request(path, { method: 'POST', headers: { ...headers, 'x-request-id': requestId, ...this.#internal, ...traceHeaders() }, body }, async ({ statusCode, body }) => {
        // A success whose body breaks off (its replica killed midway) is no answer: the next replica is asked.
        if (statusCode >= 200 && statusCode < 300) return { statusCode, answer: (await body.json()) as unknown };
        return { statusCode, answer: (await body.json().catch(() => undefined)) as unknown };
      });
      span.setAttribute('http.response.status_code', statusCode);
      // The search service answers in the same contract, from the same code: re-validating every
      // result here cost ~0.5 ms a search for nothing.
      if (statusCode >= 200 && statusCode < 300) return answer as SearchResponse;
      throw remoteError(statusCode, (answer as { error?: { code: string; message: string; details?: unknown } } | undefined)?.error);
    });
  }

  /** Sends the request to one replica after another until one answers and `read` reads its answer whole. */
  async #request<T>(path: string, options: Omit<Dispatcher.RequestOptions, 'path' | 'signal' | 'origin'>, read: (response: Dispatcher.ResponseData) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const first = this.#next;
    this.#next = (this.#next + 1) % this.#replicas.length;
    let failure: unknown;
    // At least two tries: behind one address, the second goes out on another connection, and so
    // may reach another replica.
    for (let i = 0; i < Math.max(2, this.#replicas.length) && !signal.aborted; i++) {
      try {
        return await read(await this.#replicas[(first + i) % this.#replicas.length]!.request({ ...options, path: `${this.#basePath}${path}`, signal }));
      } catch (error) {
        failure = error;
      }
    }
    throw new ServiceUnavailableError('search_unavailable', `the search service did not answer: ${(failure as Error).message}`, undefined, { cause: failure });
  }
}

function remoteError(status: number, error: { code: string; message: string; details?: unknown } | undefined): AppError {
  const code = error?.code ?? 'search_failed';
  const message = error?.message ?? `the search service answered ${status}`;
  if (status === 400) return new ValidationError(code, message, error?.details);
  if (status === 404) return new NotFoundError(code, message);
  if (status === 409) return new ConflictError(code, message, error?.details);
  if (status === 413) return new PayloadTooLargeError(code, message);
  // The search service's own 503 (its database away, say), with its Retry-After.
  return new ServiceUnavailableError(code, message, error?.details);
}
