import type { LoadedEnv } from './load-env.js';

/**
 * The settings veza-beta's apps read (docs/CONFIGURATION.md), for telling a
 * misspelled one: `DATABSE_URL` in a `.env` left `DATABASE_URL` unset, and
 * every command went on, exit 0, on a new embedded database.
 */
export const KNOWN_SETTINGS: readonly string[] = Object.freeze([
  'ADMIN_TOKEN',
  'BACKUP_CHECK_CMD',
  'BETA_END',
  'BETA_START',
  'BODY_LIMIT_BYTES',
  'CHECK_INTERVAL',
  'CORS_ORIGINS',
  'DATABASE_STALL_TIMEOUT',
  'DATABASE_URL',
  'DECISION_LOG',
  'DISCORD_API_URL',
  'DISCORD_BOT_TOKEN',
  'DISCORD_CHANNEL',
  'DISCORD_URL',
  'DRILL_CHECK_CMD',
  'FAIL_FAST_AFTER',
  'FEEDBACK_URL',
  'FORCE',
  'FRONTEND_URL',
  'GATES_RUN_TIMEOUT_MS',
  'GATES_WEBHOOK_URL',
  'GATE_TIMEOUT_MS',
  'GITHUB_API_URL',
  'GITHUB_REPO',
  'GITHUB_TOKEN',
  'HEALTH_URL',
  'HIGH_LABEL',
  'HIGH_MAX',
  'HOST',
  'K6_MAX_AGE_HOURS',
  'K6_WORKFLOW',
  'LOG_LEVEL',
  'LOOP',
  'MAIL_FROM',
  'MAIL_REPLY_TO',
  'MAIL_SUBJECT',
  'MAIL_TIMEZONE',
  'MAIL_UNSUBSCRIBE',
  'MAX_RUNS',
  'MINIO_URL',
  'PAGERDUTY_SCHEDULE_IDS',
  'PAGERDUTY_SERVICE_IDS',
  'PAGERDUTY_TOKEN',
  'PAGERDUTY_URL',
  'PGBACKREST_CMD',
  'PORT',
  'PROM_5XX_MAX',
  'PROM_5XX_QUERY',
  'PROM_MINIO_QUERY',
  'PROM_QUERY',
  'PROM_URL',
  'RATE_LIMIT_PER_MINUTE',
  'REDEMPTION_API_URL',
  'SEND',
  'SEND_CMD',
  'SEND_RATE',
  'SEND_TIMEOUT',
  'SENTRY_AUTH_TOKEN',
  'SENTRY_MAX',
  'SENTRY_ORG',
  'SENTRY_PERIOD',
  'SENTRY_PROJECT',
  'SENTRY_QUERY',
  'SENTRY_URL',
  'SHUTDOWN_TIMEOUT_MS',
  'SMTP_URL',
  'STATUSPAGE_URL',
  'TESTERS_COHORT',
  'TESTERS_TARGET',
  'TRUST_PROXY',
  'UNKNOWN_MAX_MINUTES',
  'VEZA_DATA_DIR',
  'WELCOME_EMAIL',
]);

export interface MisspelledSetting {
  /** the name as set */
  given: string;
  /** the setting it is one or two keystrokes from, which is not set */
  meant: string;
}

/**
 * The variables of `env` that look like a misspelling of a known setting that
 * is not set itself: another case (`database_url`), or one edit away (a letter
 * missing, extra, wrong or two swapped). Two edits for the names of `fromFile`
 * (a `.env` is written for veza-beta: every key in it is meant as a setting)
 * when the setting has 10 letters or more; the process environment holds the
 * machine's and the CI's own variables too (`GITHUB_REF` is two edits from
 * `GITHUB_REPO`). Names only, never values.
 */
export function misspelledSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: { fromFile?: readonly string[]; known?: readonly string[] } = {},
): MisspelledSetting[] {
  const known = options.known ?? KNOWN_SETTINGS;
  const fromFile = new Set(options.fromFile ?? []);
  const found: MisspelledSetting[] = [];
  const unset = known.filter((name) => !env[name]?.trim());
  for (const given of Object.keys(env)) {
    if (known.includes(given) || given.length < 4 || !env[given]?.trim()) continue;
    const upper = given.toUpperCase();
    let best: { name: string; distance: number } | undefined;
    for (const name of unset) {
      if (name.length < 4) continue;
      const distance = editDistance(upper, name, 2);
      const allowed = fromFile.has(given) && name.length >= 10 ? 2 : 1;
      if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
    }
    if (best) found.push({ given, meant: best.name });
  }
  return found;
}

/**
 * The warning of each misspelled setting (misspelledSettings) of an app's
 * loaded environment, one sentence each, for the app to print once at start
 * with its own prefix: where the name is set, the setting it resembles, and
 * what the app does instead. `withoutDatabaseUrl`: what this app does when
 * DATABASE_URL is unset (default: the embedded database is used). Names
 * only, never values.
 */
export function misspelledSettingWarnings(loaded: LoadedEnv, options: { withoutDatabaseUrl?: string } = {}): string[] {
  return misspelledSettings(loaded.env, { fromFile: loaded.fromFile }).map(({ given, meant }) => {
    const where = loaded.fromFile.includes(given) && loaded.file ? `in ${loaded.file}` : 'in the environment';
    const instead = meant === 'DATABASE_URL' ? (options.withoutDatabaseUrl ?? 'the embedded database is used') : 'its default applies';
    return `${given} (${where}) is not a setting: did you mean ${meant}? ${meant} is not set, so ${instead}.`;
  });
}

/** Optimal string alignment distance (Levenshtein plus swapped neighbours), or max + 1 once it exceeds max. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}
