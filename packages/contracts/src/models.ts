import { z } from 'zod';
import { TimestampSchema } from './common.js';

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
      })
      .meta({ id: 'ModelCoverage' }),
    error: z.string().nullable().meta({ description: 'Why a worker could not load it, if it could not.' }),
    createdAt: TimestampSchema,
    activatedAt: TimestampSchema.nullable(),
    retiredAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Model' });
export type Model = z.infer<typeof ModelSchema>;

export const ListModelsResponseSchema = z.object({ items: z.array(ModelSchema) }).meta({ id: 'ModelList' });
export type ListModelsResponse = z.infer<typeof ListModelsResponseSchema>;
