import type { ErrorResponse } from '@sis/contracts';
import createClient, { type Client } from 'openapi-fetch';
import { ApiError } from './api-error.js';
import { EXIT } from './cli-error.js';
import type { paths } from './generated/api.js';

export type ApiClient = Client<paths>;

export interface ClientOptions {
  /** The gateway, e.g. http://localhost:8000. */
  url: string;
  /** An API key or the admin token. */
  key?: string;
}

/**
 * The gateway's API, typed from its OpenAPI document (see src/generated/api.ts, written by
 * `pnpm generate:client` and checked by a test to match the contracts).
 */
export function createApiClient(options: ClientOptions): ApiClient {
  return createClient<paths>({
    baseUrl: options.url.replace(/\/$/, ''),
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
  });
}

/** Why a request got no answer: fetch's own message ("fetch failed") says nothing, its cause does. */
export function networkReason(error: unknown): string {
  const { cause, message } = error as Error;
  return cause instanceof Error ? cause.message : message;
}

/**
 * The response data, or an ApiError that says what the server said. Authentication problems are
 * configuration problems (exit 2): the key is missing, wrong, or lacks a scope.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    const reason = networkReason(error);
    throw new ApiError(`cannot reach the sis server: ${reason}`, EXIT.usage, { status: undefined, reason, retryAfterMs: undefined });
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const body = (error as ErrorResponse | undefined)?.error;
  const hint = response.status === 401 ? ' (give a key with --key or SIS_API_KEY)' : '';
  const retryAfterSeconds = Number(response.headers.get('retry-after'));
  throw new ApiError(`${body?.message ?? `HTTP ${response.status}`}${hint}`, response.status === 401 || response.status === 403 ? EXIT.usage : EXIT.failed, {
    status: response.status,
    reason: body?.code ?? `HTTP ${response.status}`,
    retryAfterMs: retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : undefined,
  });
}
