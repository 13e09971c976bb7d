/**
 * Builders for tests of this lib and of the apps on top of it: msw handlers
 * that answer like the six gates' real APIs (bodies, headers, failure modes),
 * a config pointing at them, and fixed runs for renderer snapshots.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { http, HttpResponse } from 'msw';
import type { HttpHandler } from 'msw';
import { GATE_DEFAULTS } from './config.js';
import type { GatesConfig } from './config.js';
import { GATE_TITLES } from './types.js';
import type { GateResult, GateRun } from './types.js';
import { verdictOf } from './verdict.js';

export const TEST_URLS = Object.freeze({
  sentry: 'https://sentry.test',
  statuspage: 'https://status.veza.test',
  prometheus: 'http://prometheus.test:9090',
  github: 'https://api.github.test',
});

/** Token values the handlers expect; outputs are checked never to contain them. */
export const TEST_TOKENS = Object.freeze({ sentry: 'sntrys_TESTTOKEN_5f3a9c1e7b', github: 'ghp_TESTTOKEN0123456789abcdefABCDEF' });

/** A failure the API shows before (or instead of) its normal answer. */
export interface Fault {
  /** HTTP status to answer, e.g. 401, 429, 503; 0 = network error */
  status?: number;
  /** how many requests get the fault before the normal answer (default: all) */
  times?: number;
  /** Retry-After header value (seconds or an HTTP date) */
  retryAfter?: string;
  /** extra headers on the fault response */
  headers?: Record<string, string>;
  /** wait before answering (milliseconds), for timeouts */
  delayMs?: number;
  /** raw body instead of the normal JSON (malformed JSON) */
  body?: string;
}

export interface GateApiScenario {
  sentry?: { issues?: number; xHits?: boolean; pageSize?: number; fault?: Fault };
  statuspage?: { indicator?: string; incidents?: { name: string; status: string; impact: string }[]; fault?: Fault };
  /** series values as Prometheus returns them ("1", "0", "NaN"); [] = empty vector */
  prometheus?: { values?: string[]; body?: unknown; status?: number; fault?: Fault };
  /** hours between `now` and the last green run's updated_at; null = no green run; workflowExists false → 404 */
  k6?: { lastGreenHoursAgo?: number | null; now?: Date; workflowExists?: boolean; fault?: Fault };
  /** labels: the repository's labels (default: the severity label only); an unknown one answers 404 as GitHub does */
  highIssues?: { issues?: number; pullRequests?: number; pageSize?: number; labels?: string[]; fault?: Fault };
}

/** A latency that ends early when the client gives up, and never keeps a test process alive. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** Wraps an answer with a fault and an optional latency; counts requests. */
function faulty(fault: Fault | undefined, answer: (request: Request) => Response | Promise<Response>, latencyMs = 0) {
  let seen = 0;
  return async ({ request }: { request: Request }) => {
    seen++;
    const active = fault && seen <= (fault.times ?? Number.POSITIVE_INFINITY);
    const wait = (active ? fault.delayMs : undefined) ?? latencyMs;
    if (wait > 0) await pause(wait, request.signal);
    if (active && fault.status === 0) return HttpResponse.error();
    if (active && fault.body !== undefined)
      return new HttpResponse(fault.body, { status: fault.status ?? 200, headers: { 'Content-Type': 'application/json' } });
    if (active && fault.status) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...fault.headers };
      if (fault.retryAfter) headers['Retry-After'] = fault.retryAfter;
      return HttpResponse.json({ detail: `fault ${fault.status}` }, { status: fault.status, headers });
    }
    return answer(request);
  };
}

function bearer(request: Request, token: string): boolean {
  return request.headers.get('authorization') === `Bearer ${token}`;
}

/** Paginates a list the way both APIs do, with a Link header (Sentry adds results="true|false"). */
function page<T>(request: Request, items: T[], pageSize: number, style: 'sentry' | 'github'): { slice: T[]; link: string | null } {
  const url = new URL(request.url);
  const cursor = Number(url.searchParams.get(style === 'sentry' ? 'cursor' : 'page') ?? (style === 'sentry' ? '0' : '1'));
  const start = style === 'sentry' ? cursor : (cursor - 1) * pageSize;
  const slice = items.slice(start, start + pageSize);
  const more = start + pageSize < items.length;
  const next = new URL(url);
  next.searchParams.set(style === 'sentry' ? 'cursor' : 'page', String(style === 'sentry' ? start + pageSize : cursor + 1));
  if (style === 'sentry')
    return {
      slice,
      link: `<${url}>; rel="previous"; results="false"; cursor="0", <${next}>; rel="next"; results="${more}"; cursor="${start + pageSize}"`,
    };
  return { slice, link: more ? `<${next}>; rel="next", <${url}>; rel="first"` : null };
}

/**
 * msw handlers for the Sentry, Statuspage, Prometheus and GitHub APIs under
 * TEST_URLS, answering per the scenario. `latencyMs` delays every answer
 * (benchmarks, timeouts). Use with setupServer from msw/node.
 */
export function gateApiHandlers(scenario: GateApiScenario = {}, latencyMs = 0): HttpHandler[] {
  const s = scenario;
  return [
    http.get(
      `${TEST_URLS.sentry}/api/0/organizations/:org/issues/`,
      faulty(
        s.sentry?.fault,
        (request) => {
          if (!bearer(request, TEST_TOKENS.sentry)) return HttpResponse.json({ detail: 'Invalid token' }, { status: 401 });
          const all = Array.from({ length: s.sentry?.issues ?? 0 }, (_, i) => ({
            id: String(4000 + i),
            shortId: `VEZA-${i + 1}`,
            title: `TypeError in player #${i + 1}`,
            level: 'error',
            priority: 'high',
            status: 'unresolved',
            count: String(10 + i),
            permalink: `https://veza.sentry.io/issues/${4000 + i}/`,
          }));
          const { slice, link } = page(request, all, s.sentry?.pageSize ?? 100, 'sentry');
          const headers: Record<string, string> = { Link: link ?? '' };
          if (s.sentry?.xHits ?? true) headers['X-Hits'] = String(all.length);
          return HttpResponse.json(slice, { headers });
        },
        latencyMs,
      ),
    ),
    http.get(
      `${TEST_URLS.statuspage}/api/v2/summary.json`,
      faulty(
        s.statuspage?.fault,
        () =>
          HttpResponse.json({
            page: { id: 'kctbh9vrtdwd', name: 'Veza', url: TEST_URLS.statuspage, updated_at: '2026-06-12T17:00:00.000Z' },
            status: {
              indicator: s.statuspage?.indicator ?? 'none',
              description:
                s.statuspage?.indicator && s.statuspage.indicator !== 'none' ? 'Partial System Outage' : 'All Systems Operational',
            },
            components: [{ id: 'c1', name: 'Streaming', status: 'operational' }],
            incidents: (s.statuspage?.incidents ?? []).map((i, n) => ({ id: `inc${n}`, shortlink: `https://stspg.io/${n}`, ...i })),
            scheduled_maintenances: [],
          }),
        latencyMs,
      ),
    ),
    http.get(
      `${TEST_URLS.prometheus}/api/v1/query`,
      faulty(
        s.prometheus?.fault,
        () => {
          if (s.prometheus?.body !== undefined)
            return HttpResponse.json(s.prometheus.body as Record<string, unknown>, { status: s.prometheus.status ?? 200 });
          const result = (s.prometheus?.values ?? ['1']).map((value, i) => ({
            metric: { job: 'journey', instance: `parcours-${i + 1}` },
            value: [1781283600, value],
          }));
          return HttpResponse.json({ status: 'success', data: { resultType: 'vector', result } });
        },
        latencyMs,
      ),
    ),
    http.get(
      `${TEST_URLS.github}/repos/:owner/:repo/actions/workflows/:workflow/runs`,
      faulty(
        s.k6?.fault,
        (request) => {
          if (!bearer(request, TEST_TOKENS.github)) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
          if (s.k6?.workflowExists === false)
            return HttpResponse.json({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }, { status: 404 });
          const hours = s.k6?.lastGreenHoursAgo === undefined ? 6 : s.k6.lastGreenHoursAgo;
          const now = s.k6?.now ?? new Date();
          const at = hours === null ? null : new Date(now.getTime() - hours * 3_600_000).toISOString();
          const runs = at
            ? [
                {
                  id: 9001,
                  name: 'k6 nightly',
                  status: 'completed',
                  conclusion: 'success',
                  event: 'schedule',
                  head_branch: 'main',
                  head_sha: 'a1b2c3d',
                  created_at: at,
                  run_started_at: at,
                  updated_at: at,
                  html_url: 'https://github.com/veza/app/actions/runs/9001',
                },
              ]
            : [];
          return HttpResponse.json({ total_count: runs.length, workflow_runs: runs });
        },
        latencyMs,
      ),
    ),
    http.get(
      `${TEST_URLS.github}/repos/:owner/:repo/issues`,
      faulty(
        s.highIssues?.fault,
        (request) => {
          if (!bearer(request, TEST_TOKENS.github)) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
          const issues = Array.from({ length: s.highIssues?.issues ?? 0 }, (_, i) => ({
            number: 100 + i,
            title: `Crash on upload ${i + 1}`,
            html_url: `https://github.com/veza/app/issues/${100 + i}`,
            labels: [{ name: 'severity: high' }],
          }));
          const prs = Array.from({ length: s.highIssues?.pullRequests ?? 0 }, (_, i) => ({
            number: 500 + i,
            title: `Fix ${i}`,
            pull_request: { url: 'x' },
            labels: [{ name: 'severity: high' }],
          }));
          // GitHub lists nothing for a label the repository does not have.
          const known = (s.highIssues?.labels ?? [GATE_DEFAULTS.highLabel]).map((l) => l.toLowerCase());
          const asked = (new URL(request.url).searchParams.get('labels') ?? '').split(',').filter((l) => l.trim() !== '');
          const all = asked.every((l) => known.includes(l.trim().toLowerCase())) ? [...prs, ...issues] : [];
          const { slice, link } = page(request, all, s.highIssues?.pageSize ?? 100, 'github');
          return HttpResponse.json(slice, {
            headers: link ? { Link: link, 'x-ratelimit-remaining': '4999' } : { 'x-ratelimit-remaining': '4999' },
          });
        },
        latencyMs,
      ),
    ),
    http.get(`${TEST_URLS.github}/repos/:owner/:repo/labels/:name`, ({ request, params }) =>
      githubLabel(request, params['name'] as string, s.highIssues?.labels ?? [GATE_DEFAULTS.highLabel]),
    ),
  ];
}

/** GitHub's answer to GET /repos/{owner}/{repo}/labels/{name} (case-insensitive) for a repository having `labels`. */
export function githubLabel(request: Request, name: string, labels: string[]): Response {
  if (!bearer(request, TEST_TOKENS.github)) return HttpResponse.json({ message: 'Bad credentials' }, { status: 401 });
  const found = labels.find((l) => l.toLowerCase() === name.toLowerCase());
  if (found === undefined)
    return HttpResponse.json(
      { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/labels#get-a-label', status: '404' },
      { status: 404 },
    );
  return HttpResponse.json({ id: 208045946, name: found, color: 'b60205', default: false, description: 'Fix before anything else' });
}

/** A config with every HTTP gate pointing at TEST_URLS (testers too, target 3); override any part. */
export function testGatesConfig(overrides: Partial<GatesConfig> = {}): GatesConfig {
  const github = { apiUrl: TEST_URLS.github, repo: 'veza/app', token: TEST_TOKENS.github };
  return {
    timeoutMs: 2_000,
    retries: GATE_DEFAULTS.retries,
    testers: { target: 3, cohort: null },
    sentry: {
      baseUrl: TEST_URLS.sentry,
      org: 'veza',
      token: TEST_TOKENS.sentry,
      projects: [],
      query: GATE_DEFAULTS.sentryQuery,
      period: '24h',
      max: 0,
    },
    statuspage: { url: TEST_URLS.statuspage },
    synthetic: { promUrl: TEST_URLS.prometheus, query: GATE_DEFAULTS.promQuery },
    k6: { ...github, workflow: 'k6-nightly.yml', branch: 'main', maxAgeHours: 30 },
    highIssues: { ...github, label: GATE_DEFAULTS.highLabel, max: 0 },
    ...overrides,
  };
}

/** A fixed run for snapshots: one gate of each kind of outcome, timestamps on a fixed clock. */
export function sampleGateRun(): GateRun {
  const at = '2026-06-12T17:45:00.000Z';
  const gate = (
    id: GateResult['id'],
    state: GateResult['state'],
    reason: GateResult['reason'],
    summary: string,
    evidence: Partial<GateResult['evidence']>,
  ): GateResult => ({
    id,
    title: GATE_TITLES[id],
    state,
    reason,
    summary,
    evidence: {
      value: null,
      threshold: '—',
      source: null,
      httpStatus: null,
      latencyMs: 0,
      observedAt: at,
      attempts: 0,
      details: {},
      ...evidence,
    },
  });
  const gates = [
    gate('testers', 'pass', null, '57 testers signed up (target 50)', {
      value: 57,
      threshold: '≥ 50',
      source: 'postgres://veza:***@db.internal:5432/veza',
      latencyMs: 14,
    }),
    gate('sentry', 'fail', null, '2 issue(s) match "is:unresolved issue.priority:high over 24h" (max 0)', {
      value: 2,
      threshold: '≤ 0',
      source: 'https://sentry.io/api/0/organizations/veza/issues/?query=is:unresolved+issue.priority:high&statsPeriod=24h&limit=100',
      httpStatus: 200,
      latencyMs: 231,
      attempts: 1,
    }),
    gate('statuspage', 'pass', null, 'All Systems Operational', {
      value: 'none',
      threshold: 'indicator none, 0 open incidents',
      source: 'https://status.veza.app/api/v2/summary.json',
      httpStatus: 200,
      latencyMs: 88,
      attempts: 1,
    }),
    gate('synthetic', 'unknown', 'no_data', 'no series for min_over_time(probe_success[15m]) (stale or never scraped)', {
      threshold: '= 1',
      source: 'http://prometheus:9090/api/v1/query?query=min_over_time(probe_success[15m])&timeout=9s',
      httpStatus: 200,
      latencyMs: 42,
      attempts: 1,
    }),
    gate('k6', 'pass', null, 'last green nightly finished 6.5 h ago', {
      value: 6.5,
      threshold: '≤ 30 h',
      source:
        'https://api.github.com/repos/veza/app/actions/workflows/k6-nightly.yml/runs?status=completed&branch=main&event=schedule&per_page=1',
      httpStatus: 200,
      latencyMs: 120,
      attempts: 1,
    }),
    gate('high_issues', 'unknown', 'rate_limited', 'rate limited (HTTP 429) after 3 attempts <retry later> & "see" headers', {
      threshold: '≤ 0',
      source: 'https://api.github.com/repos/veza/app/issues?state=open&labels=severity:+high&per_page=100',
      httpStatus: 429,
      latencyMs: 2_004,
      attempts: 3,
    }),
  ];
  return { startedAt: '2026-06-12T17:44:58.000Z', finishedAt: '2026-06-12T17:45:00.000Z', ...verdictOf(gates), gates };
}

/**
 * NODE_OPTIONS for a child process that collects garbage all the time: a
 * 1 MB young generation, and a preload (written into `dir`) forcing a full
 * collection every 10 ms. Node 20 loses AbortSignal.timeout() combined with
 * AbortSignal.any() under this pressure; held timers survive it.
 */
export function forcedGcNodeOptions(dir: string): string {
  const preload = join(dir, 'force-gc.mjs');
  writeFileSync(preload, "if (typeof globalThis.gc === 'function') setInterval(() => globalThis.gc(), 10).unref();\n");
  return `--max-semi-space-size=1 --expose-gc --import ${preload}`;
}
