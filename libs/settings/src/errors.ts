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

/** Marks this package's errors in every copy of it loaded at once (Symbol.for: one symbol per process). */
const ERROR_BRAND = Symbol.for('@veza/settings.error');

export class SettingsError extends Error {
  override name = 'SettingsError';

  /**
   * `instanceof` also holds for an error thrown by another copy of this
   * package: a backend whose own @veza/settings is another version than the one
   * a lib it installed depends on has two (npm nests the second), and an
   * error from that one failed `instanceof` against the backend's classes.
   * The other copy's error carries the same brand; a subclass is matched by
   * its name. The `code`s are the same in every copy.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(ERROR_BRAND in value)) return false;
    return this === SettingsError || (value as { name?: unknown }).name === this.name;
  }

  constructor(
    readonly code: SettingsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, ERROR_BRAND, { value: true });
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
