import { validationError } from '@sis/contracts';
import type { z } from 'zod';

/**
 * Validates part of a request against its contract schema.
 * @param where names the part in messages (`body`, `query`, `params`); body fields are named bare.
 * @throws ValidationError listing every failing field.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw validationError(result.error, value, where === 'body' ? undefined : where);
}
