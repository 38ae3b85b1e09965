import type { AppError } from './app-error.js';
import { ConflictError } from './conflict.error.js';
import { ForbiddenError } from './forbidden.error.js';
import { NotFoundError } from './not-found.error.js';
import { PayloadTooLargeError } from './payload-too-large.error.js';
import { RateLimitedError } from './rate-limited.error.js';
import { ServiceUnavailableError } from './service-unavailable.error.js';
import { UnauthenticatedError } from './unauthenticated.error.js';
import { UnsupportedMediaTypeError } from './unsupported-media-type.error.js';
import { ValidationError } from './validation.error.js';

const STATUSES: ReadonlyArray<[abstract new (...args: never[]) => AppError, number]> = [
  [ValidationError, 400],
  [UnauthenticatedError, 401],
  [ForbiddenError, 403],
  [NotFoundError, 404],
  [ConflictError, 409],
  [PayloadTooLargeError, 413],
  [UnsupportedMediaTypeError, 415],
  [RateLimitedError, 429],
  [ServiceUnavailableError, 503],
];

/** The HTTP status for a domain error: the one place the two vocabularies meet. */
export function httpStatus(error: AppError): number {
  return STATUSES.find(([type]) => error instanceof type)?.[1] ?? 500;
}
