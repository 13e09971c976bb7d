/**
 * The errors of @veza/settings. Each has a stable `code`; the README lists
 * every code with what it means and what to do. Messages name variables and
 * files, never a value.
 */
import { problemText } from '@veza/invite-rules';
import type { Problem } from '@veza/invite-rules';

/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const SETTINGS_ERROR_CODES = Object.freeze(['SETTINGS_INVALID', 'SETTINGS_ENV_FILE_UNREADABLE'] as const);
export type SettingsErrorCode = (typeof SETTINGS_ERROR_CODES)[number];

export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly code: SettingsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** One or more settings are missing or malformed; `problems` lists every one (names and reasons, no values). */
export class SettingsInvalidError extends SettingsError {
  override name = 'SettingsInvalidError';
  constructor(readonly problems: readonly Problem[]) {
    super('SETTINGS_INVALID', `settings are invalid: ${problems.map(problemText).join('; ')}`);
  }
}

/** The .env file exists but cannot be read (permissions, a directory). Its content is never quoted. */
export class EnvFileUnreadableError extends SettingsError {
  override name = 'EnvFileUnreadableError';
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
    const reason = typeof code === 'string' ? code : 'unreadable';
    super('SETTINGS_ENV_FILE_UNREADABLE', `cannot read ${file} (${reason})`, { cause });
  }
}
