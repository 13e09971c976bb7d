/**
 * The errors of @veza/settings. Each has a stable `code`; the README lists
 * every code with what it means and what to do. Messages name variables and
 * files, never a value.
 */
import { errorBrand, problemText } from '@veza/invite-rules';
import type { Problem } from '@veza/invite-rules';

/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const SETTINGS_ERROR_CODES = Object.freeze(['SETTINGS_INVALID', 'SETTINGS_ENV_FILE_UNREADABLE'] as const);
export type SettingsErrorCode = (typeof SETTINGS_ERROR_CODES)[number];

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/settings');

export class SettingsError extends Error {
  override name = 'SettingsError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, SettingsError, value);
  }

  constructor(
    readonly code: SettingsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
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
