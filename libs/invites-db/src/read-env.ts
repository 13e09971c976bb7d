import { parseSettings, SECRET_SETTINGS } from '@veza/settings';
import type { Problem, Validation } from '@veza/settings';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import type { OpenOptions } from './connect.js';
import { sameFolder } from './data-dir.js';
import { badSslMode, SSL_MODES } from './libpq-tls.js';
import { withHostAfterUserInfo } from './speaks-postgres.js';

/**
 * `.env` is read by `@veza/settings` (`loadEnv`), the one settings reader of
 * every app; `readEnv` is the same function under the name this package has
 * always exported, so a backend importing it keeps working.
 */
export { loadEnv as readEnv } from '@veza/settings';
export type { LoadedEnv as ReadEnvResult } from '@veza/settings';

/** The URL with only the first of several hosts (`db1:5432,db2:5432`), as postgres.js reads it: the WHATWG parser takes the list for a port. */
function firstHost(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)([^/?#,]*),[^/?#]*/, '$1$2');
}

/** The connection settings every app shares; DATABASE_URL is a secret (never echoed). */
export const DATABASE_SETTINGS_SCHEMA = z.object({
  /** PostgreSQL URL; unset → the embedded PGlite database */
  DATABASE_URL: z
    .string()
    .refine(
      (text) => /^postgres(ql)?:\/\/./.test(text) && URL.canParse(firstHost(withHostAfterUserInfo(text))),
      'must be a postgres:// or postgresql:// URL',
    )
    .refine((text) => badSslMode(text) === null, `has an unknown sslmode: use one of ${SSL_MODES.join(', ')}`)
    .optional(),
  /** where the embedded database lives (`<dir>/db`); unset → `.veza/db` under the working directory (blank: refused, blankDataDirProblem) */
  VEZA_DATA_DIR: z.string().optional(),
});

/**
 * DATABASE_URL present but blank. Other settings read blank as unset; this one
 * would then mean the embedded database, so `DATABASE_URL=$STAGING_DATABASE_URL`
 * with that variable unset in the shell (the seed checklist's own commands)
 * prepared and emailed invites whose codes only a local database knew. A blank
 * value in the environment also hid the URL a `.env` gave. Unset means embedded;
 * blank is refused.
 */
export function blankDatabaseUrlProblem(env: Readonly<Record<string, string | undefined>>): Problem | null {
  const raw = env['DATABASE_URL'];
  if (raw === undefined || raw.trim() !== '') return null;
  return {
    field: 'DATABASE_URL',
    message:
      'is set but empty (a variable unset in the shell, as in DATABASE_URL=$STAGING_DATABASE_URL?): give the PostgreSQL URL, or unset DATABASE_URL (and remove it from .env) to use the embedded database',
  };
}

/**
 * VEZA_DATA_DIR present but blank where the embedded database is used (no
 * DATABASE_URL). Read as unset, `VEZA_DATA_DIR=$DATA` with that variable
 * missing from the shell opened `.veza/db` under the working directory (made
 * there by the first command that writes): invites created and emailed from a
 * database the redemption API never reads, exit 0. With a DATABASE_URL the
 * folder is not used, and a blank one is let be.
 */
export function blankDataDirProblem(env: Readonly<Record<string, string | undefined>>): Problem | null {
  const raw = env['VEZA_DATA_DIR'];
  if (raw === undefined || raw.trim() !== '' || env['DATABASE_URL']?.trim()) return null;
  return {
    field: 'VEZA_DATA_DIR',
    message:
      'is set but empty (a variable unset in the shell, as in VEZA_DATA_DIR=$DATA?): give the folder that holds the embedded database (its db/), or unset VEZA_DATA_DIR (and remove it from .env) for the default (the CLI and the API: .veza/ in the working directory; the monitor: no database)',
  };
}

/** The database settings set but blank (DATABASE_URL; VEZA_DATA_DIR when it would be used): each is refused. */
export function blankDatabaseSettingsProblems(env: Readonly<Record<string, string | undefined>>): Problem[] {
  return [blankDatabaseUrlProblem(env), blankDataDirProblem(env)].filter((problem): problem is Problem => problem !== null);
}

/**
 * VEZA_DATA_DIR naming the database folder itself (`…/.veza/db`, the path every
 * command prints as "embedded database …/.veza/db") instead of the folder that
 * holds its db/. The database was then looked for in `…/.veza/db/db`: commands
 * said "not migrated", and `db migrate` made a second, empty database inside
 * the first, exit 0, where the next prepare created invites the redemption API
 * (on the right folder) never finds. Refused while that inner db/ is not a
 * database already.
 */
export function dataDirIsDatabaseProblem(env: Readonly<Record<string, string | undefined>>): Problem | null {
  const raw = env['VEZA_DATA_DIR']?.trim();
  if (!raw || env['DATABASE_URL']?.trim()) return null;
  const dir = resolve(raw);
  if (!existsSync(join(dir, 'PG_VERSION')) || existsSync(join(dir, 'db', 'PG_VERSION'))) return null;
  return {
    field: 'VEZA_DATA_DIR',
    message: `is the database folder itself (${dir} holds PG_VERSION), and the database would be looked for in ${join(dir, 'db')}: VEZA_DATA_DIR names the folder that holds db/, ${holderAdvice(dir)}`,
  };
}

/**
 * `VEZA_DATA_DIR=<folder>` as a POSIX shell reads it, for advice an operator
 * copies: a folder with a space, a quote or a `$` is single-quoted
 * (`VEZA_DATA_DIR='/Users/Ana Lopez/launch'`), a plain one is left as it is.
 */
export function dataDirSetting(folder: string): string {
  return `VEZA_DATA_DIR=${/^[\w@%+=:,./-]+$/.test(folder) ? folder : `'${folder.replaceAll("'", "'\\''")}'`}`;
}

/**
 * The folder that holds `dir` as its db/, to give as VEZA_DATA_DIR. Not always the parent as written: a link to
 * the database folder (`/srv/veza-db` → `/srv/launch/.veza/db`) has its own parent, and a copy named otherwise
 * (a backup restored as `/backup/veza-db-2026-11-30`) is no folder's db/; either parent, followed, was a folder
 * without db/, where `db migrate` made a second, empty database.
 */
function holderAdvice(dir: string): string {
  const parent = dirname(dir);
  if (sameFolder(join(parent, 'db'), dir)) return `set ${dataDirSetting(parent)}`;
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {
    // unreadable on the way: the advice below still holds
  }
  if (real !== dir && sameFolder(join(dirname(real), 'db'), dir))
    return `set ${dataDirSetting(dirname(real))} (${dir} is a link to ${real})`;
  return `and ${dir} is not named db: move it to a folder's db/ (or link it there) and set VEZA_DATA_DIR to that folder`;
}

/** Every problem of the database settings beyond their schema: blank values (above), VEZA_DATA_DIR naming the database folder. */
export function databaseSettingsProblems(env: Readonly<Record<string, string | undefined>>): Problem[] {
  return [...blankDatabaseSettingsProblems(env), dataDirIsDatabaseProblem(env)].filter((problem): problem is Problem => problem !== null);
}

/** DATABASE_URL, else VEZA_DATA_DIR/db, validated: every problem listed, the URL never shown. */
export function databaseSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Validation<OpenOptions> {
  const parsed = parseSettings(DATABASE_SETTINGS_SCHEMA, env, { secrets: SECRET_SETTINGS });
  const blanks = databaseSettingsProblems(env);
  if (blanks.length > 0) return { ok: false, problems: [...blanks, ...(parsed.ok ? [] : parsed.problems)], warnings: [] };
  if (!parsed.ok) return parsed;
  const { DATABASE_URL: databaseUrl, VEZA_DATA_DIR: dataDir } = parsed.value;
  return { ok: true, value: { databaseUrl, dataDir: dataDir === undefined ? undefined : resolve(dataDir, 'db') }, warnings: [] };
}
