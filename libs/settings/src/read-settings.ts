import type { Validation } from '@veza/invite-rules';
import type { z } from 'zod';
import { loadEnv } from './load-env.js';
import type { LoadEnvOptions, LoadedEnv } from './load-env.js';
import { parseSettings } from './parse-settings.js';
import type { ParseSettingsOptions, SettingsSchema } from './parse-settings.js';

/** The validation, plus the environment it was read from (for other readers and the startup line). */
export type SettingsRead<T> = Validation<T> & { readonly source: LoadedEnv };

/**
 * The one way an app reads its settings: the environment plus `.env`
 * (loadEnv), then the schema (parseSettings). Read once, at start.
 */
export function readSettings<S extends SettingsSchema>(
  schema: S,
  options: LoadEnvOptions & ParseSettingsOptions = {},
): SettingsRead<z.output<S>> {
  const source = loadEnv(options);
  return { ...parseSettings(schema, source.env, options), source };
}
