import { z } from 'zod';
import { storableText } from './common.js';

/**
 * The original Python service's shapes, kept byte-compatible for people migrating: snake_case
 * fields, `{"detail": ...}` errors.
 */
export const LegacyImageSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    aws_image_src: z.string().meta({ description: 'A short-lived URL of the original file.' }),
    exif_data: z.record(z.string(), z.unknown()).meta({ description: 'Flat EXIF tags with the names the original used; {} when none.' }),
    uploaded_at: z.string(),
  })
  .meta({ id: 'LegacyImage' });
export type LegacyImage = z.infer<typeof LegacyImageSchema>;

/** One entry of FastAPI's list of what a request lacked, as the original answered missing form fields. */
const LegacyFieldErrorSchema = z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() });

/** The original's errors: a sentence, or (422) the list of fields. */
export const LegacyErrorSchema = z.object({ detail: z.union([z.string(), z.array(LegacyFieldErrorSchema)]) }).meta({ id: 'LegacyError' });

export const LegacyListQuerySchema = z.object({
  q: z.string().trim().max(1000, { message: 'must be at most 1000 characters' }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

export const LegacyNameParamsSchema = z.object({ name: storableText(z.string().min(1).max(255)) });

export const LegacyDeleteResponseSchema = z.object({ Message: z.literal('Successfully deleted file.') }).meta({ id: 'LegacyDeleted' });
