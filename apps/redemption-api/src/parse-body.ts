import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Validates a JSON body against a strict schema; REQUEST_INVALID names the fields, never echoes values. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined) throw new ApiError('REQUEST_INVALID', 'A JSON body is required.');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'body';
    if (issue.code === 'unrecognized_keys')
      return `${where}: unknown field(s) ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`;
    return `${where}: ${issue.message}`;
  });
  throw new ApiError('REQUEST_INVALID', `The request is invalid: ${problems.join('; ')}.`);
}
