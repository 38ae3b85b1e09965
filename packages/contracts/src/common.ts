import { z } from 'zod';

/** Image lifecycle states (DESIGN.md, "Image lifecycle"). */
export const IMAGE_STATUSES = ['pending_upload', 'queued', 'processing', 'ready', 'failed'] as const;
export const ImageStatusSchema = z.enum(IMAGE_STATUSES).meta({ id: 'ImageStatus' });
export type ImageStatus = z.infer<typeof ImageStatusSchema>;

/** How many images are in each state. */
export const ImageCountsSchema = z
  .object({
    pending_upload: z.number().int(),
    queued: z.number().int(),
    processing: z.number().int(),
    ready: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'ImageCounts' });

export const IdSchema = z.uuid({ message: 'must be a UUID' }).meta({ example: '0b6f3c1e-8a52-4b8e-9d33-5d1f0f6c2a10' });
export const IdParamsSchema = z.object({ id: IdSchema });

/** Timestamps travel as ISO 8601 strings in UTC. */
export const TimestampSchema = z.iso.datetime().meta({ example: '2026-11-25T10:00:00.000Z' });

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A name or label: control characters are refused rather than stripped, because a name that
 * carries them is not a name; and it must be text the database can keep ({@link isStorableText}).
 */
export function nameText<T extends z.ZodType<string>>(schema: T): T {
  return storableText(schema.refine((text) => !CONTROL_CHARACTERS.test(text), { message: 'must not contain control characters', abort: true }));
}

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether PostgreSQL can take the text as given: not with NUL (U+0000), which text and jsonb
 * cannot hold, nor with a lone surrogate, which is no character at all (jsonb refuses its
 * escape, and text would hold U+FFFD instead).
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (\\u0000) or lone surrogates';

/** Text kept or looked up as given: only what the database cannot hold is refused ({@link isStorableText}). */
export function storableText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine(isStorableText, { message: UNSTORABLE_TEXT_MESSAGE });
}

/** Integers in query strings arrive as text. */
export const queryInt = (min: number, max: number, fallback: number) => optionalQueryInt(min, max).default(fallback);

/** The same without a default: absent stays absent. */
export const optionalQueryInt = (min: number, max: number) =>
  z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` })
    .optional();

/** The body of every /v1 error response. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'validation_failed' }),
      message: z.string().meta({ example: 'size: must be at least 1' }),
      details: z.unknown().optional(),
      requestId: z.string().meta({ example: 'c3f1b2a4-…' }),
    }),
  })
  .meta({ id: 'Error' });
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** Per-field validation failures, as carried in `error.details` of a 400. */
export interface FieldIssue {
  /** Dotted path to the field, e.g. `items.3.size`. */
  field: string;
  message: string;
}
