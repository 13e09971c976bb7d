import { existsSync } from 'node:fs';

/**
 * The environment every command reads, once: the process environment, plus a
 * .env file in the working directory for the keys the environment does not set.
 */
export function loadEnv(cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const file = `${cwd}/.env`;
  if (existsSync(file)) process.loadEnvFile(file);
  return Object.freeze({ ...process.env });
}

/** FORCE=1 (or true/yes) as the seed scripts read it. */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  return /^(1|true|yes|on)$/i.test(env[name]?.trim() ?? '');
}
