import { CliError } from './cli-error.js';

/** What went wrong with one call to the sis server, as {@link ApiError} carries it. */
export interface ApiErrorDetails {
  /** The HTTP status; undefined when the server could not be reached at all. */
  status: number | undefined;
  /** The server's error code (`storage_unavailable`), or why it could not be reached. */
  reason: string;
  /** How long the server asked to be left alone (Retry-After), in ms. */
  retryAfterMs: number | undefined;
}

/** A call to the sis server that did not succeed: a failure to report, and perhaps to wait out. */
export class ApiError extends CliError {
  constructor(
    message: string,
    exitCode: number,
    readonly details: ApiErrorDetails,
  ) {
    super(message, exitCode);
    this.name = 'ApiError';
  }

  /** Whether asking again later may succeed: the server is away, overloaded or busy elsewhere, and said so or did not answer. */
  get transient(): boolean {
    const { status } = this.details;
    return status === undefined || status === 429 || status === 502 || status === 503 || status === 504;
  }
}
