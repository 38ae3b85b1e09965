import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
  type AppError,
  type SearchRequest,
  type SearchResponse,
} from '@sis/contracts';

/**
 * The gateway's side of the search service: one POST per search. Errors the search service
 * answered in the shared format come back as the same domain errors; an unreachable or slow
 * search service is a 503.
 */
export class SearchClient {
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs: number) {
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async search(request: SearchRequest, requestId: string): Promise<SearchResponse> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new ServiceUnavailableError('search_unavailable', `the search service did not answer: ${(error as Error).message}`, undefined, { cause: error });
    }
    const body = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string; details?: unknown } } | undefined;
    // The search service answers in the same contract, from the same code: re-validating every
    // result here cost ~0.5 ms a search for nothing.
    if (response.ok) return body as unknown as SearchResponse;
    throw remoteError(response.status, body?.error);
  }

  /** Resolves when the search service says it is up. */
  async ping(): Promise<void> {
    const response = await fetch(`${this.#baseUrl}/healthz`, { signal: AbortSignal.timeout(this.#timeoutMs) });
    if (!response.ok) throw new Error(`search /healthz answered ${response.status}`);
  }
}

function remoteError(status: number, error: { code: string; message: string; details?: unknown } | undefined): AppError {
  const code = error?.code ?? 'search_failed';
  const message = error?.message ?? `the search service answered ${status}`;
  if (status === 400) return new ValidationError(code, message, error?.details);
  if (status === 404) return new NotFoundError(code, message);
  if (status === 409) return new ConflictError(code, message);
  return new ServiceUnavailableError(code, message);
}
