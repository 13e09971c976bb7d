import { githubHeaders } from '../probes/github-headers.js';
import { assertLabelsExist } from '../probes/github-label.js';
import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext, ProbeOptions } from '../probe-kit.js';
import { nextPageUrl, requestJson } from '../request-json.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck, LaunchObservation } from './launch-check.js';
import { LAUNCH_DEFAULTS } from './launch-settings.js';
import type { LaunchSettings } from './launch-settings.js';
import { isoTime, jsonText } from '../json-text.js';
import { scrubSecrets } from '../redact.js';

export const TRIAGE_TITLE = 'Every HIGH issue triaged within 1 h (assignee or comment)';
const MAX_PAGES = 10;

export interface HighIssue {
  number: number;
  title: string;
  createdAt: Date;
  assignees: number;
  comments: number;
  url: string | null;
}

/** Untriaged: open, older than maxMinutes, no assignee and no comment. */
export function triageVerdict(issues: HighIssue[], now: Date, maxMinutes: number = LAUNCH_DEFAULTS.triageMaxMinutes): LaunchObservation {
  const late = issues.filter((i) => i.assignees === 0 && i.comments === 0 && now.getTime() - i.createdAt.getTime() > maxMinutes * 60_000);
  if (late.length === 0) return { state: 'pass', summary: `${issues.length} open HIGH issue(s), none untriaged after ${maxMinutes} min` };
  return {
    state: 'fail',
    summary: `${late.length} HIGH issue(s) untriaged after ${maxMinutes} min: ${late
      .slice(0, 3)
      .map((i) => `#${i.number} ${i.title}`)
      .join('; ')}${late.length > 3 ? ' …' : ''}`,
  };
}

/**
 * Reads the open HIGH issues (GitHub issues API, pull requests dropped) with
 * their age, assignees and comments; `truncated` when pages remained after MAX_PAGES.
 */
export async function readHighIssues(ctx: ProbeContext, settings: LaunchSettings): Promise<{ issues: HighIssue[]; truncated: boolean }> {
  const gh = settings.github;
  const target = { apiUrl: gh.apiUrl, repo: gh.repo ?? '', token: gh.token };
  const first = new URL(`${gh.apiUrl}/repos/${gh.repo}/issues`);
  for (const [k, v] of Object.entries({ state: 'open', labels: gh.label, per_page: '100' })) first.searchParams.set(k, v);
  const scope = { origin: new URL(gh.apiUrl).origin, originSetting: 'GITHUB_API_URL' };
  const issues: HighIssue[] = [];
  let url: string | null = first.toString();
  let listed = 0;
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const answer: Awaited<ReturnType<typeof requestJson>> = await requestJson(ctx, url, {
      headers: githubHeaders(target),
      ...scope,
      notFound: `HTTP 404: repository ${gh.repo} not found (or the token cannot see it)`,
    });
    if (!Array.isArray(answer.body)) throw new ProbeProblem('parse', 'the issues API did not answer a list');
    listed += answer.body.length;
    for (const item of answer.body as Record<string, unknown>[]) {
      if (item['pull_request'] !== undefined) continue;
      const created = isoTime(item['created_at']);
      if (created === null) throw new ProbeProblem('parse', 'an issue without a valid created_at (an ISO 8601 time)');
      if (typeof item['number'] !== 'number') throw new ProbeProblem('parse', 'an issue without a number');
      issues.push({
        number: item['number'],
        title: jsonText(item['title']),
        createdAt: new Date(created),
        assignees: Array.isArray(item['assignees']) ? item['assignees'].length : 0,
        comments: Number(item['comments'] ?? 0),
        url: typeof item['html_url'] === 'string' ? item['html_url'] : null,
      });
    }
    url = nextPageUrl(answer.headers, url, scope);
  }
  // An empty list is also GitHub's answer for a label the repository does not have.
  if (listed === 0) await assertLabelsExist(ctx, target, gh.label, scope);
  ctx.setSource(first.toString());
  return { issues, truncated: url !== null };
}

/** Every 4 h: no open HIGH issue older than 1 h with no assignee and no comment. */
export function highTriageCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  if (!settings.github.repo) return Promise.resolve(notConfiguredCheck(TRIAGE_TITLE, 'GITHUB_REPO (and GITHUB_TOKEN)'));
  const now = options.now ?? (() => new Date());
  return runLaunchCheck(TRIAGE_TITLE, { ...options, secrets: settings.github.token ? [settings.github.token] : [] }, async (ctx) => {
    const { issues, truncated } = await readHighIssues(ctx, settings);
    const verdict = triageVerdict(issues, now());
    // An untriaged issue found is 🔴 whatever remains unread; none found in a cut listing proves nothing.
    if (verdict.state === 'pass' && truncated)
      return {
        state: 'unknown',
        reason: 'no_data',
        summary: `${issues.length}+ open HIGH issue(s), none untriaged among them, but the listing was cut after ${MAX_PAGES} pages`,
      };
    return verdict;
  });
}

/** The open HIGH issues for the decision report, or why they could not be read. */
export async function fetchHighIssues(
  settings: LaunchSettings,
  options: ProbeOptions = {},
): Promise<{ ok: true; issues: HighIssue[]; truncated: boolean } | { ok: false; why: string }> {
  if (!settings.github.repo) return { ok: false, why: 'not checked (set GITHUB_REPO)' };
  const secrets = settings.github.token ? [settings.github.token] : [];
  let issues: HighIssue[] = [];
  let truncated = false;
  const check = await runLaunchCheck(TRIAGE_TITLE, { ...options, secrets }, async (ctx) => {
    ({ issues, truncated } = await readHighIssues(ctx, settings));
    return { state: 'pass', summary: '' };
  });
  if (check.state !== 'pass') return { ok: false, why: `${check.reason ?? 'unknown'}: ${check.summary}` };
  // The issues leave the check as they are: their text (an API's) is scrubbed of the token here.
  return {
    ok: true,
    issues: issues.map((i) => ({ ...i, title: scrubSecrets(i.title, secrets), url: scrubSecrets(i.url, secrets) })),
    truncated,
  };
}
