import type { z } from 'zod';
import type { FieldIssue } from './common.js';
import { ValidationError } from './errors/index.js';

/** The value at `path` inside `input`, or undefined when any step is missing. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Turns zod issues into field paths and messages a client can act on. */
export function fieldIssues(error: z.ZodError, input: unknown, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(input, issue.path) === undefined ? 'is required' : issue.message,
  }));
}

/** One ValidationError naming every failing field, as every 400 reports them. */
export function validationError(error: z.ZodError, input: unknown, prefix?: string): ValidationError {
  const issues = fieldIssues(error, input, prefix);
  return new ValidationError('validation_failed', issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
}

/** A ValidationError about one field, for checks a schema cannot make (an id that names nothing, say). */
export function fieldError(field: string, message: string): ValidationError {
  return new ValidationError('validation_failed', `${field}: ${message}`, [{ field, message }]);
}
