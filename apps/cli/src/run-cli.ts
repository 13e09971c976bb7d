import type { Argv } from 'yargs';
import { SETTINGS_EXIT_CODE, SettingsError, SettingsInvalidError, formatProblems } from '@veza/settings';
import { ExitError } from './exit-error.js';
import { SQLSTATE_HINTS } from './sqlstate-hints.js';

/** Known errors from the libraries carry a stable `code`; anything else is a bug. */
function isCodedError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

/** Library errors that name a bad variable: configuration errors, exit 3, as the settings reader's. */
const SETTINGS_ERROR_CODES = new Set([
  'MAILER_SMTP_URL_INVALID',
  'MAILER_SEND_CMD_NOT_FOUND',
  'MAILER_TRANSPORT_BLANK',
  // DATABASE_URL names a server older than the oldest PostgreSQL veza-beta runs on
  'INVITES_DB_SERVER_TOO_OLD',
]);

/** Runs the parser and maps every outcome to an exit code. Only main.ts exits. */
export async function runCli(cli: Argv): Promise<number> {
  try {
    await cli.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof ExitError) {
      if (error.message) process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    // Bad settings, from any lib or the CLI's own schema: every problem listed, exit 3 (as the API and the monitor).
    if (error instanceof SettingsInvalidError) {
      process.stderr.write(formatProblems(error.problems, { app: 'veza-beta' }));
      return SETTINGS_EXIT_CODE;
    }
    if (error instanceof SettingsError) {
      process.stderr.write(`veza-beta: configuration error: ${error.message} (${error.code})\n`);
      return SETTINGS_EXIT_CODE;
    }
    if (isCodedError(error) && SETTINGS_ERROR_CODES.has(error.code)) {
      process.stderr.write(`veza-beta: configuration error: ${error.message} (${error.code})\n`);
      return SETTINGS_EXIT_CODE;
    }
    if (isCodedError(error)) {
      const hint = SQLSTATE_HINTS[error.code];
      process.stderr.write(`error ${error.code}: ${error.message}${hint ? ` — ${hint}` : ''}\n`);
      return 1;
    }
    process.stderr.write('veza-beta: unexpected error, this is a bug; please report it with the trace below.\n');
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 70;
  }
}
