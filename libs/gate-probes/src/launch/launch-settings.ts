import type { Problem } from '@veza/invite-rules';
import { commaListField, parseSettings, SECRET_SETTINGS } from '@veza/settings';
import type { Validation } from '@veza/settings';
import { z } from 'zod';
import { apiUrlField } from '../config.js';

/** Every launch-day default in one place. */
export const LAUNCH_DEFAULTS = Object.freeze({
  pagerdutyUrl: 'https://api.pagerduty.com',
  discordApiUrl: 'https://discord.com/api/v10',
  discordChannel: 'beta-feedback',
  githubApiUrl: 'https://api.github.com',
  highLabel: 'severity: high',
  promMinioQuery: 'sum(minio_cluster_drive_offline_total)',
  prom5xxQuery: 'sum(rate(http_requests_total{status=~"5.."}[1h])) / sum(rate(http_requests_total[1h]))',
  /** 5xx share of requests over the last hour allowed for ✅ (1 %) */
  prom5xxMax: 0.01,
  /** newest full or diff backup allowed age, hours */
  backupMaxAgeHours: 24,
  /** seconds between monitor runs (the monitor's CHECK_INTERVAL default) */
  checkIntervalSeconds: 300,
  /** a HIGH issue older than this with no assignee and no comment is untriaged, minutes */
  triageMaxMinutes: 60,
  /** budget of one child command (pgBackRest, hooks), milliseconds */
  commandTimeoutMs: 60_000,
  /** each HTTP check's budget, retries included, milliseconds (GATE_TIMEOUT_MS, as the gates) */
  gateTimeoutMs: 10_000,
  /**
   * Without BETA_END, the Discord invite must live at least this long, days:
   * the invite codes in the emails live 30 days (beta_invites.expires_at's default).
   */
  discordInviteMinDays: 30,
});

export interface LaunchSettings {
  window: { start: Date; end: Date } | null;
  /** BETA_END, even without BETA_START (the Discord invite must outlive it) */
  betaEnd: Date | null;
  /** BETA_START, even without BETA_END: the launch, from which hour 1 counts sign-ups and messages */
  betaStart: Date | null;
  pagerduty: { url: string; token: string; serviceIds: string[]; scheduleIds: string[] } | null;
  healthUrl: string | null;
  minioUrl: string | null;
  promUrl: string | null;
  promMinioQuery: string;
  prom5xxQuery: string;
  prom5xxMax: number;
  pgbackrestCmd: string | null;
  backupCheckCmd: string | null;
  drillCheckCmd: string | null;
  statuspageUrl: string | null;
  feedbackUrl: string | null;
  discord: { inviteUrl: string | null; apiUrl: string; botToken: string | null; channel: string };
  github: { apiUrl: string; repo: string | null; token: string | null; label: string };
  checkIntervalSeconds: number;
  decisionLog: string | null;
  /** each HTTP check's budget, retries included (GATE_TIMEOUT_MS, as the gates) */
  timeoutMs: number;
}

/** The shared result shape (`@veza/settings`): each problem names its variable. */
export type LaunchSettingsResult = Validation<LaunchSettings>;

/** The environment variables the launch-day checks read. */
export const LAUNCH_ENV_VARS = [
  'BETA_START',
  'BETA_END',
  'PAGERDUTY_TOKEN',
  'PAGERDUTY_URL',
  'PAGERDUTY_SERVICE_IDS',
  'PAGERDUTY_SCHEDULE_IDS',
  'HEALTH_URL',
  'MINIO_URL',
  'PROM_URL',
  'PROM_MINIO_QUERY',
  'PROM_5XX_QUERY',
  'PROM_5XX_MAX',
  'PGBACKREST_CMD',
  'BACKUP_CHECK_CMD',
  'DRILL_CHECK_CMD',
  'STATUSPAGE_URL',
  'FEEDBACK_URL',
  'DISCORD_URL',
  'DISCORD_API_URL',
  'DISCORD_BOT_TOKEN',
  'DISCORD_CHANNEL',
  'GITHUB_API_URL',
  'GITHUB_REPO',
  'GITHUB_TOKEN',
  'HIGH_LABEL',
  'CHECK_INTERVAL',
  'DECISION_LOG',
  'GATE_TIMEOUT_MS',
] as const;

/** An http(s) URL, trailing slashes removed; the message never quotes it (it may hold credentials). */
const urlField = apiUrlField('must be an http(s) URL');

/** A number ≥ min, as `Number()` reads it (so `1e3` is 1000, as before). */
function numberField(min: number) {
  return z
    .string()
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n >= min, `must be a number ≥ ${min}`);
}

/**
 * ISO 8601 with `Z` or an offset, or a date alone (UTC midnight). `new Date()`
 * alone would read `2026-12-01T15:00:00` in the machine's time zone (the
 * verdict would depend on the laptop) and accept `1` or `12/14/2026`.
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):?[0-5]\d))?$/;
export const INSTANT_FORM =
  'ISO 8601 with Z or an offset, e.g. 2026-12-01T16:00:00Z or 2026-12-01T17:00:00+01:00 (a date alone is UTC midnight)';

/** The instant of `text` in INSTANT's form, or null; a day or an hour that does not exist (02-30, 24:00) is null too. */
export function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((n) => Number(n ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? null : date;
}

const dateField = z.string().transform((text, ctx) => {
  const date = parseInstant(text);
  if (date === null) ctx.addIssue({ code: 'custom', message: `must be ${INSTANT_FORM}` });
  return date ?? new Date(Number.NaN);
});

/** The launch-day variables, in LAUNCH_ENV_VARS order (problems come out in this order); every default stated once. */
export const LAUNCH_SETTINGS_SCHEMA = z.object({
  BETA_START: dateField.optional(),
  BETA_END: dateField.optional(),
  PAGERDUTY_TOKEN: z.string().optional(),
  PAGERDUTY_URL: urlField.default(LAUNCH_DEFAULTS.pagerdutyUrl),
  PAGERDUTY_SERVICE_IDS: commaListField.default([]),
  PAGERDUTY_SCHEDULE_IDS: commaListField.default([]),
  HEALTH_URL: urlField.optional(),
  MINIO_URL: urlField.optional(),
  PROM_URL: urlField.optional(),
  PROM_MINIO_QUERY: z.string().default(LAUNCH_DEFAULTS.promMinioQuery),
  PROM_5XX_QUERY: z.string().default(LAUNCH_DEFAULTS.prom5xxQuery),
  PROM_5XX_MAX: numberField(0).default(LAUNCH_DEFAULTS.prom5xxMax),
  PGBACKREST_CMD: z.string().optional(),
  BACKUP_CHECK_CMD: z.string().optional(),
  DRILL_CHECK_CMD: z.string().optional(),
  STATUSPAGE_URL: urlField.optional(),
  FEEDBACK_URL: urlField.optional(),
  DISCORD_URL: urlField.optional(),
  DISCORD_API_URL: urlField.default(LAUNCH_DEFAULTS.discordApiUrl),
  DISCORD_BOT_TOKEN: z.string().optional(),
  DISCORD_CHANNEL: z
    .string()
    .default(LAUNCH_DEFAULTS.discordChannel)
    .transform((name) => name.replace(/^#/, '')),
  GITHUB_API_URL: urlField.default(LAUNCH_DEFAULTS.githubApiUrl),
  GITHUB_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name')
    .optional(),
  GITHUB_TOKEN: z.string().optional(),
  HIGH_LABEL: z.string().default(LAUNCH_DEFAULTS.highLabel),
  CHECK_INTERVAL: numberField(1).default(LAUNCH_DEFAULTS.checkIntervalSeconds),
  DECISION_LOG: z.string().optional(),
  // Rounded and held within 100 ms … 10 min, as the gates' own budget.
  GATE_TIMEOUT_MS: numberField(100)
    .transform((ms) => Math.min(600_000, Math.max(100, Math.round(ms))))
    .default(LAUNCH_DEFAULTS.gateTimeoutMs),
});

/** BETA_END after BETA_START, checked apart so that it is listed with the other problems. */
function windowProblems(start: Date | undefined, end: Date | undefined): Problem[] {
  return start && end && end <= start ? [{ field: 'BETA_END', message: 'must be after BETA_START' }] : [];
}

/**
 * Reads the launch-day settings from an environment (an app passes what
 * `@veza/settings` loaded). Absent settings leave their check "not
 * checked"; a present but invalid one (not a URL, not a number, not a date)
 * is a problem naming the variable, every problem listed. Tokens are kept,
 * never printed.
 */
export function launchSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): LaunchSettingsResult {
  const parsed = parseSettings(LAUNCH_SETTINGS_SCHEMA, env, { secrets: SECRET_SETTINGS });
  if (!parsed.ok) {
    // The window rule needs both dates valid: add it when they are, so that it is not hidden by another problem.
    const dates = parseSettings(LAUNCH_SETTINGS_SCHEMA.pick({ BETA_START: true, BETA_END: true }), env);
    const window = dates.ok ? windowProblems(dates.value.BETA_START, dates.value.BETA_END) : [];
    return { ok: false, problems: [...parsed.problems, ...window], warnings: [] };
  }
  const v = parsed.value;
  const window = windowProblems(v.BETA_START, v.BETA_END);
  if (window.length > 0) return { ok: false, problems: window, warnings: [] };
  const value: LaunchSettings = {
    window: v.BETA_START && v.BETA_END ? { start: v.BETA_START, end: v.BETA_END } : null,
    betaEnd: v.BETA_END ?? null,
    betaStart: v.BETA_START ?? null,
    pagerduty: v.PAGERDUTY_TOKEN
      ? { url: v.PAGERDUTY_URL, token: v.PAGERDUTY_TOKEN, serviceIds: v.PAGERDUTY_SERVICE_IDS, scheduleIds: v.PAGERDUTY_SCHEDULE_IDS }
      : null,
    healthUrl: v.HEALTH_URL ?? null,
    minioUrl: v.MINIO_URL ?? null,
    promUrl: v.PROM_URL ?? null,
    promMinioQuery: v.PROM_MINIO_QUERY,
    prom5xxQuery: v.PROM_5XX_QUERY,
    prom5xxMax: v.PROM_5XX_MAX,
    pgbackrestCmd: v.PGBACKREST_CMD ?? null,
    backupCheckCmd: v.BACKUP_CHECK_CMD ?? null,
    drillCheckCmd: v.DRILL_CHECK_CMD ?? null,
    statuspageUrl: v.STATUSPAGE_URL ?? null,
    feedbackUrl: v.FEEDBACK_URL ?? null,
    discord: {
      inviteUrl: v.DISCORD_URL ?? null,
      apiUrl: v.DISCORD_API_URL,
      botToken: v.DISCORD_BOT_TOKEN ?? null,
      channel: v.DISCORD_CHANNEL,
    },
    github: { apiUrl: v.GITHUB_API_URL, repo: v.GITHUB_REPO ?? null, token: v.GITHUB_TOKEN ?? null, label: v.HIGH_LABEL },
    checkIntervalSeconds: v.CHECK_INTERVAL,
    decisionLog: v.DECISION_LOG ?? null,
    timeoutMs: v.GATE_TIMEOUT_MS,
  };
  return { ok: true, value, warnings: [] };
}

/** The tokens of these settings, for scrubbing outputs. */
export function launchSecrets(settings: LaunchSettings): string[] {
  return [settings.pagerduty?.token, settings.discord.botToken, settings.github.token].filter((t): t is string => Boolean(t));
}
