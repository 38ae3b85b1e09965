import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, httpStatus, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError, type ErrorResponse } from '@sis/contracts';

interface LoggerLike {
  error(object: object, message: string): void;
}

/** Errors raised by express's body parsers and multer, which are not AppErrors. */
function fromFramework(error: unknown): AppError | undefined {
  const e = error as { name?: string; type?: string; code?: string; status?: number; message?: string; field?: string };
  if (e.type === 'entity.parse.failed') return new ValidationError('invalid_json', `the body is not valid JSON: ${e.message}`);
  if (e.type === 'entity.too.large') return new PayloadTooLargeError('payload_too_large', 'the request body is too large');
  // The JSON parser refuses a body it cannot decode (Content-Encoding, charset) before reading it.
  if (e.type === 'encoding.unsupported') return new UnsupportedMediaTypeError('unsupported_content_encoding', e.message ?? 'unsupported content encoding');
  if (e.type === 'charset.unsupported') return new UnsupportedMediaTypeError('unsupported_charset', e.message ?? 'unsupported charset');
  if (e.code === 'LIMIT_FILE_SIZE') return new PayloadTooLargeError('file_too_large', `${e.field ?? 'file'}: the file is larger than the upload limit`);
  // Every other multer error is a form it will not read: over a limit, or a part with no name.
  if (e.name === 'MulterError') return new ValidationError('invalid_multipart', `${e.field ? `${e.field}: ` : ''}${e.message}`);
  if (e.status === 400 && e.message) return new ValidationError('bad_request', e.message);
  return undefined;
}

/** Shapes a domain error as a response body; the original service's routes use their own shape. */
export type ErrorBodyFormat = (error: AppError, requestId: string) => unknown;

export const v1ErrorBody: ErrorBodyFormat = (error, requestId) =>
  ({ error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }), requestId } }) satisfies ErrorResponse;

export interface ErrorHandlerOptions {
  /** The body for a domain error. @defaultValue the /v1 shape */
  body?: ErrorBodyFormat;
  /** A different status for some errors (the original service's routes answer some with 422). */
  status?: (error: AppError) => number | undefined;
}

/**
 * The one place errors become HTTP responses: domain errors get their status and a body in the
 * route's format; anything unexpected is logged and answered 500 without internals.
 */
export function errorHandler(logger: LoggerLike, options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const format = options.body ?? v1ErrorBody;
  return (error: unknown, req, res, _next) => {
    const known = error instanceof AppError ? error : fromFramework(error);
    if (known) {
      if (known.details && typeof known.details === 'object' && 'retryAfterSeconds' in known.details) {
        res.setHeader('Retry-After', String((known.details as { retryAfterSeconds: number }).retryAfterSeconds));
      }
      res.status(options.status?.(known) ?? httpStatus(known)).json(format(known, req.requestId));
      return;
    }
    logger.error({ err: error, requestId: req.requestId }, 'unhandled error');
    res.status(500).json(format(new InternalError(), req.requestId));
  };
}

class InternalError extends AppError {
  constructor() {
    super('internal_error', 'something went wrong on our side; the request id helps us find it');
  }
}

/** Answers routes that do not exist in the same error format as everything else. */
export function notFound(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError('route_not_found', `no route for ${req.method} ${req.path}`));
}
