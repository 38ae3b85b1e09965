import { z } from 'zod';
import { IdSchema, isStorableText, UNSTORABLE_TEXT_MESSAGE, nameText } from './common.js';
import { ImageDetailSchema } from './images.js';

/** Image types the worker decodes. HEIC/HEIF is left out: sharp's bundled libvips has no HEVC decoder. */
export const ACCEPTED_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/tiff'] as const;
export type AcceptedContentType = (typeof ACCEPTED_CONTENT_TYPES)[number];
export const MAX_BATCH_ITEMS = 500;
const MAX_METADATA_BYTES = 16 * 1024;
/** How deep metadata may nest; deeper JSON is refused before anything walks it recursively. */
const MAX_METADATA_DEPTH = 32;

export const FilenameSchema = nameText(
  z
    .string()
    .trim()
    .min(1, { message: 'must not be empty' })
    .max(255, { message: 'must be at most 255 characters' }),
).meta({ example: 'beach/sunset.jpg', description: 'A label only: it never becomes part of a storage path.' });

/**
 * How many levels of objects and arrays a JSON value nests, up to one past `limit`, counted
 * without recursion: a value thousands of levels deep would exhaust the stack of anything that
 * recursed (JSON.stringify included).
 */
function nesting(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length && deepest <= limit) {
    const [inner, depth] = pending.pop()!;
    if (inner === null || typeof inner !== 'object') continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(inner)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** Whether every key and string of a JSON value is text jsonb can hold. */
function isStorableJson(value: unknown): boolean {
  let storable = true;
  JSON.stringify(value, (key, inner: unknown) => {
    storable &&= isStorableText(key) && (typeof inner !== 'string' || isStorableText(inner));
    return inner;
  });
  return storable;
}

export const MetadataSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => nesting(value, MAX_METADATA_DEPTH) <= MAX_METADATA_DEPTH, { message: `must nest at most ${MAX_METADATA_DEPTH} levels`, abort: true })
  .refine((value) => JSON.stringify(value).length <= MAX_METADATA_BYTES, { message: `must be at most ${MAX_METADATA_BYTES} bytes of JSON` })
  .refine(isStorableJson, { message: UNSTORABLE_TEXT_MESSAGE })
  .meta({ description: 'Free-form fields kept with the image (e.g. from a sidecar file).' });

export const CreateUploadRequestSchema = z
  .object({
    filename: FilenameSchema,
    contentType: z.string().trim().toLowerCase().min(1, { message: 'must not be empty' }).meta({ example: 'image/jpeg', description: `One of ${ACCEPTED_CONTENT_TYPES.join(', ')}.` }),
    size: z.number({ message: 'must be a number of bytes' }).int({ message: 'must be a whole number of bytes' }).min(1, { message: 'must be at least 1 byte' }).meta({ example: 482113 }),
    metadata: MetadataSchema.optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hex digits' })
      .optional()
      .meta({ description: "The file's SHA-256, if the client knows it. The worker checks it; batch presigning uses it to skip files already uploaded." }),
  })
  .meta({ id: 'CreateUploadRequest' });
export type CreateUploadRequest = z.infer<typeof CreateUploadRequestSchema>;

export const PresignedUploadSchema = z
  .object({
    method: z.literal('PUT'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).meta({ description: 'Send exactly these headers with the PUT; they are signed.' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'PresignedUpload' });
export type PresignedUpload = z.infer<typeof PresignedUploadSchema>;

export const CreateUploadResponseSchema = z.object({ image: ImageDetailSchema, upload: PresignedUploadSchema }).meta({ id: 'CreatedUpload' });
export type CreateUploadResponse = z.infer<typeof CreateUploadResponseSchema>;

export const BatchUploadRequestSchema = z
  .object({
    label: nameText(z.string().trim().max(200)).optional().meta({ description: 'Shown on the dashboard, e.g. the folder being ingested.' }),
    // Items are validated one by one by the service, so one bad item does not fail the rest.
    items: z
      .array(z.unknown())
      .min(1, { message: 'must hold at least one item' })
      .max(MAX_BATCH_ITEMS, { message: `must hold at most ${MAX_BATCH_ITEMS} items` })
      .meta({ description: `Up to ${MAX_BATCH_ITEMS} CreateUploadRequest objects.` }),
  })
  .meta({ id: 'BatchUploadRequest' });

export const BatchItemErrorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const BatchUploadResponseSchema = z
  .object({
    batch: z.object({ id: IdSchema }),
    items: z.array(
      z.discriminatedUnion('ok', [
        z.object({
          index: z.number().int(),
          ok: z.literal(true),
          image: ImageDetailSchema,
          existing: z.boolean().meta({ description: 'An image with this sha256 was already there (ready, queued, or failed: see its status). No upload is needed unless one is given, for an upload never finished.' }),
          // Not PresignedUploadSchema.nullable(): for a schema with an id, the OpenAPI generator
          // writes that as allOf [PresignedUpload, object|null], which null can never satisfy.
          upload: z.union([PresignedUploadSchema, z.null()]),
        }),
        z.object({ index: z.number().int(), ok: z.literal(false), error: BatchItemErrorSchema }),
      ]),
    ),
  })
  .meta({ id: 'BatchUploadResponse' });
export type BatchUploadResponse = z.infer<typeof BatchUploadResponseSchema>;

export const CompleteUploadResponseSchema = z.object({ image: ImageDetailSchema }).meta({ id: 'CompletedUpload' });

export const BatchCompleteResponseSchema = z
  .object({
    batch: z.object({ id: IdSchema }),
    queued: z.number().int().meta({ description: 'Images moved to queued by this call.' }),
    alreadyCompleted: z.number().int(),
    missing: z.array(z.object({ id: IdSchema, error: BatchItemErrorSchema })).meta({ description: 'Images whose upload was not found or did not match.' }),
  })
  .meta({ id: 'BatchCompleteResponse' });
export type BatchCompleteResponse = z.infer<typeof BatchCompleteResponseSchema>;
