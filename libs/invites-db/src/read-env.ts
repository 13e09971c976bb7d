import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** The environment an app runs with, and where each value came from. */
export interface ReadEnvResult {
  /** the process environment, plus the .env keys it does not set (frozen) */
  env: Readonly<NodeJS.ProcessEnv>;
  /** absolute path of the .env file read, or undefined when there is none */
  file: string | undefined;
  /** the keys whose value came from that file (names only, never values) */
  fromFile: readonly string[];
}

/**
 * Reads `.env` in the working directory the way every veza-beta app does: a
 * variable set in the process environment wins, the file fills in the rest.
 * Pure apart from reading the file: `process.env` is not modified.
 */
export function readEnv(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ReadEnvResult {
  const base = options.env ?? process.env;
  const path = resolve(options.cwd ?? process.cwd(), '.env');
  if (!existsSync(path)) return { env: Object.freeze({ ...base }), file: undefined, fromFile: [] };
  const parsed = parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  const fromFile = Object.keys(parsed).filter((key) => base[key] === undefined);
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of fromFile) env[key] = parsed[key];
  return { env: Object.freeze(env), file: path, fromFile: Object.freeze(fromFile) };
}
