import { cohortProblem } from '@veza/invite-rules';
import type { GateId } from './types.js';

/** Every default in one place. */
export const GATE_DEFAULTS = Object.freeze({
  sentryUrl: 'https://sentry.io',
  /** Sentry applies is:unresolved only when no query is given, so the default repeats it. */
  sentryQuery: 'is:unresolved issue.priority:high',
  sentryPeriod: '24h',
  /** issues allowed for ✅ */
  sentryMax: 0,
  promQuery: 'min_over_time(probe_success[15m])',
  githubApiUrl: 'https://api.github.com',
  /** hours since the last green scheduled run: one missed night (24 h) plus slack for a slow run */
  k6MaxAgeHours: 30,
  k6Branch: 'main',
  highLabel: 'severity: high',
  /** open HIGH issues allowed for ✅ */
  highMax: 0,
  /** per-gate budget in milliseconds, retries included */
  timeoutMs: 10_000,
  /** extra attempts after a transient failure (5xx, network, 429) */
  retries: 2,
});

export interface TestersConfig {
  target: number;
  cohort: string | null;
}
export interface SentryConfig {
  baseUrl: string;
  org: string;
  token: string;
  /** numeric project ids; empty = all projects of the organisation */
  projects: string[];
  query: string;
  period: string;
  max: number;
}
export interface StatuspageConfig {
  /** page base URL, without /api/v2/… */
  url: string;
}
export interface SyntheticConfig {
  promUrl: string;
  query: string;
}
export interface GithubTarget {
  apiUrl: string;
  /** owner/name */
  repo: string;
  token: string | null;
}
export interface K6Config extends GithubTarget {
  /** workflow file name (nightly.yml) or numeric id */
  workflow: string;
  branch: string;
  maxAgeHours: number;
}
export interface HighIssuesConfig extends GithubTarget {
  label: string;
  max: number;
}

/** A validated configuration; a gate set to null is ⚪ not configured. */
export interface GatesConfig {
  timeoutMs: number;
  retries: number;
  testers: TestersConfig | null;
  sentry: SentryConfig | null;
  statuspage: StatuspageConfig | null;
  synthetic: SyntheticConfig | null;
  k6: K6Config | null;
  highIssues: HighIssuesConfig | null;
}

export type GatesConfigResult = { ok: true; value: GatesConfig; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

/** The variables this lib reads (DATABASE_URL is the caller's). */
export const GATE_ENV_VARS = [
  'TESTERS_TARGET',
  'TESTERS_COHORT',
  'SENTRY_AUTH_TOKEN',
  'SENTRY_ORG',
  'SENTRY_URL',
  'SENTRY_PROJECT',
  'SENTRY_QUERY',
  'SENTRY_PERIOD',
  'SENTRY_MAX',
  'STATUSPAGE_URL',
  'PROM_URL',
  'PROM_QUERY',
  'GITHUB_TOKEN',
  'GITHUB_REPO',
  'GITHUB_API_URL',
  'K6_WORKFLOW',
  'K6_MAX_AGE_HOURS',
  'HIGH_LABEL',
  'HIGH_MAX',
  'GATE_TIMEOUT_MS',
] as const;
type Var = (typeof GATE_ENV_VARS)[number];

/** Prefixes owned by the gates: an unknown variable under one of them is probably a typo. */
const OWNED_PREFIXES = ['TESTERS_', 'STATUSPAGE_', 'PROM_', 'K6_', 'HIGH_', 'GATE_'];

class Reader {
  readonly errors: string[] = [];
  constructor(private readonly env: Record<string, string | undefined>) {}

  raw(name: Var): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }
  has(...names: Var[]): boolean {
    return names.some((n) => this.raw(n) !== undefined);
  }
  url(name: Var, fallback?: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      return value.replace(/\/+$/, '');
    } catch {
      this.errors.push(`${name} is not an http(s) URL`);
      return undefined;
    }
  }
  number(name: Var, fallback: number, rule: { integer?: boolean; min: number; max?: number }): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
    const ok = Number.isFinite(n) && n >= rule.min && (rule.max === undefined || n <= rule.max) && (!rule.integer || Number.isInteger(n));
    if (!ok) {
      const kind = rule.integer ? 'an integer' : 'a number';
      this.errors.push(`${name} must be ${kind} ≥ ${rule.min}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`} (got "${value}")`);
      return fallback;
    }
    return n;
  }
  pattern(name: Var, re: RegExp, what: string, fallback?: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!re.test(value)) {
      this.errors.push(`${name} must be ${what} (got "${value}")`);
      return undefined;
    }
    return value;
  }
  require(name: Var, because: string): void {
    if (!this.has(name)) this.errors.push(`${name} is required ${because}`);
  }
}

/**
 * Reads the gates' settings from an environment (pass process.env, or a
 * parsed .env). Strict: a present but invalid value is an error naming the
 * variable; a gate whose settings are all absent is null (⚪ not configured);
 * a gate set up by halves is an error.
 */
export function gatesConfigFromEnv(env: Record<string, string | undefined>): GatesConfigResult {
  const r = new Reader(env);
  const warnings: string[] = [];
  for (const key of Object.keys(env)) {
    if (OWNED_PREFIXES.some((p) => key.startsWith(p)) && !(GATE_ENV_VARS as readonly string[]).includes(key)) {
      warnings.push(`${key} is not a gates setting (ignored); known: ${GATE_ENV_VARS.filter((v) => v.startsWith(key.split('_')[0]!)).join(', ')}`);
    }
  }

  const timeoutMs = r.number('GATE_TIMEOUT_MS', GATE_DEFAULTS.timeoutMs, { integer: true, min: 100, max: 600_000 });

  let testers: TestersConfig | null = null;
  if (r.has('TESTERS_TARGET', 'TESTERS_COHORT')) {
    r.require('TESTERS_TARGET', 'when TESTERS_COHORT is set');
    const target = r.number('TESTERS_TARGET', 0, { integer: true, min: 1 });
    // The cohort-label rule of every other part (validator, database, emails): `fans/discord` is a label.
    const cohortValue = r.raw('TESTERS_COHORT');
    const cohortIssue = cohortValue === undefined ? null : cohortProblem(cohortValue);
    if (cohortIssue) r.errors.push(`TESTERS_COHORT ${cohortIssue} (got "${cohortValue}")`);
    const cohort = cohortIssue ? null : (cohortValue ?? null);
    testers = { target, cohort };
  }

  let sentry: SentryConfig | null = null;
  if (r.has('SENTRY_AUTH_TOKEN', 'SENTRY_ORG', 'SENTRY_URL', 'SENTRY_PROJECT', 'SENTRY_QUERY', 'SENTRY_PERIOD', 'SENTRY_MAX')) {
    r.require('SENTRY_AUTH_TOKEN', 'for the Sentry gate (other SENTRY_* settings are set)');
    r.require('SENTRY_ORG', 'for the Sentry gate (other SENTRY_* settings are set)');
    const projects = r.pattern('SENTRY_PROJECT', /^\d+(,\d+)*$/, 'numeric project ids separated by commas');
    sentry = {
      token: r.raw('SENTRY_AUTH_TOKEN') ?? '',
      org: r.pattern('SENTRY_ORG', /^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'an organisation slug') ?? '',
      baseUrl: r.url('SENTRY_URL', GATE_DEFAULTS.sentryUrl) ?? '',
      projects: projects ? projects.split(',') : [],
      query: r.raw('SENTRY_QUERY') ?? GATE_DEFAULTS.sentryQuery,
      period: r.pattern('SENTRY_PERIOD', /^\d+[smhdw]$/, 'a Sentry statsPeriod such as 24h, 90m, 14d', GATE_DEFAULTS.sentryPeriod) ?? '',
      max: r.number('SENTRY_MAX', GATE_DEFAULTS.sentryMax, { integer: true, min: 0 }),
    };
  }

  const statuspageUrl = r.url('STATUSPAGE_URL');
  // Accept the page URL or a pasted API URL: keep the page base only.
  const statuspage = statuspageUrl ? { url: statuspageUrl.replace(/\/api\/v2(\/.*)?$/, '') } : null;

  let synthetic: SyntheticConfig | null = null;
  if (r.has('PROM_URL', 'PROM_QUERY')) {
    r.require('PROM_URL', 'when PROM_QUERY is set');
    synthetic = { promUrl: r.url('PROM_URL') ?? '', query: r.raw('PROM_QUERY') ?? GATE_DEFAULTS.promQuery };
  }

  const githubUsed = r.has('K6_WORKFLOW', 'K6_MAX_AGE_HOURS', 'HIGH_LABEL', 'HIGH_MAX', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_REPO');
  let k6: K6Config | null = null;
  let highIssues: HighIssuesConfig | null = null;
  if (githubUsed) {
    r.require('GITHUB_REPO', 'for the k6 and HIGH issues gates (other GITHUB_/K6_/HIGH_ settings are set)');
    const github: GithubTarget = {
      apiUrl: r.url('GITHUB_API_URL', GATE_DEFAULTS.githubApiUrl) ?? '',
      repo: r.pattern('GITHUB_REPO', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name') ?? '',
      token: r.raw('GITHUB_TOKEN') ?? null,
    };
    if (github.token === null) warnings.push('GITHUB_TOKEN is not set: GitHub allows 60 unauthenticated requests per hour and hides private repositories');
    if (r.has('K6_WORKFLOW', 'K6_MAX_AGE_HOURS')) {
      r.require('K6_WORKFLOW', 'when K6_MAX_AGE_HOURS is set');
      k6 = {
        ...github,
        workflow: r.pattern('K6_WORKFLOW', /^(\d+|[A-Za-z0-9_.-]+\.ya?ml)$/, 'a workflow file name (nightly.yml) or id') ?? '',
        branch: GATE_DEFAULTS.k6Branch,
        maxAgeHours: r.number('K6_MAX_AGE_HOURS', GATE_DEFAULTS.k6MaxAgeHours, { min: 0.1 }),
      };
    }
    highIssues = {
      ...github,
      label: r.raw('HIGH_LABEL') ?? GATE_DEFAULTS.highLabel,
      max: r.number('HIGH_MAX', GATE_DEFAULTS.highMax, { integer: true, min: 0 }),
    };
  }

  if (r.errors.length > 0) return { ok: false, errors: r.errors, warnings };
  const value: GatesConfig = { timeoutMs, retries: GATE_DEFAULTS.retries, testers, sentry, statuspage, synthetic, k6, highIssues };
  return { ok: true, value: Object.freeze(value), warnings };
}

/** The gates a configuration leaves ⚪ not configured. */
export function unconfiguredGates(config: GatesConfig): GateId[] {
  const map: Record<GateId, unknown> = {
    testers: config.testers,
    sentry: config.sentry,
    statuspage: config.statuspage,
    synthetic: config.synthetic,
    k6: config.k6,
    high_issues: config.highIssues,
  };
  return (Object.keys(map) as GateId[]).filter((id) => map[id] === null);
}

/** The tokens of a configuration, for scrubbing outputs. */
export function configSecrets(config: GatesConfig): string[] {
  return [config.sentry?.token, config.k6?.token, config.highIssues?.token].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
