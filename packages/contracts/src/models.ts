import { z } from 'zod';
import { storableText, TimestampSchema } from './common.js';

/** The ONNX variants transformers.js loads by name (CLIP_DTYPE, a model's `dtype`). */
export const MODEL_DTYPES = ['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;

/** Where a model is in its life: filling in, answering searches, kept up to date after a switch, or dropped. */
export const ModelStateSchema = z.enum(['building', 'active', 'standby', 'retired']).meta({ id: 'ModelState' });

export const ModelSchema = z
  .object({
    id: z.number().int().meta({ description: 'Names its vector table, image_vectors_<id>.' }),
    source: z.string().meta({ description: 'A Hugging Face id or a model folder, as CLIP_MODEL names it.', example: 'Xenova/clip-vit-base-patch32' }),
    dtype: z.string().nullable().meta({ description: 'The ONNX variant (CLIP_DTYPE); null for the model\'s own default.' }),
    dimension: z.number().int().nullable().meta({ description: 'Length of its vectors; null until a worker has loaded it.' }),
    state: ModelStateSchema,
    active: z.boolean().meta({ description: 'Whether searches answer from this model.' }),
    coverage: z
      .object({
        embedded: z.number().int().meta({ description: 'Ready images with a vector from this model.' }),
        ready: z.number().int().meta({ description: 'Ready images.' }),
        ratio: z.number().meta({ description: 'embedded / ready; 1 for an empty library.' }),
        perMinute: z.number().int().meta({ description: 'Vectors it stored in the last minute: how fast it is filling in.' }),
        etaSeconds: z.number().int().nullable().meta({ description: 'Time left to cover every ready image at that rate; null when complete or not moving.' }),
      })
      .meta({ id: 'ModelCoverage' }),
    activateWhenComplete: z.boolean().meta({ description: 'Whether searches move to it by themselves once it covers every ready image.' }),
    error: z.string().nullable().meta({ description: 'Why a worker could not load it, if it could not.' }),
    createdAt: TimestampSchema,
    activatedAt: TimestampSchema.nullable(),
    retiredAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Model' });
export type Model = z.infer<typeof ModelSchema>;

export const ListModelsResponseSchema = z.object({ items: z.array(ModelSchema) }).meta({ id: 'ModelList' });
export type ListModelsResponse = z.infer<typeof ListModelsResponseSchema>;

export const CreateModelRequestSchema = z
  .object({
    source: storableText(z.string({ message: 'must be text' }).trim().min(1, { message: 'must not be empty' }).max(500, { message: 'must be at most 500 characters' })).meta({
      description: 'A Hugging Face model id, or a model folder on the workers\' and search services\' disk.',
      example: 'Xenova/clip-vit-large-patch14',
    }),
    dtype: z.enum(MODEL_DTYPES, { message: `must be one of ${MODEL_DTYPES.join(', ')}` }).optional().meta({ description: "The ONNX variant to run; the model's own default when left out." }),
    activate: z.boolean({ message: 'must be true or false' }).default(true).meta({ description: 'Move searches to it by itself once it covers every ready image.' }),
  })
  .strict()
  .meta({ id: 'CreateModelRequest' });
export type CreateModelRequest = z.infer<typeof CreateModelRequestSchema>;

export const ActivateModelRequestSchema = z
  .object({
    force: z.boolean({ message: 'must be true or false' }).default(false).meta({ description: 'Switch even though the model has not embedded every ready image: those are missing from results until it has.' }),
  })
  .strict()
  .meta({ id: 'ActivateModelRequest' });

export const ModelIdParamsSchema = z.object({
  id: z.coerce.number({ message: 'must be a model id' }).int({ message: 'must be a model id' }).min(1, { message: 'must be a model id' }).max(2 ** 31 - 1, { message: 'must be a model id' }),
});
