// Consumers read the file as `req.file`, which multer's types add to express's Request.
/// <reference types="multer" preserve="true" />
import type { Request, RequestHandler } from 'express';
import { ServiceUnavailableError, ValidationError } from '@sis/contracts';
import multer from 'multer';

export interface ReceiveFileOptions {
  /** The form field holding the file. */
  field: string;
  /** Largest file accepted, in bytes; a larger one is a 413. */
  maxBytes: number;
  /** Largest text field, in bytes. @defaultValue 64 KiB */
  maxFieldBytes?: number;
  /** Bytes the routes receiving files may hold at once, shared between them. */
  memory: MemoryBudget;
}

/** Seconds a client is asked to wait when the memory for received files is taken. */
export const UPLOAD_MEMORY_RETRY_AFTER_SECONDS = 2;
/** Room for a multipart body's boundaries and part headers. */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

/**
 * A count of bytes that requests reserve before reading a body into memory and give back when
 * their response ends, so that many large uploads at once are refused rather than held.
 */
export class MemoryBudget {
  #free: number;

  constructor(readonly limit: number) {
    this.#free = limit;
  }

  /** Reserves `bytes` if that many are free. @returns whether they were. */
  tryTake(bytes: number): boolean {
    if (bytes > this.#free) return false;
    this.#free -= bytes;
    return true;
  }

  give(bytes: number): void {
    this.#free = Math.min(this.limit, this.#free + bytes);
  }

  get inUse(): number {
    return this.limit - this.#free;
  }
}

/**
 * Receives one file from a multipart form into memory, as `req.file`, with the other fields in
 * `req.body`. Only small files take this path (presigned uploads skip the API), so memory is
 * the right place; the limits keep it so. Limit errors become 413 or 400 in the error handler.
 * Each request first reserves its body's length (or the most it may be) from `memory`, until its
 * response ends; when that is not free it gets 503 `upload_capacity` with `Retry-After`.
 */
export function receiveFile(options: ReceiveFileOptions): RequestHandler {
  const limits = { fileSize: options.maxBytes, files: 1, fields: 5, fieldSize: options.maxFieldBytes ?? 64 * 1024 };
  // Browsers and fetch send file names as UTF-8; busboy's default would read them as latin1.
  const receive = multer({ storage: multer.memoryStorage(), limits, defParamCharset: 'utf8' }).single(options.field);
  const most = limits.fileSize + limits.fields * limits.fieldSize + MULTIPART_OVERHEAD_BYTES;
  const hold = reserveMemory(
    options.memory,
    most,
    () =>
      new ServiceUnavailableError(
        'upload_capacity',
        'the gateway is receiving as many files as it holds in memory at once; try again shortly, or upload large files through POST /v1/uploads, which goes straight to storage',
        { retryAfterSeconds: UPLOAD_MEMORY_RETRY_AFTER_SECONDS },
      ),
  );
  return (req, res, next) =>
    hold(req, res, (refused?: unknown) => {
      if (refused) return next(refused);
      receive(req, res, (error?: unknown) => {
        // Limits are multer's own errors (413 or 400 in the error handler); anything else is a body
        // busboy could not parse, which is the client's mistake, not a 500.
        if (!error || error instanceof multer.MulterError) return next(error);
        next(new ValidationError('invalid_multipart', `the multipart body cannot be read: ${(error as Error).message}`));
      });
    });
}

/**
 * Reserves a request's body from `memory` before it is read (its declared length, or `most`
 * when it declares none) until its response ends; when that much is not free, reads the body
 * away unstored, so the client hears the answer rather than a reset, and fails with `refuse()`.
 */
export function reserveMemory(memory: MemoryBudget, most: number, refuse: () => Error): RequestHandler {
  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    // A longer body fails the reader's limits before it is all read; a chunked one may be the most.
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, most) : most;
    if (!memory.tryTake(bytes)) {
      req.resume();
      return next(refuse());
    }
    res.once('close', () => memory.give(bytes));
    next();
  };
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
