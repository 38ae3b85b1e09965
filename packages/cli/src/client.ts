import type { ErrorResponse } from '@sis/contracts';
import createClient, { type Client } from 'openapi-fetch';
import { CliError, EXIT } from './cli-error.js';
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

/**
 * The response data, or a CliError that says what the server said. Authentication problems are
 * configuration problems (exit 2): the key is missing, wrong, or lacks a scope.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw new CliError(`cannot reach the sis server: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, EXIT.usage);
  }
  const { data, error, response } = result;
  if (response.ok) return data as T;
  const message = (error as ErrorResponse | undefined)?.error?.message ?? `HTTP ${response.status}`;
  const hint = response.status === 401 ? ' (give a key with --key or SIS_API_KEY)' : '';
  throw new CliError(`${message}${hint}`, response.status === 401 || response.status === 403 ? EXIT.usage : EXIT.failed);
}
