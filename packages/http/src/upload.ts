// Consumers read the file as `req.file`, which multer's types add to express's Request.
/// <reference types="multer" preserve="true" />
import type { Request, RequestHandler } from 'express';
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
  return multer({ storage: multer.memoryStorage(), limits }).single(options.field);
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
