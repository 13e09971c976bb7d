import { cohortProblem } from '@veza/invite-rules';
import type { Problem } from '@veza/invite-rules';
import { httpUrlField, KNOWN_SETTINGS, parseSettings, SECRET_SETTINGS } from '@veza/settings';
import type { Validation } from '@veza/settings';
import { z } from 'zod';
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
  /** hours since the most recent scheduled run, which must be green: a night (24 h) plus slack for a slow run */
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

/** The shared result shape (`@veza/settings`): problems and warnings name their variable. */
export type GatesConfigResult = Validation<GatesConfig>;

/** The Sentry gate's variables, and the k6 and HIGH issues gates' (GitHub). */
const SENTRY_VARS = [
  'SENTRY_AUTH_TOKEN',
  'SENTRY_ORG',
  'SENTRY_URL',
  'SENTRY_PROJECT',
  'SENTRY_QUERY',
  'SENTRY_PERIOD',
  'SENTRY_MAX',
] as const;
const GITHUB_VARS = ['GITHUB_TOKEN', 'GITHUB_REPO', 'GITHUB_API_URL', 'K6_WORKFLOW', 'K6_MAX_AGE_HOURS', 'HIGH_LABEL', 'HIGH_MAX'] as const;
/** The variables that ask for the k6 and HIGH issues gates (GITHUB_TOKEN and GITHUB_API_URL are often set for other tools). */
const GITHUB_GATE_VARS = ['GITHUB_REPO', 'K6_WORKFLOW', 'K6_MAX_AGE_HOURS', 'HIGH_LABEL', 'HIGH_MAX'] as const;

/** The variables this lib reads (DATABASE_URL is the caller's), in the order of its schema. */
export const GATE_ENV_VARS = [
  'TESTERS_TARGET',
  'TESTERS_COHORT',
  ...SENTRY_VARS,
  'STATUSPAGE_URL',
  'PROM_URL',
  'PROM_QUERY',
  ...GITHUB_VARS,
  'GATE_TIMEOUT_MS',
] as const;
type Var = (typeof GATE_ENV_VARS)[number];

/** Prefixes owned by the gates: an unknown variable under one of them is probably a typo. */
const OWNED_PREFIXES = ['TESTERS_', 'STATUSPAGE_', 'PROM_', 'K6_', 'HIGH_', 'GATE_'];

/**
 * A number setting: `{ integer, min (or above: more than min), max }`; the
 * message quotes the value (none of these is a secret). Durations get a max:
 * a timer longer than 2^31 − 1 ms fires at once in Node.
 */
export function numberField(rule: { integer?: boolean; min: number; above?: boolean; max?: number }) {
  const kind = rule.integer ? 'an integer' : 'a number';
  const words = `must be ${kind} ${rule.above ? '>' : '≥'} ${rule.min}${rule.max === undefined ? '' : ` and ≤ ${rule.max}`}`;
  return z
    .string()
    .refine(
      (value) => {
        const n = /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(value) ? Number(value) : Number.NaN;
        return (
          Number.isFinite(n) &&
          (rule.above ? n > rule.min : n >= rule.min) &&
          (rule.max === undefined || n <= rule.max) &&
          (!rule.integer || Number.isInteger(n))
        );
      },
      { error: (issue) => `${words} (got "${String(issue.input)}")` },
    )
    .transform(Number);
}

/** An http(s) URL, trailing slashes removed; the message never quotes it (it may hold credentials). */
/**
 * An API's base URL: http(s), trailing slashes removed. A user name or
 * password in it is refused here (exit 3), not at the first request: fetch
 * will not send one, and the tokens have settings of their own. The message
 * never quotes the URL (it may hold credentials).
 */
export function apiUrlField(message = 'is not an http(s) URL') {
  return httpUrlField(message)
    .refine((text) => {
      // only an http(s) URL is checked here: anything else already has its problem
      const url = URL.canParse(text) ? new URL(text) : null;
      return !url || !['http:', 'https:'].includes(url.protocol) || (url.username === '' && url.password === '');
    }, 'has a user name or password in it, which is not sent: remove it and use the API token setting')
    .transform((value) => value.replace(/\/+$/, ''));
}

const urlField = apiUrlField();

function patternField(re: RegExp, what: string) {
  return z.string().refine((value) => re.test(value), { error: (issue) => `must be ${what} (got "${String(issue.input)}")` });
}

/** The gates' variables, each checked on its own; which ones a gate needs together is checked apart (requiredTogether). */
export const GATE_SETTINGS_SCHEMA = z.object({
  TESTERS_TARGET: numberField({ integer: true, min: 1 }).optional(),
  // The cohort-label rule of every other part (validator, database, emails): `fans/discord` is a label.
  TESTERS_COHORT: z
    .string()
    .refine((value) => cohortProblem(value) === null, {
      error: (issue) => `${cohortProblem(String(issue.input)) ?? ''} (got "${String(issue.input)}")`,
    })
    .optional(),
  SENTRY_AUTH_TOKEN: z.string().optional(),
  SENTRY_ORG: patternField(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'an organisation slug').optional(),
  SENTRY_URL: urlField.default(GATE_DEFAULTS.sentryUrl),
  SENTRY_PROJECT: patternField(/^\d+(,\d+)*$/, 'numeric project ids separated by commas').optional(),
  SENTRY_QUERY: z.string().default(GATE_DEFAULTS.sentryQuery),
  SENTRY_PERIOD: patternField(/^\d+[smhdw]$/, 'a Sentry statsPeriod such as 24h, 90m, 14d').default(GATE_DEFAULTS.sentryPeriod),
  SENTRY_MAX: numberField({ integer: true, min: 0 }).default(GATE_DEFAULTS.sentryMax),
  STATUSPAGE_URL: urlField.optional(),
  PROM_URL: urlField.optional(),
  PROM_QUERY: z.string().default(GATE_DEFAULTS.promQuery),
  GITHUB_TOKEN: z.string().optional(),
  GITHUB_REPO: patternField(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'owner/name').optional(),
  GITHUB_API_URL: urlField.default(GATE_DEFAULTS.githubApiUrl),
  K6_WORKFLOW: patternField(/^(\d+|[A-Za-z0-9_.-]+\.ya?ml)$/, 'a workflow file name (nightly.yml) or id').optional(),
  K6_MAX_AGE_HOURS: numberField({ min: 0.1 }).default(GATE_DEFAULTS.k6MaxAgeHours),
  HIGH_LABEL: z.string().default(GATE_DEFAULTS.highLabel),
  HIGH_MAX: numberField({ integer: true, min: 0 }).default(GATE_DEFAULTS.highMax),
  GATE_TIMEOUT_MS: numberField({ integer: true, min: 100, max: 600_000 }).default(GATE_DEFAULTS.timeoutMs),
});

/** A gate set up by halves: the variables it needs together (presence only, so listed even when another value is bad). */
function requiredTogether(has: (...names: Var[]) => boolean): Problem[] {
  const problems: Problem[] = [];
  const need = (name: Var, because: string) => {
    if (!has(name)) problems.push({ field: name, message: `is required ${because}` });
  };
  if (has('TESTERS_COHORT')) need('TESTERS_TARGET', 'when TESTERS_COHORT is set');
  if (has(...SENTRY_VARS)) {
    need('SENTRY_AUTH_TOKEN', 'for the Sentry gate (other SENTRY_* settings are set)');
    // the seed checklist's monitor line sets SENTRY_AUTH_TOKEN alone: say what the missing one is
    need(
      'SENTRY_ORG',
      "for the Sentry gate (other SENTRY_* settings are set): your organisation's slug, as in https://sentry.io/organizations/<slug>/ (the seed checklist's monitor line sets only SENTRY_AUTH_TOKEN)",
    );
  }
  if (has('PROM_QUERY')) need('PROM_URL', 'when PROM_QUERY is set');
  // GITHUB_TOKEN and GITHUB_API_URL alone do not ask for these gates: GitHub Actions sets GITHUB_API_URL in every
  // step, a workflow maps its own GITHUB_TOKEN, a shell exports one for gh. Counted here, they made every run without
  // GITHUB_REPO a configuration error (exit 3: each scheduled run of docs/ci/gates-monitor.yml failed).
  if (has(...GITHUB_GATE_VARS)) need('GITHUB_REPO', 'for the k6 and HIGH issues gates (other K6_/HIGH_ settings are set)');
  if (has('K6_MAX_AGE_HOURS')) need('K6_WORKFLOW', 'when K6_MAX_AGE_HOURS is set');
  return problems;
}

/** An unknown variable under a gates prefix is probably a typo. */
function typoWarnings(env: Readonly<Record<string, string | undefined>>): Problem[] {
  const warnings: Problem[] = [];
  for (const key of Object.keys(env)) {
    if (
      OWNED_PREFIXES.some((p) => key.startsWith(p)) &&
      !(GATE_ENV_VARS as readonly string[]).includes(key) &&
      // another app's setting under a gates prefix (the launch-day checks' PROM_5XX_QUERY, …) is not a typo
      !KNOWN_SETTINGS.includes(key)
    ) {
      warnings.push({
        field: key,
        message: `is not a gates setting (ignored); known: ${GATE_ENV_VARS.filter((v) => v.startsWith(key.split('_')[0]!)).join(', ')}`,
      });
    }
  }
  return warnings;
}

/** The proxy variables curl and most tools honour, and the scheme of the URLs each is for; Node 20's fetch reads none of them. */
const PROXY_VARS = [
  ['HTTPS_PROXY', 'https:'],
  ['https_proxy', 'https:'],
  ['HTTP_PROXY', 'http:'],
  ['http_proxy', 'http:'],
  ['ALL_PROXY', null],
  ['all_proxy', null],
] as const;

/**
 * Whether this process's fetch goes through the proxy the environment names:
 * Node 22.21+ and 24 with NODE_USE_ENV_PROXY=1 (or --use-env-proxy) install
 * undici's EnvHttpProxyAgent as the global dispatcher at start, under
 * undici's symbol; Node 20 never does. It reads HTTPS_PROXY/HTTP_PROXY (either
 * case, HTTP_PROXY for https:// too when HTTPS_PROXY is unset) and NO_PROXY by
 * its own rule, and not ALL_PROXY.
 */
function fetchHonoursProxyEnv(): boolean {
  const dispatcher = (globalThis as unknown as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')];
  return typeof dispatcher === 'object' && dispatcher !== null && dispatcher.constructor.name === 'EnvHttpProxyAgent';
}

/**
 * Whether NO_PROXY has `url` asked directly, read as curl does (tried
 * against curl with a local listener playing the proxy): `no_proxy` when set
 * and not empty, else `NO_PROXY`; `*` only as the whole value (`localhost,*`
 * is no wildcard for curl nor Node 24); otherwise entries the host itself or a
 * domain of it (a leading `.`, a trailing `.` aside, either case). Also taken
 * as naming the host, as Node 24 and Go do though curl 7.88 does not: `*.` before a domain, and `host:port` or `[v6]:port` with the URL's port.
 */
function bypassesProxy(env: Readonly<Record<string, string | undefined>>, url: URL): boolean {
  const value = env['no_proxy'] || env['NO_PROXY'] || '';
  if (value === '*') return true;
  const entries = value
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return entries.some((entry) => {
    // host:port, [v6]:port, or a bare name or address (an IPv6 one has colons of its own)
    const [, name = entry, entryPort] = /^\[(.*)\](?::(\d+))?$/.exec(entry) ?? /^([^:]*):(\d+)$/.exec(entry) ?? [];
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    return domain !== '' && (entryPort === undefined || entryPort === port) && (host === domain || host.endsWith(`.${domain}`));
  });
}

/**
 * A warning per proxy variable set that curl would use for a URL a gate asks
 * (its scheme, not in NO_PROXY): on a network where only the proxy reaches
 * outside those gates end ⚪ (no answer, network error), and nothing said
 * why. Names the variable, never its value (a proxy URL may hold a login).
 * None when this process's fetch itself takes the proxy from HTTPS_PROXY or
 * HTTP_PROXY (`fetchHonoursProxyEnv`): the gates do go through it then, and
 * ALL_PROXY, which Node does not read, is only warned of alone.
 */
function proxyWarnings(env: Readonly<Record<string, string | undefined>>, asked: readonly string[], viaProxy: boolean): Problem[] {
  if (viaProxy && PROXY_VARS.some(([name, scheme]) => scheme !== null && env[name]?.trim())) return [];
  const throughProxy = asked.map((url) => new URL(url)).filter((url) => !bypassesProxy(env, url));
  const how =
    env['NODE_USE_ENV_PROXY']?.trim() === '1'
      ? 'NODE_USE_ENV_PROXY=1 is set, but this process does not fetch through the proxy: Node 20 and 22 before 22.21 ignore it, and Node reads it from the environment at start, not from a .env file'
      : 'on Node 22.21 or later, NODE_USE_ENV_PROXY=1 in the environment makes them go through HTTP_PROXY/HTTPS_PROXY';
  return PROXY_VARS.filter(
    ([name, scheme]) => env[name]?.trim() && throughProxy.some((url) => scheme === null || url.protocol === scheme),
  ).map(([field, scheme]) => ({
    field,
    message:
      'is set, but the gates do not use a proxy: Sentry, the status page, Prometheus and GitHub are asked directly ' +
      '(where only the proxy reaches them, they end ⚪ with no answer or a network error): run the monitor where it reaches them directly' +
      (scheme === null ? ' (Node reads no ALL_PROXY)' : ` (${how})`),
  }));
}

/**
 * Reads the gates' settings from an environment (an app passes what
 * `@veza/settings` loaded). Strict: a present but invalid value is a problem
 * naming the variable; a gate whose settings are all absent is null (⚪ not
 * configured); a gate set up by halves is a problem. Every problem at once.
 */
export function gatesConfigFromEnv(env: Readonly<Record<string, string | undefined>>): GatesConfigResult {
  const has = (...names: Var[]) => names.some((n) => Boolean(env[n]?.trim()));
  const warnings = typoWarnings(env);
  const parsed = parseSettings(GATE_SETTINGS_SCHEMA, env, { secrets: SECRET_SETTINGS });
  const together = requiredTogether(has);
  if (!parsed.ok || together.length > 0) return { ok: false, problems: [...(parsed.ok ? [] : parsed.problems), ...together], warnings };
  const v = parsed.value;

  const testers: TestersConfig | null =
    v.TESTERS_TARGET === undefined ? null : { target: v.TESTERS_TARGET, cohort: v.TESTERS_COHORT ?? null };
  const sentry: SentryConfig | null = has(...SENTRY_VARS)
    ? {
        token: v.SENTRY_AUTH_TOKEN ?? '',
        org: v.SENTRY_ORG ?? '',
        baseUrl: v.SENTRY_URL,
        projects: v.SENTRY_PROJECT ? v.SENTRY_PROJECT.split(',') : [],
        query: v.SENTRY_QUERY,
        period: v.SENTRY_PERIOD,
        max: v.SENTRY_MAX,
      }
    : null;
  // Accept the page URL or a pasted API URL: keep the page base only.
  const statuspage = v.STATUSPAGE_URL ? { url: v.STATUSPAGE_URL.replace(/\/api\/v2(\/.*)?$/, '') } : null;
  const synthetic: SyntheticConfig | null = v.PROM_URL ? { promUrl: v.PROM_URL, query: v.PROM_QUERY } : null;

  let k6: K6Config | null = null;
  let highIssues: HighIssuesConfig | null = null;
  if (v.GITHUB_REPO) {
    const github: GithubTarget = { apiUrl: v.GITHUB_API_URL, repo: v.GITHUB_REPO, token: v.GITHUB_TOKEN ?? null };
    if (github.token === null)
      warnings.push({
        field: 'GITHUB_TOKEN',
        message: 'is not set: GitHub allows 60 unauthenticated requests per hour and hides private repositories',
      });
    if (v.K6_WORKFLOW) k6 = { ...github, workflow: v.K6_WORKFLOW, branch: GATE_DEFAULTS.k6Branch, maxAgeHours: v.K6_MAX_AGE_HOURS };
    highIssues = { ...github, label: v.HIGH_LABEL, max: v.HIGH_MAX };
  }

  const asked = [sentry?.baseUrl, statuspage?.url, synthetic?.promUrl, highIssues?.apiUrl].filter(
    (url): url is string => url !== undefined,
  );
  warnings.push(...proxyWarnings(env, asked, fetchHonoursProxyEnv()));
  const value: GatesConfig = {
    timeoutMs: v.GATE_TIMEOUT_MS,
    retries: GATE_DEFAULTS.retries,
    testers,
    sentry,
    statuspage,
    synthetic,
    k6,
    highIssues,
  };
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
  return [config.sentry?.token, config.k6?.token, config.highIssues?.token].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
}
