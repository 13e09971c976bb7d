import {
  loadEnv as loadSettingsEnv,
  looseFlagField,
  misspelledSettingWarnings,
  parseSettings,
  positiveNumberField,
  settingsOrThrow,
  unclearFlagWarning,
  unreadTimeZoneWarning,
} from '@veza/settings';
import { z } from 'zod';

/**
 * The environment every command reads, once: the process environment, plus a
 * .env file in the working directory for the keys the environment does not
 * set (`@veza/settings`, as the API and the monitor read it). The keys that
 * came from the file are also put into `process.env`, so the commands the CLI
 * runs (SEND_CMD, PGBACKREST_CMD, BACKUP_CHECK_CMD…) see them, as with the
 * seed's `set -a; . .env`.
 */
export function loadEnv(cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const loaded = loadSettingsEnv({ cwd });
  for (const key of loaded.fromFile) process.env[key] = loaded.env[key];
  warnMisspelled(loaded);
  return loaded.env;
}

let warned = false;

/** The operator's flags that are read loosely (CI is left out: CI systems set it to their own name). */
const LOOSE_FLAGS = ['SEND', 'FORCE'] as const;

/**
 * Once per command, on stderr: a variable that looks like a misspelled
 * setting (`DATABSE_URL`), while the setting itself is unset; a SEND or FORCE
 * that is neither on nor off; a TZ that Node reads as UTC. The command
 * goes on with the setting's default, which for DATABASE_URL is the embedded
 * database: said before anything is done there, not found out on launch day.
 */
function warnMisspelled(loaded: ReturnType<typeof loadSettingsEnv>): void {
  if (warned) return;
  warned = true;
  for (const warning of misspelledSettingWarnings(loaded)) process.stderr.write(`veza-beta: warning: ${warning}\n`);
  // SEND=ture, FORCE=y: read as off (safe: nothing sent, nothing forced), but said; the flags stay loose, never an error
  for (const flag of LOOSE_FLAGS) {
    const warning = unclearFlagWarning(flag, loaded.env[flag]);
    if (warning) process.stderr.write(`veza-beta: warning: ${warning}\n`);
  }
  // TZ=CET-1CEST (a POSIX rule `date` reads) is UTC to Node: the dated folders and "today" would follow the UTC day
  const timeZone = unreadTimeZoneWarning(loaded.env['TZ']);
  if (timeZone) process.stderr.write(`veza-beta: warning: ${timeZone}\n`);
}

/**
 * The CLI's own settings (the libs read theirs: email, gates, database,
 * transport). Flags are read the seed's way: `1`/`true`/`yes`/`on` is on,
 * anything else off.
 */
const STALL_TIMEOUT_RANGE = 'must be a number of seconds from 1 to 86400';

export const CLI_SETTINGS_SCHEMA = z.object({
  /** accept cohort warnings (as --force) */
  FORCE: looseFlagField,
  /** `invites send` dispatches after preparing */
  SEND: looseFlagField,
  /** plain progress lines instead of a bar */
  CI: looseFlagField,
  /** emails per second; --rate overrides it (default: the mailer's, 10/s) */
  SEND_RATE: positiveNumberField('must be a positive number of emails per second').transform(Number).optional(),
  /** consecutive failures of one kind before dispatch stops (the mailer's default, 5); 0 never stops */
  FAIL_FAST_AFTER: z.string().regex(/^\d+$/, 'must be a whole number of failures (0 never stops)').transform(Number).optional(),
  /** seconds one SEND_CMD send may take before it is killed (the mailer's default, 60); read by the mailer, checked here so a bad value is exit 3 */
  SEND_TIMEOUT: positiveNumberField('must be a positive number of seconds').optional(),
  /** seconds without an answer from PostgreSQL before a command gives up (30), 1–86400; also the statements' lock_timeout */
  DATABASE_STALL_TIMEOUT: positiveNumberField(STALL_TIMEOUT_RANGE)
    .transform(Number)
    .pipe(z.number().min(1, STALL_TIMEOUT_RANGE).max(86_400, STALL_TIMEOUT_RANGE))
    .optional(),
  /** Markdown file `decision record` appends to */
  DECISION_LOG: z.string().optional(),
  /** the redemption-api preflight exercises; --api-url overrides it */
  REDEMPTION_API_URL: z.string().optional(),
});
export type CliSettings = z.output<typeof CLI_SETTINGS_SCHEMA>;

/** The CLI's settings from a loaded environment; throws SETTINGS_INVALID (exit 3, every problem listed) when one is bad. */
export function cliSettings(env: Readonly<Record<string, string | undefined>>): CliSettings {
  return settingsOrThrow(parseSettings(CLI_SETTINGS_SCHEMA, env, { showValues: true }));
}
