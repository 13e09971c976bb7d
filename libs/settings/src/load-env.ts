import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { EnvFileUnreadableError } from './errors.js';

/** The environment an app runs with, and where each value came from. */
export interface LoadedEnv {
  /** the process environment, plus the .env keys it does not set (frozen) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** absolute path of the .env file read, or undefined when there is none */
  readonly file: string | undefined;
  /** the keys whose value came from that file (names only, never values) */
  readonly fromFile: readonly string[];
}

export interface LoadEnvOptions {
  /** where `.env` is looked for (default: the working directory) */
  cwd?: string | undefined;
  /** the environment that wins over the file (default: `process.env`) */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * Reads `.env` in the working directory the way every veza-beta app does: a
 * variable set in the environment wins, the file fills in the rest. Does not
 * modify `process.env`. Throws SETTINGS_ENV_FILE_UNREADABLE when the file
 * exists but cannot be read.
 */
export function loadEnv(options: LoadEnvOptions = {}): LoadedEnv {
  const base = options.env ?? process.env;
  const file = resolve(options.cwd ?? process.cwd(), '.env');
  if (!existsSync(file)) return Object.freeze({ env: Object.freeze({ ...base }), file: undefined, fromFile: Object.freeze([]) });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EnvFileUnreadableError(file, error);
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const fromFile = Object.keys(parsed).filter((key) => base[key] === undefined);
  const env: Record<string, string | undefined> = { ...base };
  for (const key of fromFile) env[key] = parsed[key];
  return Object.freeze({ env: Object.freeze(env), file, fromFile: Object.freeze(fromFile) });
}

/**
 * Where each of `names` that is set came from: the .env file's path or
 * `environment`. Names only, never values: for an app's startup line.
 */
export function settingSources(loaded: LoadedEnv, names: readonly string[]): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const name of names) {
    if (!loaded.env[name]?.trim()) continue;
    sources[name] = loaded.fromFile.includes(name) && loaded.file ? loaded.file : 'environment';
  }
  return sources;
}
