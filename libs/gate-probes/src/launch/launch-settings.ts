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
});

export interface LaunchSettings {
  window: { start: Date; end: Date } | null;
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

export type LaunchSettingsResult = { ok: true; value: LaunchSettings } | { ok: false; problems: string[] };

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

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Reads the launch-day settings. Absent settings leave their check "not
 * checked"; a present but invalid one (not a URL, not a number, not a date)
 * is a problem, every problem listed. Tokens are kept, never printed.
 */
export function launchSettingsFromEnv(env: Record<string, string | undefined>): LaunchSettingsResult {
  const problems: string[] = [];
  const raw = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : null;
  };
  const url = (name: string, fallback: string | null = null): string | null => {
    const v = raw(name);
    if (v === null) return fallback;
    try {
      if (!['http:', 'https:'].includes(new URL(v).protocol)) throw new Error('scheme');
      return v.replace(/\/+$/, '');
    } catch {
      problems.push(`${name} must be an http(s) URL`);
      return null;
    }
  };
  const number = (name: string, fallback: number, min: number): number => {
    const v = raw(name);
    if (v === null) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) {
      problems.push(`${name} must be a number ≥ ${min}`);
      return fallback;
    }
    return n;
  };
  const date = (name: string): Date | null => {
    const v = raw(name);
    if (v === null) return null;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) problems.push(`${name} must be an ISO 8601 date`);
    return Number.isNaN(d.getTime()) ? null : d;
  };

  const start = date('BETA_START');
  const end = date('BETA_END');
  if (start && end && end <= start) problems.push('BETA_END must be after BETA_START');
  const pdToken = raw('PAGERDUTY_TOKEN');
  const pdUrl = url('PAGERDUTY_URL', LAUNCH_DEFAULTS.pagerdutyUrl);
  const repo = raw('GITHUB_REPO');
  if (repo && !/^[\w.-]+\/[\w.-]+$/.test(repo)) problems.push('GITHUB_REPO must be owner/name');
  const value: LaunchSettings = {
    window: start && end && end > start ? { start, end } : null,
    pagerduty:
      pdToken && pdUrl
        ? { url: pdUrl, token: pdToken, serviceIds: list(env['PAGERDUTY_SERVICE_IDS']), scheduleIds: list(env['PAGERDUTY_SCHEDULE_IDS']) }
        : null,
    healthUrl: url('HEALTH_URL'),
    minioUrl: url('MINIO_URL'),
    promUrl: url('PROM_URL'),
    promMinioQuery: raw('PROM_MINIO_QUERY') ?? LAUNCH_DEFAULTS.promMinioQuery,
    prom5xxQuery: raw('PROM_5XX_QUERY') ?? LAUNCH_DEFAULTS.prom5xxQuery,
    prom5xxMax: number('PROM_5XX_MAX', LAUNCH_DEFAULTS.prom5xxMax, 0),
    pgbackrestCmd: raw('PGBACKREST_CMD'),
    backupCheckCmd: raw('BACKUP_CHECK_CMD'),
    drillCheckCmd: raw('DRILL_CHECK_CMD'),
    statuspageUrl: url('STATUSPAGE_URL'),
    feedbackUrl: url('FEEDBACK_URL'),
    discord: {
      inviteUrl: url('DISCORD_URL'),
      apiUrl: url('DISCORD_API_URL', LAUNCH_DEFAULTS.discordApiUrl) ?? LAUNCH_DEFAULTS.discordApiUrl,
      botToken: raw('DISCORD_BOT_TOKEN'),
      channel: (raw('DISCORD_CHANNEL') ?? LAUNCH_DEFAULTS.discordChannel).replace(/^#/, ''),
    },
    github: {
      apiUrl: url('GITHUB_API_URL', LAUNCH_DEFAULTS.githubApiUrl) ?? LAUNCH_DEFAULTS.githubApiUrl,
      repo,
      token: raw('GITHUB_TOKEN'),
      label: raw('HIGH_LABEL') ?? LAUNCH_DEFAULTS.highLabel,
    },
    checkIntervalSeconds: number('CHECK_INTERVAL', LAUNCH_DEFAULTS.checkIntervalSeconds, 1),
    decisionLog: raw('DECISION_LOG'),
    timeoutMs: Math.min(600_000, Math.max(100, Math.round(number('GATE_TIMEOUT_MS', 10_000, 100)))),
  };
  return problems.length ? { ok: false, problems } : { ok: true, value };
}

/** The tokens of these settings, for scrubbing outputs. */
export function launchSecrets(settings: LaunchSettings): string[] {
  return [settings.pagerduty?.token, settings.discord.botToken, settings.github.token].filter((t): t is string => Boolean(t));
}
