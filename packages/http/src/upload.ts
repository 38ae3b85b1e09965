// Consumers read the file as `req.file`, which multer's types add to express's Request.
/// <reference types="multer" preserve="true" />
import type { Request, RequestHandler } from 'express';
import { ValidationError } from '@sis/contracts';
import multer from 'multer';

export interface ReceiveFileOptions {
  /** The form field holding the file. */
  field: string;
  /** Largest file accepted, in bytes; a larger one is a 413. */
  maxBytes: number;
  /** Largest text field, in bytes. @defaultValue 64 KiB */
  maxFieldBytes?: number;
}

/**
 * Receives one file from a multipart form into memory, as `req.file`, with the other fields in
 * `req.body`. Only small files take this path (presigned uploads skip the API), so memory is
 * the right place; the limits keep it so. Limit errors become 413 or 400 in the error handler.
 */
export function receiveFile(options: ReceiveFileOptions): RequestHandler {
  const limits = { fileSize: options.maxBytes, files: 1, fields: 5, fieldSize: options.maxFieldBytes ?? 64 * 1024 };
  // Browsers and fetch send file names as UTF-8; busboy's default would read them as latin1.
  const receive = multer({ storage: multer.memoryStorage(), limits, defParamCharset: 'utf8' }).single(options.field);
  return (req, res, next) =>
    receive(req, res, (error?: unknown) => {
      // Limits are multer's own errors (413 or 400 in the error handler); anything else is a body
      // busboy could not parse, which is the client's mistake, not a 500.
      if (!error || error instanceof multer.MulterError) return next(error);
      next(new ValidationError('invalid_multipart', `the multipart body cannot be read: ${(error as Error).message}`));
    });
}

/** A file received from a form: its bytes and the name the client gave it. */
export interface ReceivedFile {
  bytes: Buffer;
  filename: string;
}

/** The file {@link receiveFile} took from this request, if one came. */
export function receivedFile(req: Request): ReceivedFile | undefined {
  return req.file ? { bytes: req.file.buffer, filename: req.file.originalname } : undefined;
}
