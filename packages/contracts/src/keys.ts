import { z } from 'zod';
import { IdSchema, TimestampSchema, nameText } from './common.js';

/** `read` lists and searches, `write` uploads and deletes, `admin` does everything. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export const ScopeSchema = z.enum(SCOPES).meta({ id: 'Scope' });
export type Scope = z.infer<typeof ScopeSchema>;

export const ApiKeySchema = z
  .object({
    id: IdSchema,
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the key, to tell keys apart.', example: 'sis_3kq9Z' }),
    scopes: z.array(ScopeSchema),
    createdAt: TimestampSchema,
    lastUsedAt: TimestampSchema.nullable(),
    revokedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreateApiKeyRequestSchema = z
  .object({
    name: nameText(z.string().trim().min(1, { message: 'must not be empty' }).max(100, { message: 'must be at most 100 characters' })),
    scopes: z.array(ScopeSchema).min(1, { message: 'must name at least one scope' }).transform((scopes) => [...new Set(scopes)]),
  })
  .meta({ id: 'CreateApiKeyRequest' });

export const CreateApiKeyResponseSchema = z
  .object({ key: ApiKeySchema, secret: z.string().meta({ description: 'The key itself. Shown once; only its hash is stored.' }) })
  .meta({ id: 'CreatedApiKey' });

export const ListApiKeysResponseSchema = z.object({ items: z.array(ApiKeySchema) }).meta({ id: 'ApiKeyList' });
