import { z } from 'zod';
import { IdSchema, ImageStatusSchema, queryInt, TimestampSchema } from './common.js';

/** What a listing or a search result shows of an image. */
export const ImageSummarySchema = z
  .object({
    id: IdSchema,
    status: ImageStatusSchema,
    filename: z.string().nullable().meta({ description: 'The name the client gave the file, if any.' }),
    contentType: z.string().meta({ example: 'image/jpeg' }),
    size: z.number().int().meta({ description: 'Bytes, as declared at upload.' }),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    batchId: IdSchema.nullable(),
    error: z.string().nullable().meta({ description: 'Why processing failed, when status is failed.' }),
    attempts: z.number().int().meta({ description: 'Times the worker has started on it.' }),
    thumbnailUrl: z.url().nullable().meta({ description: 'Short-lived URL of a 256-pixel WebP preview, once the image is ready.' }),
    createdAt: TimestampSchema,
    readyAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'ImageSummary' });
export type ImageSummary = z.infer<typeof ImageSummarySchema>;

/** Everything sis knows about one image. */
export const ImageDetailSchema = ImageSummarySchema.extend({
  name: z.string().nullable().meta({ description: "Unique name from the original service's routes." }),
  exif: z.record(z.string(), z.unknown()).nullable().meta({ description: 'EXIF tags read from the file, when it has any.' }),
  metadata: z.record(z.string(), z.unknown()),
  sha256: z.string().nullable(),
  duplicateOf: IdSchema.nullable().meta({ description: 'An earlier image with the same bytes, whose vector this one reuses.' }),
  model: z.string().nullable().meta({ description: 'The CLIP model that produced the vector.' }),
  updatedAt: TimestampSchema,
  url: z.url().nullable().meta({ description: 'Short-lived URL to download the original; null until uploaded.' }),
}).meta({ id: 'ImageDetail' });
export type ImageDetail = z.infer<typeof ImageDetailSchema>;

export const ListImagesQuerySchema = z.object({
  status: ImageStatusSchema.optional(),
  batchId: IdSchema.optional(),
  limit: queryInt(1, 200, 50),
  cursor: z.string().max(200).optional().meta({ description: 'nextCursor from the previous page.' }),
});
export type ListImagesQuery = z.infer<typeof ListImagesQuerySchema>;

export const ListImagesResponseSchema = z
  .object({
    items: z.array(ImageSummarySchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page.' }),
  })
  .meta({ id: 'ImageList' });
export type ListImagesResponse = z.infer<typeof ListImagesResponseSchema>;

export const DeleteImageResponseSchema = z.object({ id: IdSchema, deleted: z.literal(true) }).meta({ id: 'DeletedImage' });
