import type { z } from 'zod';
import { ValidationError } from './errors';

/**
 * Validates a service's input with a zod schema. Every problem is reported against the field it
 * concerns, in words a person can act on ("name: is required").
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.join('.') || 'input';
    fieldErrors[field] ??= issue.message;
  }
  const summary = Object.entries(fieldErrors)
    .map(([field, problem]) => `${field}: ${problem}`)
    .join('; ');
  throw new ValidationError(summary, fieldErrors);
}
